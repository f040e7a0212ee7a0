"""RUN: the command in a container of the step's image, through the container service
(create → attach → start → wait), on the build's network, with the build's env and args.

The container is the ordinary kind (shim, runtime, events), so a RUN costs what
`docker run --rm` costs; its layer is committed by the caller, then the container removed.
"""

from __future__ import annotations

import asyncio
from typing import Any, Awaitable, Callable

from dockyard.errors import InternalError

# Query parameters of POST /build that shape a RUN step's container (host config names).
HOST_OPTIONS = {"networkmode": "NetworkMode", "shmsize": "ShmSize", "memory": "Memory",
                "memswap": "MemorySwap", "cpushares": "CpuShares", "cpusetcpus": "CpusetCpus",
                "cpusetmems": "CpusetMems", "cpuperiod": "CpuPeriod", "cpuquota": "CpuQuota",
                "cgroupparent": "CgroupParent", "extrahosts": "ExtraHosts", "ulimits": "Ulimits"}


class StepFailed(InternalError):
    """A RUN command exited non-zero; `code` becomes the CLI's exit status."""

    def __init__(self, message: str, code: int, command: list[str] | None = None):
        super().__init__(message)
        self.code, self.command = code, command or []


async def run_command(containers, stdio, image_id: str, config: dict[str, Any], command: list[str],
                      env: list[str], host_config: dict[str, Any],
                      started: Callable[[str], None],
                      output: Callable[[bytes], Awaitable[None] | None]) -> tuple[str, int]:
    """Run `command` in a new container of `image_id`; returns (container ID, exit code).

    The container is left for the caller to commit and remove (also when this raises after
    it was created: the ID is passed to `started` first)."""
    body = {
        "Image": image_id, "Cmd": command, "Entrypoint": [""], "Env": env,
        "User": config.get("User") or "", "WorkingDir": config.get("WorkingDir") or "",
        "AttachStdout": True, "AttachStderr": True, "Labels": {},
        "HostConfig": {"NetworkMode": "default", **host_config},
    }
    container_id, _ = await containers.create(body, "", None)
    started(container_id)
    session = stdio.output_of_next_start(container_id)
    exited = containers.wait(container_id, "next-exit")
    await containers.start(container_id)
    pump = asyncio.ensure_future(_pump(session, output))
    result = await exited
    await pump
    return container_id, result.status_code


async def _pump(session, output) -> None:
    async for _stream, data in session:
        pending = output(data)
        if pending is not None:
            await pending


def failure_message(command: list[str], code: int) -> str:
    return f"The command '{' '.join(command)}' returned a non-zero code: {code}"
