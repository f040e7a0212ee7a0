"""`dockyard compose …`: the command line of the compose library (`dockyard.compose`): argparse
(`commands`), the project-wide commands (`actions`), exec and one-off runs (`oneoff`) and the
prefixed log view (`logs`). Only this package imports the library; the library imports no CLI."""
