"""The two ends of a gRPC call on an HTTP/2 stream: what a served method and a caller see."""

from __future__ import annotations

import base64

from dockyard.api.grpc.framing import GrpcError, MessageReader, Status, encode_message, status_headers, status_of
from dockyard.api.grpc.h2_endpoint import H2Endpoint, H2Stream

_RESPONSE_HEADERS = [(":status", "200"), ("content-type", "application/grpc")]


def metadata_of(headers: dict[str, str]) -> dict[str, list[str]]:
    """gRPC metadata from HTTP/2 headers: pseudo-headers and gRPC's own left out, `-bin`
    values decoded, comma-joined repeats split (grpc-go joins them so)."""
    metadata: dict[str, list[str]] = {}
    for name, value in headers.items():
        if name.startswith((":", "grpc-")) or name in ("content-type", "te", "user-agent"):
            continue
        if name.endswith("-bin"):
            values = [base64.b64decode(v + "=" * (-len(v) % 4)).decode("utf-8", "replace") for v in value.split(",")]
        else:
            values = [v.strip() for v in value.split(",")]
        metadata.setdefault(name, []).extend(values)
    return metadata


class _Messages:
    def __init__(self, endpoint: H2Endpoint, stream: H2Stream):
        self.endpoint, self.stream = endpoint, stream
        self._reader = MessageReader()
        self._ready: list[bytes] = []
        self._ended = False

    async def recv(self) -> bytes | None:
        """The next message from the peer; None once it sent its last."""
        while not self._ready:
            if self._ended:
                return None
            data = await self.stream.data.get()
            if data is None:
                self._ended = True
                continue
            self._ready.extend(self._reader.feed(data))
        return self._ready.pop(0)


class ServerCall(_Messages):
    """A call the peer made to one of our methods."""

    def __init__(self, endpoint: H2Endpoint, stream: H2Stream, headers: dict[str, str]):
        super().__init__(endpoint, stream)
        self.path = headers.get(":path", "")
        self.metadata = metadata_of(headers)
        self._headers_sent = False

    async def send(self, payload: bytes) -> None:
        if not self._headers_sent:
            self._headers_sent = True
            await self.endpoint.send_headers(self.stream, list(_RESPONSE_HEADERS), flush=False)
        # written on the loop's next turn: a reply leaves with its trailers, statuses in batches
        await self.endpoint.send_data(self.stream, encode_message(payload), flush=False)
        self.endpoint.flush_soon()

    async def finish(self, code: Status | int = Status.OK, message: str = "") -> None:
        if self.stream.reset or self.endpoint.closed.is_set():
            return
        if self._headers_sent:
            trailers = status_headers(code, message)
        else:  # trailers-only
            trailers = [*_RESPONSE_HEADERS, *status_headers(code, message)]
        try:   # on the loop's next turn: the answers of calls that came together leave in one write
            await self.endpoint.send_headers(self.stream, trailers, end_stream=True, flush=False)
            self.endpoint.flush_soon()
        except ConnectionError:
            pass
        self.endpoint.forget(self.stream)


class ClientCall(_Messages):
    """A call of ours to a method the peer serves."""

    def __init__(self, endpoint: H2Endpoint, path: str, metadata: dict[str, list[str]]):
        super().__init__(endpoint, endpoint.open_stream())
        self.path, self._metadata = path, metadata

    async def open(self) -> None:
        headers = [(":method", "POST"), (":scheme", "http"), (":path", self.path), (":authority", "localhost"),
                   ("content-type", "application/grpc"), ("te", "trailers")]
        for name, values in self._metadata.items():
            headers.extend((name.lower(), value) for value in values)
        # on the loop's next turn: calls opened together (a build's file syncs) leave in one write
        await self.endpoint.send_headers(self.stream, headers, flush=False)
        self.endpoint.flush_soon()

    async def send(self, payload: bytes, flush: bool = True) -> None:
        """`flush=False`: the message leaves with the next flushed one (a batch, one write)."""
        await self.endpoint.send_data(self.stream, encode_message(payload), flush=flush)

    def flush_soon(self) -> None:
        """What is queued leaves on the loop's next turn, with what other calls queue meanwhile."""
        self.endpoint.flush_soon()

    async def close_send(self) -> None:
        """On the loop's next turn, with what else is queued by then."""
        try:
            await self.endpoint.end_stream(self.stream, flush=False)
            self.endpoint.flush_soon()
        except ConnectionError:
            pass

    async def recv(self) -> bytes | None:
        message = await super().recv()
        if message is None:
            self._check_status()
        return message

    def _check_status(self) -> None:
        headers = self.stream.headers.result() if self.stream.headers.done() else {}
        trailers = self.stream.trailers or (headers if "grpc-status" in headers else {})
        if self.stream.reset and not trailers:
            raise GrpcError(Status.UNAVAILABLE, f"{self.path}: the session closed the call")
        code, message = status_of(trailers)
        self.endpoint.forget(self.stream)
        if code != Status.OK:
            raise GrpcError(code, message)

    async def cancel(self) -> None:
        await self.endpoint.reset_stream(self.stream)

    async def unary(self, payload: bytes) -> bytes:
        """One request, one response."""
        await self.open()
        await self.send(payload)
        await self.close_send()
        response = await self.recv()
        if response is None:
            raise GrpcError(Status.INTERNAL, f"{self.path}: no response")
        while await self.recv() is not None:  # read to the trailers: their status counts
            pass
        return response
