"""dockyardd with a profiler that SIGUSR1 starts and SIGUSR2 stops and writes out, so a
profile covers the measured requests only (not imports, start-up or warm-up).

    python -m bench.profiled_daemon cprofile|pyinstrument OUTFILE -- <dockyardd arguments>"""

from __future__ import annotations

import runpy
import signal
import sys


def install(kind: str, output: str) -> None:
    if kind == "pyinstrument":
        from pyinstrument import Profiler
        profiler = Profiler(interval=0.0005)

        def stop(*_):
            profiler.stop()
            with open(output, "w") as out:
                out.write(profiler.output_text(unicode=True, show_all=False))
    else:
        import cProfile
        profiler = cProfile.Profile()

        def stop(*_):
            profiler.disable()
            profiler.dump_stats(output)

    signal.signal(signal.SIGUSR1, lambda *_: profiler.start() if kind == "pyinstrument" else profiler.enable())
    signal.signal(signal.SIGUSR2, stop)


def main() -> None:
    kind, output, separator, *daemon_args = sys.argv[1:]
    if separator != "--":
        raise SystemExit(__doc__)
    install(kind, output)
    sys.argv = ["dockyardd", *daemon_args]
    runpy.run_module("dockyard.daemon", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
