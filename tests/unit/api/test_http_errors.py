"""Requests too malformed to route: Go's net/http answers (status line, as dockerd 20.10 sent them)."""

import pytest

from dockyard.api.http_errors import answer, head_error, target_error


@pytest.mark.parametrize("head, public", [
    (b"GARBAGE\r\n\r\n", "400 Bad Request"),
    (b"GET / HTTP/1.1 extra\r\nHost: x\r\n\r\n", "400 Bad Request"),
    (b"GET /_ping HTTP/1.1\r\nHost: x\r\nNoColonHere\r\n\r\n", "400 Bad Request"),
    (b"GET /_ping HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n", "400 Bad Request: invalid header value"),
    (b"GET /_ping HTTP/1.1\r\nHost: x\r\nX\x00A: ab\r\n\r\n", "400 Bad Request: invalid header name"),
    (b"GET /_ping HTTP/1.1\r\nHost: x\r\nX A: b\r\n\r\n", "400 Bad Request: invalid header name"),
    (b"POST /c HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n", "400 Bad Request"),
    (b"POST /c HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n", "400 Bad Request"),
    (b"GET /_ping HTTP/1.1\r\n\r\n", "400 Bad Request: missing required Host header"),
    (b"GET /_pi\x00ng HTTP/1.1\r\nHost: x\r\n\r\n", "400 Bad Request"),
])
def test_head_errors(head, public):
    assert head_error(head) == public


def test_target_errors():
    assert target_error("/_ping", b"1.1") is None
    assert target_error("/containers/json?all=%zz", b"1.1") is None  # the query is the handler's
    assert target_error("_ping", b"1.1") == "400 Bad Request"
    assert target_error("/%zz", b"1.1") == "400 Bad Request"
    assert target_error("/_ping", b"9.9") == "505 HTTP Version Not Supported: unsupported protocol version"
    assert target_error("/_ping", b"1.1", (1 << 20) + 4097) == "431 Request Header Fields Too Large"
    assert target_error("/_ping", b"1.1", 100_000) is None


def test_the_answer_closes_the_connection():
    assert answer("400 Bad Request") == (b"HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\n"
                                         b"Connection: close\r\n\r\n400 Bad Request")
