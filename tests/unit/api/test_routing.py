import asyncio

import pytest

from dockyard.api.app import Application
from dockyard.api.bodies.gotypes import Int, Struct
from dockyard.api.request import Request
from dockyard.api.responses import json_response
from dockyard.api.router import Route, Router
from dockyard.api.versioning import MAX_API, split_version
from dockyard.errors import InvalidArgument, NotFound


def test_path_placeholders_span_slashes_only_when_asked():
    async def h(req, **kw):
        return kw

    router = Router([Route("GET", "/images/{name:path}/json", h), Route("POST", "/containers/{id}/start", h)])
    _, params = router.match("GET", "/images/127.0.0.1:5000/bb:1/json")
    assert params == {"name": "127.0.0.1:5000/bb:1"}
    with pytest.raises(NotFound, match="page not found"):
        router.match("POST", "/containers/a/b/start")


def test_head_falls_back_to_get():
    async def h(req):
        return None

    assert Router([Route("GET", "/_ping", h)]).match("HEAD", "/_ping")[0] is h


def test_first_route_in_order_wins_and_literal_paths_are_remembered():
    async def by_name(req, **kw):
        return kw

    async def listing(req):
        return None

    async def head(req):
        return None

    router = Router([Route("GET", "/images/{name}", by_name), Route("GET", "/images/json", listing),
                     Route("GET", "/_ping", listing), Route("HEAD", "/_ping", head)])
    for _ in range(2):   # the second time from the remembered literal
        assert router.match("GET", "/images/json") == (by_name, {"name": "json"})
        assert router.match("HEAD", "/_ping") == (head, {})
        assert router.match("GET", "/_ping") == (listing, {})


def test_version_prefixes():
    assert split_version("/v1.41/containers/json") == ((1, 41), "/containers/json")
    assert split_version("/containers/json") == (MAX_API, "/containers/json")
    with pytest.raises(InvalidArgument, match="client version 1.99 is too new. Maximum supported API version is"):
        split_version("/v1.99/version")
    with pytest.raises(InvalidArgument, match="too old"):
        split_version("/v1.10/version")


def dispatch(app, method, path, body=b""):
    pieces = [body, b""]

    async def receive():
        return pieces.pop(0) if pieces else b""

    req = Request(method, path, MAX_API, {"content-type": "application/json"}, {}, receive)
    return asyncio.run(app.dispatch(req))


def test_errors_become_json_with_status():
    async def create(req):
        return json_response(await req.decode(Struct("test.Thing", {"a": Int("int")})), 201)

    async def broken(req):
        raise RuntimeError("boom")

    app = Application([Route("POST", "/things/create", create), Route("GET", "/broken", broken)])
    assert dispatch(app, "POST", "/v1.41/things/create", b"{bad").status == 400
    missing = dispatch(app, "GET", "/v1.41/nope")
    assert (missing.status, missing.body, missing.content_type) == (404, b'{"message":"page not found"}', "application/json")
    assert dispatch(app, "GET", "/broken").status == 500
    assert dispatch(app, "POST", "/things/create", b'{"a":1}').status == 201
