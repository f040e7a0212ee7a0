"""dockyard.compose: multi-container applications from Compose Specification files, as a library.

`model` (L0, pure) loads the files into a Project; `observe` reads what the daemon has, `plan`
turns (project, observed) into API steps as data, `execute` performs them through the client.
The `dockyard compose` command line is `dockyard.cli.compose`; nothing here imports the CLI.
"""
