"""The HTTP/1.1 server over a real unix socket: keep-alive, chunked bodies, streams, hijack."""

import asyncio
import socket
import threading
import time
import weakref

import pytest

from dockyard.api.app import Application, base_headers
from dockyard.api.responses import HijackResponse, StreamResponse, json_response
from dockyard.api.router import Route
from dockyard.api.server import ConnectionTasks


def routes(state):
    async def echo_size(req):
        total = 0
        async for chunk in req.chunks():
            total += len(chunk)
        return json_response({"size": total})

    async def ticks(req):
        async def gen():
            try:
                for i in range(1000):
                    yield f"{i}\n".encode()
                    await asyncio.sleep(0.01)
            finally:
                state["stream_closed"] = True
        return StreamResponse(gen())

    async def upgrade(req):
        async def session(stream):
            data = await stream.read()
            await stream.write(b"echo:" + data)
            state["after_eof"] = await stream.read()
            await stream.write(b"bye")
            stream.close()
        return HijackResponse(session)

    async def wait_weakly(req):
        async def session(stream):
            # like a stream waiting on a shim: the future is held by nothing but this session
            done = asyncio.get_running_loop().create_future()
            state["pending"] = weakref.ref(done)
            await done
            await stream.write(b"finally")
            stream.close()
        return HijackResponse(session)

    return [Route("POST", "/size", echo_size), Route("GET", "/ticks", ticks), Route("POST", "/attach", upgrade),
            Route("POST", "/wait", wait_weakly)]


@pytest.fixture
def server(tmp_path):
    state = {}
    path = str(tmp_path / "api.sock")
    app = Application(routes(state))
    loop = asyncio.new_event_loop()

    handle = ConnectionTasks(app.dispatch, base_headers)
    connections = handle.running

    async def shut_down():
        srv.close()
        for task in connections:
            task.cancel()
        await asyncio.gather(*connections, return_exceptions=True)

    srv = loop.run_until_complete(asyncio.start_unix_server(handle, path))
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    yield path, state
    # close connections inside the loop, so nothing is left to finalise after it stops
    asyncio.run_coroutine_threadsafe(shut_down(), loop).result(5)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)
    loop.close()


def connect(path):
    sock = socket.socket(socket.AF_UNIX)
    sock.connect(path)
    sock.settimeout(5)
    return sock


def read_until(sock, marker):
    data = b""
    while marker not in data:
        piece = sock.recv(65536)
        if not piece:
            break
        data += piece
    return data


def test_keep_alive_and_chunked_request_bodies(server):
    path, _ = server
    sock = connect(path)
    body = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in [b"a" * 70000, b"b" * 5]) + b"0\r\n\r\n"
    sock.sendall(b"POST /v1.44/size HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + body)
    first = read_until(sock, b'{"size":70005}')
    assert first.startswith(b"HTTP/1.1 200 OK") and b"Api-Version: 1.44" in first
    sock.sendall(b"GET /_nothing HTTP/1.1\r\nHost: x\r\n\r\n")
    second = read_until(sock, b"page not found")
    assert second.startswith(b"HTTP/1.1 404") and b"Content-Type: application/json" in second


def test_streams_are_chunked_and_stop_when_the_client_leaves(server):
    path, state = server
    sock = connect(path)
    sock.sendall(b"GET /ticks HTTP/1.1\r\nHost: x\r\n\r\n")
    head = read_until(sock, b"2\n")
    assert b"Transfer-Encoding: chunked" in head
    sock.close()
    for _ in range(100):
        if state.get("stream_closed"):
            break
        time.sleep(0.02)
    assert state.get("stream_closed")


def test_hijack_answers_101_and_honours_half_close(server):
    path, state = server
    sock = connect(path)
    sock.sendall(b"POST /attach HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n")
    head = read_until(sock, b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 101 UPGRADED")
    sock.sendall(b"hello")
    assert read_until(sock, b"echo:hello").endswith(b"echo:hello")
    sock.shutdown(socket.SHUT_WR)
    assert read_until(sock, b"bye").endswith(b"bye")
    assert state["after_eof"] == b""


def test_a_hijacked_session_waiting_after_the_clients_half_close_survives_a_collection(server):
    import gc

    path, state = server
    sock = connect(path)
    sock.sendall(b"POST /wait HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n")
    assert read_until(sock, b"\r\n\r\n").startswith(b"HTTP/1.1 101 UPGRADED")
    sock.shutdown(socket.SHUT_WR)                   # as the docker CLI does without stdin
    time.sleep(0.2)                                 # the server has seen the EOF and stopped reading
    gc.collect()
    pending = state["pending"]()
    assert pending is not None, "the session was collected while it waited"
    pending.get_loop().call_soon_threadsafe(pending.set_result, None)
    assert read_until(sock, b"finally").endswith(b"finally")
