import asyncio

import pytest

from dockyard.api.request import Request, parse_filters
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


def test_json_body_and_broken_json():
    assert asyncio.run(make(body=b'{"a": 1}').json()) == {"a": 1}
    with pytest.raises(InvalidArgument):
        asyncio.run(make(body=b"{broken").json())


def test_json_body_refuses_form_encoding():
    with pytest.raises(InvalidArgument, match="must be 'application/json'"):
        asyncio.run(make(body=b"a=1", content_type="application/x-www-form-urlencoded").json())


def _with_filters(raw: str) -> Request:
    return Request("GET", "/x", (1, 44), {}, {"filters": [raw]})


def test_unknown_filter_keys_are_refused_at_the_edge():
    request = _with_filters('{"label":["a"],"x":["y"]}')
    with pytest.raises(InvalidArgument, match="^Invalid filter 'x'$"):
        request.filters({"label", "until"})
    assert request.filters(None) == {"label": ["a"], "x": ["y"]}  # events take any key
    assert _with_filters('{"label":["a"]}').filters({"label"}) == {"label": ["a"]}
