"""HTTP/1.1 connections on asyncio streams, framed by h11.

Keep-alive, streamed request bodies (chunked or not), chunked streaming responses that stop
when the client goes away, and `Upgrade: tcp` hijacking for attach and exec.
"""

import asyncio
import logging
from http import HTTPStatus
from typing import Awaitable, Callable
from urllib.parse import unquote, urlsplit

import h11

from dockyard.api import http_errors
from dockyard.api.request import Request
from dockyard.api.responses import HijackResponse, Response, StreamResponse
from dockyard.api.versioning import MAX_API
from dockyard.errors import InvalidArgument
from dockyard.syscalls.socket_queue import unread_by_peer

log = logging.getLogger(__name__)

class MalformedBody(InvalidArgument):
    """The request body broke HTTP's framing (a bad chunk header) while a handler read it."""


Dispatch = Callable[[Request], Awaitable[Response | StreamResponse | HijackResponse]]
_BODY_POLL = 0.05  # how often a streaming response checks whether the request body is complete
_READ_SIZE = 65536


class HijackedStream:
    """The raw socket after `101 UPGRADED`, starting with bytes h11 had already buffered.
    `head`: the 101's head when it leaves with our first bytes (HTTP/2's preface: one write)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, leftover: bytes,
                 head: bytes = b""):
        self._reader, self._writer, self._leftover, self._head = reader, writer, leftover, head

    async def read(self, n: int = _READ_SIZE) -> bytes:
        if self._head:   # the peer waits for the 101 before it speaks
            await self.write(b"")
        if self._leftover:
            data, self._leftover = self._leftover[:n], self._leftover[n:]
            return data
        try:
            return await self._reader.read(n)
        except ConnectionError:
            return b""

    async def write(self, data: bytes) -> None:
        self.write_nowait(data)
        await self._writer.drain()

    def write_nowait(self, data: bytes) -> None:
        if self._head:
            data, self._head = self._head + data, b""
        self._writer.write(data)

    def output_fd(self) -> int | None:
        """The socket's fd, for a process to write its output to directly; None when the bytes
        must pass through us (TLS encrypts them here) or some of ours are still queued."""
        if self._writer.get_extra_info("ssl_object") is not None or self._writer.transport.get_write_buffer_size():
            return None
        sock = self._writer.get_extra_info("socket")
        return None if sock is None else sock.fileno()

    async def until_read(self, timeout: float) -> None:
        """Return once the client has read all we sent (a unix socket tells how much of it waits
        unread), or after `timeout`. docker-py parses the 101's head through a buffer whose
        surplus it drops when it turns to the raw socket: output must not come with the head."""
        sock = self._writer.get_extra_info("socket")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while sock is not None and unread_by_peer(sock) and loop.time() < deadline:
            await asyncio.sleep(0.001)

    def close(self) -> None:
        self._writer.close()


class ConnectionTasks:
    """The callback of asyncio's start_server: serves one connection per call and keeps its task
    while it runs. asyncio holds that task only through the socket's reader, which stops once
    the client half-closes (the docker CLI does, after an attach without stdin): a hijacked
    stream then waiting on a shim would be garbage, collected mid-stream with its output lost."""

    def __init__(self, dispatch: Dispatch, base_headers: Callable[[], list]):
        self._dispatch, self._base_headers = dispatch, base_headers
        self.running: set[asyncio.Task] = set()

    async def __call__(self, reader, writer) -> None:
        task = asyncio.current_task()
        assert task is not None  # a coroutine runs in a task
        self.running.add(task)
        try:
            await Connection(reader, writer, self._dispatch, self._base_headers).serve()
        except asyncio.CancelledError:
            # The daemon stops with the connection open (a `docker events`, a log stream). End
            # normally: asyncio's stream callback (Python 3.11) asks a cancelled task for its
            # exception() and logs the CancelledError as a traceback.
            writer.close()
        finally:
            self.running.discard(task)


class Connection:
    def __init__(self, reader, writer, dispatch: Dispatch, base_headers: Callable[[], list]):
        self._reader, self._writer = reader, writer
        self._dispatch, self._base_headers = dispatch, base_headers
        self._h11 = h11.Connection(h11.SERVER, max_incomplete_event_size=http_errors.MAX_HEAD_BYTES)
        self._head = bytearray()  # what was read of the request head: to word Go's refusal of it

    async def serve(self) -> None:
        try:
            while await self._serve_one():
                self._h11.start_next_cycle()
        except h11.RemoteProtocolError as err:
            await self._refuse(err)
        except (ConnectionError, asyncio.IncompleteReadError) as err:
            log.debug("connection ended: %s", err)
        except Exception:  # a failing stream cannot report in-band any more: drop the connection
            log.exception("connection failed")
        finally:
            self._writer.close()

    async def _serve_one(self) -> bool:
        event = await self._next_event()
        if not isinstance(event, h11.Request):
            return False
        head_size = len(event.method) + len(event.target) + sum(len(k) + len(v) + 4 for k, v in event.headers) + 14
        refusal = http_errors.target_error(event.target.decode("latin-1"), event.http_version, head_size)
        if refusal is not None:
            await self._write_and_close(http_errors.answer(refusal))
            return False
        request = self._request(event)
        response = await self._dispatch(request)
        if isinstance(response, HijackResponse):
            await self._hijack(request, response)
            return False
        if isinstance(response, StreamResponse):
            completed = await self._send_stream(request, response)
        else:
            await self._send_whole(request, response)
            completed = True
        if not completed or not await self._drain_body():
            return False
        return self._h11.our_state is h11.DONE and self._h11.their_state is h11.DONE

    async def _next_event(self):
        while True:
            event = self._h11.next_event()
            if event is not h11.NEED_DATA:
                if isinstance(event, h11.Request):
                    self._head.clear()
                return event
            data = await self._reader.read(_READ_SIZE)
            if self._h11.their_state is h11.IDLE and len(self._head) <= http_errors.MAX_HEAD_BYTES:
                self._head += data
            self._h11.receive_data(data)

    async def _refuse(self, err: h11.RemoteProtocolError) -> None:
        """A request h11 could not parse: Go's plain-text answer, then close (dockerd never
        drops such a connection unanswered)."""
        log.debug("malformed request: %s", err)
        if self._h11.our_state is not h11.IDLE:
            return  # a body broke off after our answer began: nothing more can be said
        if err.error_status_hint == 431:
            reply = http_errors.answer(http_errors.TOO_LARGE)
        elif err.error_status_hint == 501:
            reply = http_errors.unsupported_encoding()
        else:
            reply = http_errors.answer(http_errors.head_error(bytes(self._head)))
        await self._write_and_close(reply)

    async def _write_and_close(self, reply: bytes) -> None:
        try:
            self._writer.write(reply)
            await self._writer.drain()
        except ConnectionError:
            pass

    async def _receive_body(self) -> bytes:
        """The next piece of the request body; b"" once it is complete."""
        while self._h11.their_state is h11.SEND_BODY:
            event = await self._next_event()
            if isinstance(event, h11.Data):
                if event.data:
                    return bytes(event.data)
            elif isinstance(event, h11.ConnectionClosed):
                raise ConnectionError("client closed the connection mid-body")
        return b""

    async def _read_body_piece(self) -> bytes:
        """The handlers' view of the body: a body that breaks HTTP's framing is bad input."""
        try:
            return await self._receive_body()
        except h11.RemoteProtocolError:
            raise MalformedBody("malformed chunked encoding") from None  # Go's words; only chunks can break mid-body

    async def _drain_body(self) -> bool:
        while await self._receive_body():
            pass
        return True

    def _request(self, event: h11.Request) -> Request:
        target = urlsplit(event.target.decode("latin-1"))
        headers: dict[str, str] = {}
        for k, v in event.headers:  # a repeated header reads as one, its values comma-joined
            name, value = k.decode("latin-1").lower(), v.decode("latin-1")
            headers[name] = f"{headers[name]}, {value}" if name in headers else value
        return Request(
            method=event.method.decode("ascii"),
            path=unquote(target.path),
            api_version=MAX_API,
            headers=headers,
            raw_query=target.query,
            receive=self._read_body_piece,
        )

    def _headers(self, content_type: str | None, extra: dict[str, str]) -> list[tuple[str, str]]:
        headers = list(self._base_headers())
        if content_type:
            headers.append(("Content-Type", content_type))
        headers.extend(extra.items())
        return headers

    async def _send(self, event) -> None:
        self._writer.write(self._h11.send(event))
        await self._writer.drain()

    async def _send_whole(self, request: Request, response: Response) -> None:
        headers = self._headers(response.content_type, response.headers)
        no_body = response.status in (204, 304) or response.status < 200
        if not no_body:
            headers.append(("Content-Length", str(len(response.body))))
        # One write, so one send(2): a response in three sends costs the client three wake-ups.
        out = self._h11.send(h11.Response(status_code=response.status, headers=headers,
                                          reason=_reason(response.status)))
        if response.body and not no_body and request.method != "HEAD":
            out += self._h11.send(h11.Data(data=response.body))
        self._writer.write(out + self._h11.send(h11.EndOfMessage()))
        await self._writer.drain()

    async def _send_stream(self, request: Request, response: StreamResponse) -> bool:
        """Stream chunks; stop early (returning False) if the client disconnects."""
        self._end_empty_body(request)
        headers = self._headers(response.content_type, response.headers)
        await self._send(h11.Response(status_code=response.status, headers=headers, reason=_reason(response.status)))
        pump = asyncio.ensure_future(self._pump(response))
        while self._h11.their_state is not h11.DONE:  # the handler still reads the body (build, load)
            done, _ = await asyncio.wait({pump}, timeout=_BODY_POLL)
            if pump in done:
                pump.result()
                return True
        watch = asyncio.ensure_future(self._reader.read(_READ_SIZE))
        try:
            while True:
                done, _ = await asyncio.wait({pump, watch}, return_when=asyncio.FIRST_COMPLETED)
                if pump in done:
                    pump.result()
                    return True
                data = watch.result()
                if not data:
                    return False
                self._h11.receive_data(data)  # pipelined next request: keep it for later
                watch = asyncio.ensure_future(self._reader.read(_READ_SIZE))
        finally:
            for task in (pump, watch):
                task.cancel()
            await asyncio.gather(pump, watch, return_exceptions=True)

    def _end_empty_body(self, request: Request) -> None:
        """A request without a body is whole once its head is: tell h11 now, or the stream
        below would poll for its end for as long as it lasts (`wait`, `events`, `logs -f`)."""
        headers = request.headers
        if (self._h11.their_state is h11.SEND_BODY and "transfer-encoding" not in headers
                and headers.get("content-length", "0").strip() == "0"):
            self._h11.next_event()        # its EndOfMessage, which needs no more bytes

    async def _pump(self, response: StreamResponse) -> None:
        try:
            async for chunk in response.chunks:
                if chunk:
                    await self._send(h11.Data(data=chunk))
        finally:
            await _close_iterator(response.chunks)
        await self._send(h11.EndOfMessage())

    async def _hijack(self, request: Request, response: HijackResponse) -> None:
        await self._drain_body()
        reason = "UPGRADED" if response.protocol == "tcp" else "Switching Protocols"
        head = f"HTTP/1.1 101 {reason}\r\n".encode()
        upgrade = {"Connection": "Upgrade", "Upgrade": response.protocol}
        for name, value in self._headers(response.content_type, upgrade):
            head += f"{name}: {value}\r\n".encode("latin-1")
        head += b"\r\n"
        leftover, _ = self._h11.trailing_data
        stream = HijackedStream(self._reader, self._writer, bytes(leftover), head)
        if response.protocol != "h2c":   # only HTTP/2's preface follows at once, in the same write
            await stream.write(b"")
        await response.session(stream)


async def _close_iterator(iterator) -> None:
    close = getattr(iterator, "aclose", None)
    if close is not None:
        await close()


def _reason(status: int) -> bytes:
    try:
        return HTTPStatus(status).phrase.encode()
    except ValueError:
        return b""
