"""A content store of the client's, reached through its BuildKit session: containerd's
`containerd.services.content.v1.Content`, the store chosen by the `buildkit-attachable-store-id`
metadata (`local:<dir>` for `--cache-from`/`--cache-to type=local`). The client holds the
directory; the daemon only reads and writes blobs in it (the client updates its index.json)."""

from __future__ import annotations

import asyncio
import itertools
from typing import BinaryIO, Callable

from dockyard.api.buildkit.generated import content_pb2
from dockyard.api.buildkit.sessions import Session
from dockyard.api.grpc.framing import GrpcError, Status

CONTENT = "/containerd.services.content.v1.Content/"
_STORE_ID = "buildkit-attachable-store-id"
_CHUNK = 1 << 20
_refs = itertools.count(1)


class SessionContent:
    def __init__(self, session: Session, store_id: str):
        self._session, self.store_id = session, store_id
        self._metadata = {_STORE_ID: [store_id]}

    def available(self) -> bool:
        return self._session.supports(CONTENT + "Info")

    async def size(self, digest: str) -> int | None:
        """The blob's size, None when the store lacks it."""
        request = content_pb2.InfoRequest(digest=digest).SerializeToString()
        try:
            reply = await self._session.call(CONTENT + "Info", self._metadata).unary(request)
        except GrpcError as err:
            if err.code == Status.NOT_FOUND:
                return None
            raise
        return content_pb2.InfoResponse.FromString(reply).info.size

    async def read(self, digest: str, sink: Callable[[bytes], None]) -> None:
        """Every byte of the blob, in order, to `sink`."""
        call = self._session.call(CONTENT + "Read", self._metadata)
        await call.open()
        await call.send(content_pb2.ReadContentRequest(digest=digest).SerializeToString())
        await call.close_send()
        while (message := await call.recv()) is not None:
            sink(content_pb2.ReadContentResponse.FromString(message).data)

    async def read_bytes(self, digest: str) -> bytes:
        parts: list[bytes] = []
        await self.read(digest, parts.append)
        return b"".join(parts)

    async def write(self, digest: str, size: int, source: BinaryIO) -> bool:
        """Store a blob read from `source` (blocking reads, done in a worker thread) unless the
        store has it already (then False)."""
        call = self._session.call(CONTENT + "Write", self._metadata)
        await call.open()
        ref = f"dockyard-{next(_refs)}-{digest}"
        request = content_pb2.WriteContentRequest
        try:
            await call.send(request(action=content_pb2.STAT, ref=ref, total=size, expected=digest).SerializeToString())
            if await call.recv() is None:
                raise GrpcError(Status.INTERNAL, "the client's content store closed the write")
            offset = 0
            while part := await asyncio.to_thread(source.read, _CHUNK):
                await call.send(request(action=content_pb2.WRITE, ref=ref, offset=offset,
                                        data=part).SerializeToString())
                offset += len(part)
                await call.recv()
            await call.send(request(action=content_pb2.COMMIT, ref=ref, offset=offset, total=size,
                                    expected=digest).SerializeToString())
            await call.recv()
            await call.close_send()
            while await call.recv() is not None:
                pass
        except GrpcError as err:
            if err.code == Status.ALREADY_EXISTS:
                return False
            raise
        return True
