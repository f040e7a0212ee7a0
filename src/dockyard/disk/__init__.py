"""dockyard.disk: what the daemon's files cost on disk, counted as dockerd counts it."""
