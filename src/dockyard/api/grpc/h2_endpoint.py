"""One HTTP/2 connection over a hijacked socket, as either side, framed by h2.

The read loop feeds h2 and routes its events to per-stream queues; writers wait for the peer's
flow-control window. Received data is acknowledged as it arrives (the gRPC layer above buffers
whole messages), and the windows are widened at the start, as grpc-go's are.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Callable

import h2.config
import h2.connection
import h2.errors
import h2.events
import h2.exceptions
import h2.settings

from dockyard.api.responses import RawStream

log = logging.getLogger(__name__)
logging.getLogger("hpack").setLevel(logging.INFO)  # at DEBUG it logs every header of every frame

_WINDOW = 16 * 1024 * 1024      # our receive window, per stream and for the connection
_READ_SIZE = 256 * 1024


def _joined(headers) -> dict[str, str]:
    """Headers by name, a repeated one's values comma-joined (as gRPC reads metadata)."""
    joined: dict[str, str] = {}
    for name, value in headers:
        joined[name] = f"{joined[name]},{value}" if name in joined else value
    return joined


class H2Stream:
    """One request/response exchange: its headers, its data in order, the trailers."""

    def __init__(self, stream_id: int, headers: dict[str, str] | None = None):
        self.id = stream_id
        self.headers: asyncio.Future = asyncio.get_running_loop().create_future()
        if headers is not None:
            self.headers.set_result(headers)
        self.data: asyncio.Queue = asyncio.Queue()   # bytes, then None at the end
        self.trailers: dict[str, str] = {}
        self.reset = False

    def end(self) -> None:
        self.data.put_nowait(None)
        if not self.headers.done():
            self.headers.set_result({})


class H2Endpoint:
    def __init__(self, raw: RawStream, client_side: bool, on_request: Callable[[H2Stream], None] | None = None):
        # our own headers are lower-case and trimmed already: h2 need not check and rewrite each
        # (a tenth of a cached BuildKit build's daemon time went there); the peer's are checked
        config = h2.config.H2Configuration(client_side=client_side, header_encoding="utf-8",
                                           validate_outbound_headers=False, normalize_outbound_headers=False)
        self._conn = h2.connection.H2Connection(config)
        self._raw, self._on_request = raw, on_request
        self._streams: dict[int, H2Stream] = {}
        self._window = asyncio.Event()
        self._flush_pending = False
        self.closed = asyncio.Event()
        # The preface and settings go first, whichever write comes first (a call may precede `start`).
        self._conn.local_settings = h2.settings.Settings(client=client_side, initial_values={
            h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: _WINDOW,
            h2.settings.SettingCodes.MAX_CONCURRENT_STREAMS: 1000,
        })
        self._conn.initiate_connection()
        self._conn.increment_flow_control_window(_WINDOW)

    async def start(self) -> None:
        await self.flush()

    async def run(self) -> None:
        """Read until the peer goes away; every open stream then ends."""
        try:
            while not self.closed.is_set():
                data = await self._raw.read(_READ_SIZE)
                if not data:
                    break
                for event in self._conn.receive_data(data):
                    self._handle(event)
                # h2's own answers (PING and SETTINGS acknowledgements, window updates) leave with
                # what the calls these frames started send in the same turn of the loop: one write
                self.flush_soon()
        except (h2.exceptions.ProtocolError, ConnectionError) as err:
            log.debug("HTTP/2 connection ended: %s", err)
        finally:
            self.close()

    def close(self) -> None:
        if self.closed.is_set():
            return
        self.closed.set()
        self._window.set()
        for stream in self._streams.values():
            stream.reset = True
            stream.end()
        self._streams.clear()
        self._raw.close()

    # ---- events -----------------------------------------------------------------------

    def _handle(self, event) -> None:
        if isinstance(event, h2.events.RequestReceived):
            opened = H2Stream(event.stream_id, _joined(event.headers))
            self._streams[event.stream_id] = opened
            if self._on_request is not None:
                self._on_request(opened)
        elif isinstance(event, h2.events.ResponseReceived):
            stream = self._streams.get(event.stream_id)
            if stream is not None and not stream.headers.done():
                stream.headers.set_result(_joined(event.headers))
        elif isinstance(event, h2.events.TrailersReceived):
            stream = self._streams.get(event.stream_id)
            if stream is not None:
                stream.trailers = _joined(event.headers)
                if not stream.headers.done():   # a trailers-only response
                    stream.headers.set_result(_joined(event.headers))
        elif isinstance(event, h2.events.DataReceived):
            self._acknowledge(event)
            stream = self._streams.get(event.stream_id)
            if stream is not None and event.data:
                stream.data.put_nowait(event.data)
        elif isinstance(event, h2.events.StreamEnded):
            stream = self._streams.get(event.stream_id)
            if stream is not None:
                stream.end()
        elif isinstance(event, h2.events.StreamReset):
            stream = self._streams.pop(event.stream_id, None)
            if stream is not None:
                stream.reset = True
                stream.end()
            self._window.set()
        elif isinstance(event, (h2.events.WindowUpdated, h2.events.RemoteSettingsChanged)):
            self._window.set()
        elif isinstance(event, h2.events.ConnectionTerminated):
            self.close()

    def _acknowledge(self, event: h2.events.DataReceived) -> None:
        try:
            self._conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
        except h2.exceptions.StreamClosedError:
            pass

    # ---- sending ----------------------------------------------------------------------

    async def flush(self) -> None:
        out = self._conn.data_to_send()
        if out:
            try:
                await self._raw.write(out)
            except ConnectionError:
                self.close()

    def open_stream(self) -> H2Stream:
        stream = H2Stream(self._conn.get_next_available_stream_id())
        self._streams[stream.id] = stream
        return stream

    def forget(self, stream: H2Stream) -> None:
        self._streams.pop(stream.id, None)

    async def send_headers(self, stream: H2Stream, headers: list[tuple[str, str]], end_stream: bool = False,
                           flush: bool = True) -> None:
        """`flush=False`: the headers leave with what is sent next (one write, not two)."""
        self._check_open(stream)
        self._conn.send_headers(stream.id, headers, end_stream=end_stream)
        if flush:
            await self.flush()

    def flush_soon(self) -> None:
        """Write what is queued on the loop's next turn, so that what else is sent meanwhile (a
        reply's trailers, the next status) leaves in the same write."""
        if not self._flush_pending:
            self._flush_pending = True
            asyncio.get_running_loop().call_soon(self._scheduled_flush)

    def _scheduled_flush(self) -> None:
        self._flush_pending = False
        if self.closed.is_set():
            return
        out = self._conn.data_to_send()
        if out:   # now, not on a further turn: a task's flush would wait for what is scheduled before it
            try:
                self._raw.write_nowait(out)
            except ConnectionError:
                self.close()

    async def send_data(self, stream: H2Stream, data: bytes, end_stream: bool = False, flush: bool = True) -> None:
        """`flush=False`: queued, for a later flush (`flush_soon`)."""
        view = memoryview(data)
        while True:
            self._check_open(stream)
            room = min(self._conn.local_flow_control_window(stream.id), self._conn.max_outbound_frame_size)
            if room <= 0 and view:
                self._window.clear()
                await self.flush()   # what is queued (headers) leaves before we wait
                await self._window.wait()
                continue
            chunk, view = view[:room], view[room:]
            self._conn.send_data(stream.id, bytes(chunk), end_stream=end_stream and not view)
            if flush:
                await self.flush()
            if not view:
                return

    async def end_stream(self, stream: H2Stream, flush: bool = True) -> None:
        self._check_open(stream)
        self._conn.end_stream(stream.id)
        if flush:
            await self.flush()

    async def reset_stream(self, stream: H2Stream) -> None:
        try:
            self._conn.reset_stream(stream.id, h2.errors.ErrorCodes.CANCEL)
            await self.flush()
        except h2.exceptions.ProtocolError:
            pass
        self.forget(stream)

    def _check_open(self, stream: H2Stream) -> None:
        if self.closed.is_set() or stream.reset:
            raise ConnectionError("the HTTP/2 stream is closed")
