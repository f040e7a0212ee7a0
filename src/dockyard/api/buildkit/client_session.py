"""What a build gets from the client's BuildKit session beyond the context: its secrets
(`--secret`, `moby.buildkit.secrets.v1.Secrets/GetSecret`) and its SSH agents (`--ssh`,
`moby.sshforward.v1.SSH`), as the builder's `BuildSession` asks for them; and the entitlements
the client allowed (`--allow`, which buildx also sends for `--network host`)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import tempfile
from typing import AsyncIterator

from dockyard.api.buildkit.generated import secrets_pb2, ssh_pb2
from dockyard.api.buildkit.sessions import Session
from dockyard.api.grpc.framing import GrpcError, Status

log = logging.getLogger(__name__)

GET_SECRET = "/moby.buildkit.secrets.v1.Secrets/GetSecret"
CHECK_AGENT = "/moby.sshforward.v1.SSH/CheckAgent"
FORWARD_AGENT = "/moby.sshforward.v1.SSH/ForwardAgent"
_SSH_ID = "buildkit.ssh.id"   # the metadata key naming the agent a ForwardAgent stream reaches


class ClientSession:
    """`builder.session.BuildSession` over one client's session."""

    hint = ""

    def __init__(self, session: Session, entitlements: frozenset[str], work_dir: str):
        self._session, self.entitlements, self._work_dir = session, entitlements, work_dir

    async def secret(self, secret_id: str) -> bytes | None:
        if not self._session.supports(GET_SECRET):
            return None
        request = secrets_pb2.GetSecretRequest(ID=secret_id).SerializeToString()
        try:
            reply = await self._session.call(GET_SECRET).unary(request)
        except GrpcError as err:
            if err.code == Status.NOT_FOUND:
                return None
            raise
        return secrets_pb2.GetSecretResponse.FromString(reply).data

    @contextlib.asynccontextmanager
    async def ssh_agent(self, ssh_id: str) -> AsyncIterator[str | None]:
        if not await self._has_agent(ssh_id):
            yield None
            return
        directory = tempfile.mkdtemp(prefix="ssh-", dir=self._work_dir)
        os.chmod(directory, 0o711)
        path = os.path.join(directory, "agent.sock")
        streams: set[asyncio.Task] = set()

        def connected(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            task = asyncio.ensure_future(self._forward(ssh_id, reader, writer))
            streams.add(task)
            task.add_done_callback(streams.discard)

        server = await asyncio.start_unix_server(connected, path)
        try:
            yield path
        finally:
            server.close()
            for task in list(streams):
                task.cancel()
            await asyncio.gather(*streams, return_exceptions=True)
            with contextlib.suppress(OSError):
                os.unlink(path)
            os.rmdir(directory)

    async def _has_agent(self, ssh_id: str) -> bool:
        if not self._session.supports(CHECK_AGENT):
            return False
        try:
            await self._session.call(CHECK_AGENT).unary(ssh_pb2.CheckAgentRequest(ID=ssh_id).SerializeToString())
        except GrpcError as err:
            log.debug("ssh agent %s: %s", ssh_id, err.message)
            return False
        return True

    async def _forward(self, ssh_id: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """One connection to the agent socket: bytes both ways over a ForwardAgent stream."""
        call = self._session.call(FORWARD_AGENT, {_SSH_ID: [ssh_id]})
        try:
            await call.open()

            async def upstream() -> None:
                while chunk := await reader.read(32 * 1024):
                    await call.send(ssh_pb2.BytesMessage(data=chunk).SerializeToString())
                await call.close_send()

            sending = asyncio.ensure_future(upstream())
            try:
                while (message := await call.recv()) is not None:
                    writer.write(ssh_pb2.BytesMessage.FromString(message).data)
                    await writer.drain()
            finally:
                sending.cancel()
        except (GrpcError, ConnectionError) as err:
            log.debug("ssh agent %s: %s", ssh_id, err)
        finally:
            writer.close()
