"""The `dockyard` command line: Docker's grammar and output formats over dockyard.client."""
