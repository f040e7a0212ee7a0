"""The shims: single-threaded processes that keep containers and outlive the daemon.

Daemon side (asyncio):  launcher   ShimLauncher (owns the zygote), PendingShim (set up, waits for go)
                        client     ShimClient, AttachSession
Launcher:               zygote     warm process that forks shim hosts and hands them launches
Shim host process:      host       one loop for up to 32 containers (a runtime binary's: one)
                        container_loop  a container's view of the loop: its callbacks in its state dir
                        server     Shim: create via the runtime, serve requests until shutdown
                        birth      its end of the birth socket: wait for go, report the create
                        backends   runc/crun binaries, or the built-in runtime in-process
                        loop       selectors loop, timers, SIGCHLD reaping (child subreaper)
                        connection one client connection; attach sessions
                        stdio      a process's output fan-out, stdin, exit; streams: its fds
                        jsonlog    Docker json-file log writer with rotation (logopts: options)
                        status     ExitStatus, recorded atomically; oom: cgroup oom_kill counter
Shared:                 protocol   the frame codec between daemon and shim
Daemon side (blocking): logread    reading json-file logs back: tail, since/until, follow
"""
