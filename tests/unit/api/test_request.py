import asyncio

import pytest

from dockyard.api.bodies.gotypes import Int, Scalar, Slice, Struct
from dockyard.api.request import Request, parse_filters, parse_query
from dockyard.errors import InvalidArgument


def make(query=None, body=b"", content_type="application/json"):
    pieces = [body, b""]

    async def receive():
        return pieces.pop(0) if pieces else b""

    return Request("POST", "/x", (1, 44), {"content-type": content_type}, query or {}, receive)


def test_filters_accept_both_shapes():
    assert parse_filters('{"label":{"a=b":true,"c":false}}') == {"label": ["a=b"]}
    assert parse_filters('{"status":["running","exited"]}') == {"status": ["running", "exited"]}
    assert parse_filters(None) == {}


@pytest.mark.parametrize("raw", ["{bad", "[1]", '{"k": 3}'])
def test_malformed_filters_are_invalid_arguments(raw):
    with pytest.raises(InvalidArgument):
        parse_filters(raw)


@pytest.mark.parametrize("value,expected", [("1", True), ("True", True), ("true", True), ("0", False),
                                            ("False", False), ("", False), ("none", False), ("no", False)])
def test_flags_read_as_clients_send_them(value, expected):
    assert make({"force": [value]}).flag("force") is expected


def test_int_param_rejects_garbage():
    assert make({"t": ["5"]}).int_param("t") == 5
    with pytest.raises(InvalidArgument):
        make({"t": ["five"]}).int_param("t")


BODY = Struct("test.Body", {"A": Int("int"), "Tags": Slice(Scalar("string"))})


def test_bodies_are_decoded_as_their_go_type():
    assert asyncio.run(make(body=b'{"a": 1, "tags": ["x"], "other": {}}').decode(BODY)) == {"A": 1, "Tags": ["x"]}
    assert asyncio.run(make(body=b"").decode(BODY)) == {}
    assert asyncio.run(make(body=b"null").decode(BODY)) == {}
    with pytest.raises(InvalidArgument, match="^invalid character 'b' looking for beginning of object key string$"):
        asyncio.run(make(body=b"{broken").decode(BODY))
    with pytest.raises(InvalidArgument, match="^json: cannot unmarshal string into Go struct field Body.A of type int$"):
        asyncio.run(make(body=b'{"A": "1"}').decode(BODY))


@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded", "text/plain", ""])
def test_json_bodies_need_a_json_content_type(content_type):
    with pytest.raises(InvalidArgument, match=rf"^Content-Type specified \({content_type}\) must be 'application/json'$"):
        asyncio.run(make(body=b"{}", content_type=content_type).decode(BODY))
    assert asyncio.run(make(body=b"{}", content_type="application/json; charset=utf-8").decode(BODY)) == {}


@pytest.mark.parametrize("raw, error", [("all=%zz", 'invalid URL escape "%zz"'), ("a=1;b=2", "invalid semicolon separator in query"),
                                        ("x=%4", 'invalid URL escape "%4"')])
def test_queries_are_parsed_as_go_parses_them(raw, error):
    with pytest.raises(InvalidArgument, match=f"^{error}$"):
        parse_query(raw)


def test_query_values():
    assert parse_query("a=1&a=2&b=x+y%21&c&&d=") == {"a": ["1", "2"], "b": ["x y!"], "c": [""], "d": [""]}


def _with_filters(raw: str) -> Request:
    return Request("GET", "/x", (1, 44), {}, {"filters": [raw]})


def test_unknown_filter_keys_are_refused_at_the_edge():
    request = _with_filters('{"label":["a"],"x":["y"]}')
    with pytest.raises(InvalidArgument, match="^Invalid filter 'x'$"):
        request.filters({"label", "until"})
    assert request.filters(None) == {"label": ["a"], "x": ["y"]}  # events take any key
    assert _with_filters('{"label":["a"]}').filters({"label"}) == {"label": ["a"]}
