"""dockyard.compose: multi-container applications from Compose Specification files.

`model` (L0, pure) loads the files into a Project; `observe` reads what the daemon has, `plan`
turns (project, observed) into API steps as data, `execute` performs them through the client;
`commands` is the `dockyard compose` command line.
"""
