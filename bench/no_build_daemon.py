"""dockyardd whose BuildKit builds take no time: after the first build, the Dockerfile frontend
of the gateway's Solve answers at once with that build's image (no file sync, no steps, no
cache look-ups), so a `docker buildx build` against it costs only buildx and the protocol's
calls (`bench.buildx_floor`).

    python -m bench.no_build_daemon -- <dockyardd arguments>"""

from __future__ import annotations

import runpy
import sys


def install() -> None:
    from dockyard.api.buildkit import control

    built = control.BuildKitControl._frontend
    first: dict[str, str] = {}

    async def no_build(self, solve, name, attrs, events) -> str:
        if "image" not in first:
            first["image"] = await built(self, solve, name, attrs, events)
        return first["image"]

    control.BuildKitControl._frontend = no_build


def main() -> None:
    separator, *daemon_args = sys.argv[1:]
    if separator != "--":
        raise SystemExit(__doc__)
    install()
    sys.argv = ["dockyardd", *daemon_args]
    runpy.run_module("dockyard.daemon", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
