"""Bad input gets dockerd's 4xx and error body and loses nothing (issue 12 §2).

Every answer here was taken from dockerd 20.10 on this machine, case by case. Where dockerd
answers a malformed JSON body with 500 (it does not wrap Go's decode errors before 23.0) we
answer 400 with the same message, as later dockerd releases do.
"""

import io
import json
import os
import tarfile
from urllib.parse import quote

import pytest

from tests.support.busybox import import_busybox
from tests.support.raw_http import exchange, request

pytestmark = pytest.mark.root


def _filters(value: dict) -> str:
    return "filters=" + quote(json.dumps(value))


def ask(daemon, method: str, target: str, body=None, **kwargs):
    return exchange(str(daemon.socket), request(method, target, body, **kwargs))


@pytest.mark.parametrize("method, path", [
    ("GET", "/containers/json"), ("POST", "/containers/prune"), ("GET", "/images/json"),
    ("POST", "/images/prune"), ("GET", "/networks"), ("POST", "/networks/prune"),
    ("GET", "/volumes"), ("POST", "/volumes/prune")])
def test_unknown_filter_keys_are_refused_by_every_list_and_prune(busybox, method, path):
    answer = ask(busybox, method, f"{path}?{_filters({'x': ['y']})}")
    assert (answer.status, answer.json()) == (400, {"message": "Invalid filter 'x'"})


def test_build_cache_prune_refuses_unknown_filters(busybox):
    answer = ask(busybox, "POST", f"/build/prune?{_filters({'x': ['y']})}")
    assert (answer.status, answer.json()) == (400, {"message": "failed to prune build cache: Invalid filter 'x'"})


def test_container_prune_with_an_unknown_filter_prunes_nothing(fresh_daemon):
    daemon = fresh_daemon.start(timeout=60)  # a loaded machine may be slow to start one
    import_busybox(daemon)
    daemon.docker("create", "--name", "precious", "busybox", "true")
    answer = ask(daemon, "POST", f"/containers/prune?{_filters({'lable': ['x']})}")
    assert (answer.status, answer.json()) == (400, {"message": "Invalid filter 'lable'"})
    assert daemon.docker("ps", "-a", "--format", "{{.Names}}").stdout.split() == ["precious"]


def test_container_prune_honours_label_negation_and_until(fresh_daemon):
    daemon = fresh_daemon.start(timeout=60)  # a loaded machine may be slow to start one
    import_busybox(daemon)
    daemon.docker("create", "--name", "kept", "--label", "keep=yes", "busybox", "true")
    daemon.docker("create", "--name", "gone", "busybox", "true")
    daemon.docker("container", "prune", "-f", "--filter", "until=1h")  # all created just now: none
    daemon.docker("container", "prune", "-f", "--filter", "label!=keep=yes")
    assert daemon.docker("ps", "-a", "--format", "{{.Names}}").stdout.split() == ["kept"]


def _go_type_error(what: str, where: str, go_type: str) -> dict:
    return {"message": f"json: cannot unmarshal {what} into Go struct field {where} of type {go_type}"}


WRONG_TYPES = [  # issue 12's 500s (and silent 201s) on wrong-typed fields: dockerd's messages
    ("/containers/create", '{"Image": 123}', _go_type_error("number", "ContainerConfigWrapper.Image", "string")),
    ("/containers/create", '{"Image": "busybox", "Cmd": 5}', _go_type_error("number", "ContainerConfigWrapper.Cmd", "string")),
    ("/containers/create", '{"Image": "busybox", "HostConfig": "x"}',
     _go_type_error("string", "ContainerConfigWrapper.HostConfig", "container.HostConfig")),
    ("/containers/create", '{"Image": "busybox", "ExposedPorts": "x"}',
     _go_type_error("string", "ContainerConfigWrapper.ExposedPorts", "nat.PortSet")),
    ("/containers/create", '{"Image": "busybox", "Env": [1, 2]}', _go_type_error("number", "ContainerConfigWrapper.Env", "string")),
    ("/containers/create", '{"Image": "busybox", "Labels": ["a"]}',
     _go_type_error("array", "ContainerConfigWrapper.Labels", "map[string]string")),
    ("/containers/create", '{"Image": "busybox", "HostConfig": {"RestartPolicy": "always"}}',
     _go_type_error("string", "HostConfig.HostConfig.RestartPolicy", "container.RestartPolicy")),
    ("/containers/create", '{"Image": "busybox", "HostConfig": {"Mounts": "x"}}',
     _go_type_error("string", "HostConfig.HostConfig.Mounts", "[]mount.Mount")),
    ("/containers/create", '{"Image": "busybox", "Mounts": "x"}',
     _go_type_error("string", "ContainerConfigWrapper.Mounts", "[]mount.Mount")),
    ("/containers/create", '{"Image": "busybox", "HostConfig": {"Tmpfs": ["/x"]}}',
     _go_type_error("array", "HostConfig.HostConfig.Tmpfs", "map[string]string")),
    ("/containers/create", '{"Image": "busybox", "HostConfig": {"Memory": "abc"}}',
     _go_type_error("string", "HostConfig.HostConfig.Memory", "int64")),
    ("/containers/create", '{"Image": "busybox", "HostConfig": []}',
     _go_type_error("array", "ContainerConfigWrapper.HostConfig", "container.HostConfig")),
    ("/containers/create", '{"Image": "busybox", "Env": "A=B"}', _go_type_error("string", "ContainerConfigWrapper.Env", "[]string")),
    ("/containers/create", '{"Image": "busybox", "Tty": "yes"}', _go_type_error("string", "ContainerConfigWrapper.Tty", "bool")),
    ("/containers/create", '{"Image": "busybox", "HostConfig": {"Memory": 1e400}}',
     _go_type_error("number 1e400", "HostConfig.HostConfig.Memory", "int64")),
    ("/containers/create", '{"Image": "busybox", "HostConfig": {"Memory": NaN}}',
     {"message": "invalid character 'N' looking for beginning of value"}),
    ("/containers/create", "[" * 50_000 + "]" * 50_000, {"message": "invalid character '[' exceeded max depth"}),
    ("/containers/create", '{"Image": "busybox", "HostConfig": {"Memory": -5}}', {"message": "Minimum memory limit allowed is 6MB"}),
    ("/containers/create", '{"Image": "busybox", "HostConfig": {"PortBindings": {"80/tcp": [{"HostPort": "abc"}]}}}',
     {"message": 'invalid port specification: "abc"'}),
    ("/containers/create", '{"Image": "busybox", "HostConfig": {"ExtraHosts": ["nocolon"]}}',
     {"message": 'bad format for add-host: "nocolon"'}),
    ("/networks/create", '{"Name": "n1", "IPAM": "x"}', _go_type_error("string", "NetworkCreateRequest.IPAM", "network.IPAM")),
    ("/networks/create", '{"Name": "n1", "Labels": ["a"]}',
     _go_type_error("array", "NetworkCreateRequest.Labels", "map[string]string")),
    ("/networks/create", '{"Name": 5}', _go_type_error("number", "NetworkCreateRequest.Name", "string")),
    ("/volumes/create", '{"Name": 5}', _go_type_error("number", "VolumeCreateBody.Name", "string")),
    ("/networks/{net}/connect", "[1]", {"message": "json: cannot unmarshal array into Go value of type types.NetworkConnect"}),
    ("/networks/{net}/connect", '{"Container": 5}', _go_type_error("number", "NetworkConnect.Container", "string")),
    ("/networks/{net}/connect", '{"Container": "{ctr}", "EndpointConfig": "x"}',
     _go_type_error("string", "NetworkConnect.EndpointConfig", "network.EndpointSettings")),
    ("/containers/{ctr}/update", '{"RestartPolicy": "x"}',
     _go_type_error("string", "UpdateConfig.RestartPolicy", "container.RestartPolicy")),
    ("/containers/{ctr}/update", '{"Memory": "abc"}', _go_type_error("string", "UpdateConfig.Memory", "int64")),
    ("/containers/{ctr}/update", '{"Memory": -5}', {"message": "Minimum memory limit allowed is 6MB"}),
]


@pytest.fixture(scope="module")
def targets(busybox):
    """A created container and a network for the bodies that name one; removed afterwards."""
    busybox.docker("create", "--name", "bad-input-target", "busybox", "true")
    busybox.docker("network", "create", "bad-input-net")
    yield busybox
    busybox.docker("rm", "-f", "bad-input-target", check=False)
    busybox.docker("network", "rm", "bad-input-net", check=False)


def _inventory(daemon) -> tuple:
    docker = daemon.docker
    return (docker("ps", "-aq").stdout, docker("network", "ls", "-q").stdout, docker("volume", "ls", "-q").stdout,
            docker("inspect", "bad-input-target").stdout)


@pytest.mark.parametrize("path, body, expected", WRONG_TYPES, ids=[f"{p} {b[:60]}" for p, b, _ in WRONG_TYPES])
def test_wrong_types_get_dockerds_400_and_change_nothing(targets, path, body, expected):
    before = _inventory(targets)
    target = path.format(net="bad-input-net", ctr="bad-input-target")
    answer = ask(targets, "POST", target, body.replace("{ctr}", "bad-input-target"))
    assert (answer.status, answer.json()) == (400, expected)
    assert _inventory(targets) == before


def test_a_text_plain_body_is_refused(busybox):
    answer = ask(busybox, "POST", "/containers/create", '{"Image": "busybox"}', content_type="text/plain")
    assert (answer.status, answer.json()) == (400, {"message": "Content-Type specified (text/plain) must be 'application/json'"})


def test_field_names_match_case_insensitively_as_in_go(busybox):
    answer = ask(busybox, "POST", "/volumes/create", '{"name": "bad-input-lowercase"}')
    assert (answer.status, answer.json()["Name"]) == (201, "bad-input-lowercase")
    busybox.docker("volume", "rm", "bad-input-lowercase")


def test_a_volume_name_too_long_for_a_file_name(busybox):
    name = "a" * 300
    answer = ask(busybox, "POST", "/volumes/create", json.dumps({"Name": name}))
    path = busybox.data_root / "volumes" / name
    assert (answer.status, answer.json()) == (400, {"message": f"create {name}: error while creating volume root path "
                                                               f"'{path}': mkdir {path}: file name too long"})
    assert not [e for e in os.listdir(busybox.data_root / "volumes") if e.startswith(".tmp-")]


@pytest.mark.parametrize("target, expected", [
    ("/images/busybox/tag?repo=bad-input&tag=%C3%A9t%C3%A9", {"message": "invalid tag format"}),
    ("/containers/json?all=%zz", {"message": 'invalid URL escape "%zz"'}),
])
def test_bad_query_values(busybox, target, expected):
    answer = ask(busybox, "POST" if "tag" in target else "GET", target)
    assert (answer.status, answer.json()) == (400, expected)


def test_logs_of_no_stream(targets):
    answer = ask(targets, "GET", "/containers/bad-input-target/logs")
    assert (answer.status, answer.json()) == (400, {"message": "Bad parameters: you must choose at least one stream"})


def test_a_nul_byte_in_an_archive_path(targets):
    answer = ask(targets, "GET", "/containers/bad-input-target/archive?path=/etc%00x")
    assert (answer.status, answer.json()) == (400, {"message": "lstat /etc\x00x: invalid argument"})


def test_put_archive_extracts_absolute_members_under_the_target(busybox):
    busybox.docker("create", "--name", "bad-input-archive", "busybox", "true")
    try:
        data = io.BytesIO()
        with tarfile.open(fileobj=data, mode="w") as tar:
            for name in ("/abs/file.txt", "/abs2.txt"):
                info = tarfile.TarInfo(name)
                info.size = len(name)
                tar.addfile(info, io.BytesIO(name.encode()))
        answer = ask(busybox, "PUT", "/containers/bad-input-archive/archive?path=/tmp", data.getvalue(),
                     content_type="application/x-tar")
        assert answer.status == 200
        exported = tarfile.open(fileobj=io.BytesIO(busybox.docker("export", "bad-input-archive", input=b"").stdout))
        names = set(exported.getnames())
        assert {"tmp/abs", "tmp/abs/file.txt", "tmp/abs2.txt"} <= names and "abs2.txt" not in names
        assert exported.extractfile("tmp/abs/file.txt").read() == b"/abs/file.txt"
    finally:
        busybox.docker("rm", "-f", "bad-input-archive")


HTTP_CASES = [  # what dockerd's net/http answers where the connection used to be dropped
    (b"GARBAGE\r\n\r\n", "400 Bad Request", b"400 Bad Request"),
    (b"GET /_ping HTTP/1.1\r\nHost: x\r\nNoColonHere\r\n\r\n", "400 Bad Request", b"400 Bad Request"),
    (b"GET /_ping HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n", "400 Bad Request: invalid header value",
     b"400 Bad Request: invalid header value"),
    (b"POST /containers/create HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n", "400 Bad Request", b"400 Bad Request"),
    (b"POST /containers/create HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", "400 Bad Request", b"400 Bad Request"),
    (b"GET /_ping HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 1_100_000 + b"\r\n\r\n",
     "431 Request Header Fields Too Large", b"431 Request Header Fields Too Large"),
    (b"GET /" + b"a" * 1_100_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
     "431 Request Header Fields Too Large", b"431 Request Header Fields Too Large"),
    (b"POST /containers/create HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", "501 Not Implemented",
     b"Unsupported transfer encoding"),
]


@pytest.mark.parametrize("raw, status_line, body", HTTP_CASES, ids=[c[1] + " " + repr(c[0][:30]) for c in HTTP_CASES])
def test_malformed_requests_are_answered_as_dockerd_does(busybox, raw, status_line, body):
    answer = exchange(str(busybox.socket), raw)
    assert f"{answer.status} {answer.reason}" == status_line
    assert answer.headers["content-type"] == "text/plain; charset=utf-8" and answer.body == body
    assert ask(busybox, "GET", "/_ping").status == 200


@pytest.mark.parametrize("raw, status, body", [
    (b"GET /_ping HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 100_000 + b"\r\n\r\n", 200, b"OK"),
    (b"GET /_ping?" + b"a" * 100_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 200, b"OK"),
    (b"GET /" + b"a" * 100_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 404, b'{"message":"page not found"}'),
], ids=["100 KB header", "100 KB query", "100 KB path"])
def test_large_heads_within_dockerds_limit_are_served(busybox, raw, status, body):
    answer = exchange(str(busybox.socket), raw)
    assert (answer.status, answer.body) == (status, body)


def test_a_bad_chunk_in_a_body(busybox):
    raw = (b"POST /containers/create HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
           b"Transfer-Encoding: chunked\r\n\r\nzz\r\n")
    answer = exchange(str(busybox.socket), raw)
    assert (answer.status, answer.json()) == (400, {"message": "malformed chunked encoding"})
