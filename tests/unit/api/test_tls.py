"""TLS over the API's streams: a client's close_notify ends its input, not the connection."""

import asyncio
import socket
import ssl
import subprocess

import pytest

from dockyard.api.tls import TlsStream


@pytest.fixture(scope="module")
def server_context(tmp_path_factory):
    base = tmp_path_factory.mktemp("tls")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
                    "-keyout", str(base / "key.pem"), "-out", str(base / "cert.pem"), "-days", "1"],
                   check=True, capture_output=True)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(base / "cert.pem", base / "key.pem")
    return context


class HalfClosingClient:
    """A blocking TLS client that can send close_notify and read on, as Go's CloseWrite does."""

    def __init__(self, port: int):
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.incoming, self.outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
        self.tls = context.wrap_bio(self.incoming, self.outgoing)
        self._until_done(self.tls.do_handshake)

    def _flush(self) -> None:
        self.sock.sendall(self.outgoing.read())

    def _receive(self) -> bool:
        data = self.sock.recv(65536)
        self.incoming.write(data) if data else self.incoming.write_eof()
        return bool(data)

    def _until_done(self, step):
        while True:
            try:
                result = step()
                self._flush()
                return result
            except ssl.SSLWantReadError:
                self._flush()
                if not self._receive():
                    raise

    def send(self, data: bytes) -> None:
        self.tls.write(data)
        self._flush()

    def close_write(self) -> None:
        try:
            self.tls.unwrap()
        except ssl.SSLWantReadError:          # our close_notify is out; theirs has not come
            pass
        self._flush()

    def read_all(self) -> bytes:
        received = bytearray()
        while True:
            try:
                received += self.tls.read(65536)
            except ssl.SSLWantReadError:
                if not self._receive():
                    return bytes(received)
            except (ssl.SSLZeroReturnError, ssl.SSLEOFError):
                return bytes(received)


def test_the_server_writes_on_after_the_clients_close_notify(server_context):
    async def scenario():
        done = asyncio.get_running_loop().create_future()

        async def serve(reader, writer):
            stream = await TlsStream.accept(reader, writer, server_context)
            received = bytearray()
            while data := await stream.read():
                received += data
            stream.write(b"output after the client's end: " + bytes(received))
            await stream.drain()
            stream.close()
            stream.write(b"late")                 # ignored, as by a closed transport
            stream.close()
            done.set_result(stream.get_extra_info("ssl_object") is not None)

        server = await asyncio.start_server(serve, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]

        def client() -> bytes:
            peer = HalfClosingClient(port)
            peer.send(b"stdin")
            peer.close_write()
            try:
                return peer.read_all()
            finally:
                peer.sock.close()

        answer = await asyncio.to_thread(client)
        is_tls = await done
        server.close()
        return answer, is_tls

    answer, is_tls = asyncio.run(scenario())
    assert answer == b"output after the client's end: stdin"
    assert is_tls


def test_a_client_that_is_not_speaking_tls_is_refused(server_context):
    async def scenario():
        outcome = asyncio.get_running_loop().create_future()

        async def serve(reader, writer):
            try:
                await TlsStream.accept(reader, writer, server_context)
                outcome.set_result("accepted")
            except ssl.SSLError as err:
                outcome.set_result(type(err).__name__)
            writer.close()

        server = await asyncio.start_server(serve, "127.0.0.1", 0)
        reader, writer = await asyncio.open_connection(*server.sockets[0].getsockname()[:2])
        writer.write(b"GET /_ping HTTP/1.1\r\nHost: x\r\n\r\n")
        result = await asyncio.wait_for(outcome, 10)
        writer.close()
        server.close()
        return result

    assert asyncio.run(scenario()) == "SSLError"
