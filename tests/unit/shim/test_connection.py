"""The shim connection's send queue: sendmsg of the queued buffers, partial sends, order."""

import socket

import pytest

from dockyard.shim.connection import SEND_BUFFERS, Outgoing


def _drain(sock: socket.socket, size: int) -> bytes:
    received = bytearray()
    while len(received) < size:
        received += sock.recv(1 << 20)
    return bytes(received)


def test_queued_buffers_arrive_whole_and_in_order_across_partial_sends():
    ours, theirs = socket.socketpair()
    with ours, theirs:
        ours.setblocking(False)
        ours.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)      # force partial sends
        chunks = [bytes([index % 251]) * (1000 + index * 37) for index in range(SEND_BUFFERS * 3)]
        queue = Outgoing()
        for chunk in chunks:
            queue.append(chunk)
        queue.append(b"")                                                 # ignored
        expected = b"".join(chunks)
        assert len(queue) == len(expected)
        received = bytearray()
        while queue:
            try:
                queue.send_to(ours)
            except BlockingIOError:
                received += theirs.recv(1 << 20)
        received += _drain(theirs, len(expected) - len(received))
        assert bytes(received) == expected


def test_a_full_socket_raises_and_keeps_the_queue():
    ours, theirs = socket.socketpair()
    with ours, theirs:
        ours.setblocking(False)
        queue = Outgoing()
        queue.append(b"x" * (8 << 20))
        with pytest.raises(BlockingIOError):
            while queue:
                queue.send_to(ours)
        left = len(queue)
        assert 0 < left < 8 << 20
        received = _drain(theirs, (8 << 20) - left)
        assert received == b"x" * len(received)
