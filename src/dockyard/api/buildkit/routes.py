"""`POST /grpc` and `POST /session`: both upgrade to h2c on the hijacked connection."""

from __future__ import annotations

from dockyard.api.request import Request
from dockyard.api.responses import HijackResponse
from dockyard.api.router import Route
from dockyard.errors import InvalidArgument


def routes(services) -> list[Route]:
    edge: dict = {}

    def control():
        """The control API and the session registry, made (and imported) on first use."""
        if not edge:
            from dockyard.api.buildkit.control import BuildKitControl
            from dockyard.api.buildkit.sessions import Sessions
            from dockyard.api.grpc.server import GrpcServer
            sessions = Sessions()
            edge["sessions"] = sessions
            edge["server"] = GrpcServer(BuildKitControl(services, sessions).methods())
        return edge

    def upgrade(req: Request) -> None:
        protocol = req.headers.get("upgrade", "")
        if protocol.lower() != "h2c":
            raise InvalidArgument(f"protocol {protocol} not supported" if protocol
                                  else "no upgrade: BuildKit's endpoints speak h2c")

    async def grpc(req: Request) -> HijackResponse:
        upgrade(req)
        server = control()["server"]
        return HijackResponse(server.serve, content_type=None, protocol="h2c")

    async def session(req: Request) -> HijackResponse:
        upgrade(req)
        if not req.headers.get("x-docker-expose-session-uuid"):
            raise InvalidArgument("no session ID: X-Docker-Expose-Session-Uuid is required")
        sessions = control()["sessions"]
        return HijackResponse(lambda raw: sessions.serve(req.headers, raw), content_type=None, protocol="h2c")

    return [Route("POST", "/grpc", grpc), Route("POST", "/session", session)]
