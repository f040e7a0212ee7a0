"""The volume routes through the API application (no socket): statuses and bodies."""

import asyncio
import json

import pytest

from dockyard.api.app import Application
from dockyard.api.request import Request
from dockyard.api.volumes import routes
from dockyard.daemon.config import DaemonConfig
from dockyard.events.journal import EventJournal
from dockyard.volumes.service import VolumeService
from tests.support.services import services_with


@pytest.fixture
def app(tmp_path):
    events = EventJournal(tmp_path / "events.jsonl")
    services = services_with(config=DaemonConfig(data_root=tmp_path), events=events,
                        volumes=VolumeService(tmp_path, events))
    yield Application(routes(services))
    events.close()


def call(app, method, path, body=None, query=None):
    pieces = [b"" if body is None else json.dumps(body).encode(), b""]

    async def receive():
        return pieces.pop(0) if pieces else b""

    req = Request(method, path, (1, 44), {"content-type": "application/json"},
                  {k: [v] for k, v in (query or {}).items()}, receive)
    response = asyncio.run(app.dispatch(req))
    return response.status, json.loads(response.body) if response.body else None


def test_create_inspect_list_remove(app, tmp_path):
    status, body = call(app, "POST", "/v1.44/volumes/create", {"Name": "web", "Driver": "local", "Labels": {"a": "b"}})
    assert status == 201
    assert body == {"CreatedAt": body["CreatedAt"], "Driver": "local", "Labels": {"a": "b"},
                    "Mountpoint": f"{tmp_path}/volumes/web/_data", "Name": "web", "Options": None, "Scope": "local"}
    assert call(app, "GET", "/v1.44/volumes/web") == (200, body)
    assert call(app, "GET", "/volumes") == (200, {"Volumes": [body], "Warnings": None})
    filtered = call(app, "GET", "/volumes", query={"filters": json.dumps({"label": {"a=c": True}})})
    assert filtered == (200, {"Volumes": [], "Warnings": None})
    assert call(app, "DELETE", "/v1.44/volumes/web") == (204, None)
    assert call(app, "DELETE", "/v1.44/volumes/web") == (404, {"message": "get web: no such volume"})
    assert call(app, "DELETE", "/v1.44/volumes/web", query={"force": "1"}) == (204, None)


def test_create_errors(app):
    assert call(app, "POST", "/volumes/create", ["not", "an", "object"])[0] == 400
    assert call(app, "POST", "/volumes/create", {"Name": "../x"})[0] == 400
    assert call(app, "POST", "/volumes/create", {"Name": "v1", "Driver": "nfs"})[0] == 404
    assert call(app, "POST", "/volumes/create", {"Name": "v1", "DriverOpts": "type=tmpfs"})[0] == 400


def test_create_without_a_body_makes_an_unnamed_volume(app):
    status, body = call(app, "POST", "/volumes/create")
    assert status == 201 and len(body["Name"]) == 64


def test_prune(app):
    call(app, "POST", "/volumes/create", {"Name": "named"})
    assert call(app, "POST", "/volumes/prune") == (200, {"VolumesDeleted": None, "SpaceReclaimed": 0})
    everything = {"filters": json.dumps({"all": {"true": True}})}
    assert call(app, "POST", "/volumes/prune", query=everything) == (200, {"VolumesDeleted": ["named"], "SpaceReclaimed": 0})
    bad = call(app, "POST", "/volumes/prune", query={"filters": json.dumps({"dangling": ["true"]})})
    assert bad == (400, {"message": "Invalid filter 'dangling'"})


def test_prune_before_api_1_42_removes_named_volumes_too(app):
    call(app, "POST", "/volumes/create", {"Name": "named"})
    assert call(app, "POST", "/v1.41/volumes/prune") == (200, {"VolumesDeleted": ["named"], "SpaceReclaimed": 0})
