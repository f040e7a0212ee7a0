"""Swarm mode is not part of dockyard: its routes answer as a dockerd outside any swarm.

Clients probe them (docker-py's network tests leave a swarm in teardown; `docker node ls`) and
expect dockerd's 503 with its text, not `404 page not found`. Creating or joining a swarm is
refused as unsupported rather than pretending to succeed.
"""

from dockyard.api.request import Request
from dockyard.api.router import Route
from dockyard.errors import NotImplementedYet, Unavailable

NOT_A_MANAGER = ('This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" '
                 "to connect this node to swarm and try again.")
NOT_IN_SWARM = "This node is not part of a swarm"

# Every resource that only exists in swarm mode.
_SWARM_RESOURCES = ("swarm", "nodes", "services", "tasks", "secrets", "configs")


def routes(services) -> list[Route]:
    async def not_a_manager(req: Request, **_: str) -> None:
        raise Unavailable(NOT_A_MANAGER)

    async def leave(req: Request) -> None:
        raise Unavailable(NOT_IN_SWARM)

    async def unsupported(req: Request) -> None:
        raise NotImplementedYet("swarm mode is not supported by dockyard")

    table = [
        Route("POST", "/swarm/leave", leave),
        Route("POST", "/swarm/init", unsupported),
        Route("POST", "/swarm/join", unsupported),
    ]
    for resource in _SWARM_RESOURCES:
        for method in ("GET", "POST", "DELETE"):
            table += [Route(method, f"/{resource}", not_a_manager),
                      Route(method, f"/{resource}/{{rest:path}}", not_a_manager)]
    return table
