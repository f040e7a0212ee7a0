"""dockyardd: configuration, the composition root, and the process's life cycle."""
