"""`docker top`: the host's `ps`, limited to the container's processes (the one module that runs ps)."""

import asyncio

from dockyard.errors import InternalError, InvalidArgument


async def top(pids: list[int], ps_args: str) -> dict:
    args = ps_args.split() if ps_args else ["-ef"]
    process = await asyncio.create_subprocess_exec(
        "ps", *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await process.communicate()
    if process.returncode != 0:
        raise InternalError(f"ps: {err.decode(errors='replace').strip()}")
    return parse_ps(out.decode(errors="replace"), set(pids))


def parse_ps(output: str, pids: set[int]) -> dict:
    """Keep the header and the rows whose PID column names one of `pids` (pure)."""
    lines = output.splitlines()
    if not lines:
        return {"Titles": [], "Processes": []}
    titles = lines[0].split()
    if "PID" not in titles:
        raise InvalidArgument("Couldn't find PID field in ps output")
    index = titles.index("PID")
    processes = []
    for line in lines[1:]:
        fields = line.split(None, len(titles) - 1)
        if len(fields) > index and fields[index].isdigit() and int(fields[index]) in pids:
            processes.append(fields)
    return {"Titles": titles, "Processes": processes}
