"""TLS for API connections over asyncio streams, with half-close.

asyncio's TLS transport closes the whole connection when the peer sends close_notify. The
docker CLI sends one (tls.Conn.CloseWrite) as soon as an attach has no more stdin to send,
then reads the container's output for as long as it runs; dockerd keeps writing. So TLS runs
here in an ssl.SSLObject between memory BIOs over the plain TCP stream, and the client's
close_notify only ends the input.
"""

import asyncio
import ssl

HANDSHAKE_TIMEOUT = 30.0
_READ_SIZE = 65536


class TlsStream:
    """One server-side TLS connection, with the reader and writer methods the HTTP server uses."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, context: ssl.SSLContext):
        self._raw_reader, self._raw_writer = reader, writer
        self._incoming, self._outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
        self._tls = context.wrap_bio(self._incoming, self._outgoing, server_side=True)
        self._input_ended = False
        self._closed = False

    @classmethod
    async def accept(cls, reader, writer, context: ssl.SSLContext) -> "TlsStream":
        """The stream once the handshake is done; ssl.SSLError (a refused client certificate,
        say: the client has been sent the alert), ConnectionError or TimeoutError otherwise."""
        stream = cls(reader, writer, context)
        await asyncio.wait_for(stream._handshake(), HANDSHAKE_TIMEOUT)
        return stream

    async def _handshake(self) -> None:
        while True:
            try:
                self._tls.do_handshake()
                break
            except ssl.SSLWantReadError:
                await self._send_records()
                if not await self._receive():
                    raise ConnectionError("the client left during the TLS handshake") from None
            except ssl.SSLError:
                await self._send_records()
                raise
        await self._send_records()

    # reading --------------------------------------------------------------
    async def read(self, n: int = _READ_SIZE) -> bytes:
        """Up to n bytes of plaintext; b"" once the client closed its side or the connection."""
        while not self._input_ended:
            try:
                data = self._tls.read(n)
            except ssl.SSLWantReadError:
                self._queue_records()             # e.g. session tickets after the handshake
                if not await self._receive():
                    self._input_ended = True
                continue
            except (ssl.SSLZeroReturnError, ssl.SSLEOFError):   # close_notify, or a bare TCP end
                self._input_ended = True
                break
            self._queue_records()
            if data:
                return data
            self._input_ended = True
        return b""

    async def _receive(self) -> bool:
        data = await self._raw_reader.read(_READ_SIZE)
        if not data:
            self._incoming.write_eof()
            return False
        self._incoming.write(data)
        return True

    # writing --------------------------------------------------------------
    def write(self, data: bytes) -> None:
        if data and not self._closed:             # like a closed transport: ignored
            self._tls.write(data)
            self._queue_records()

    async def drain(self) -> None:
        await self._raw_writer.drain()

    def _queue_records(self) -> None:
        if self._outgoing.pending:
            self._raw_writer.write(self._outgoing.read())

    async def _send_records(self) -> None:
        self._queue_records()
        await self._raw_writer.drain()

    def get_extra_info(self, name: str, default=None):
        if name == "ssl_object":
            return self._tls
        return self._raw_writer.get_extra_info(name, default)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            self._tls.unwrap()                    # our close_notify
        except ssl.SSLError:                      # want-read (the client's may never come), or broken
            pass
        self._queue_records()
        self._raw_writer.close()
