"""Annotations dockyard puts in OCI specs for its own runtime."""

# Asks the built-in runtime to keep a reaping PID 1 when `--init` has no init binary to mount.
INIT_ANNOTATION = "org.dockyard.init"
