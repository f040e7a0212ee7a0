"""Stand-ins for the images critest and the CRI tests pull, made offline and pushed to a local
`docker-registry`.

critest names images on gcr.io, registry.k8s.io and k8s.gcr.io, which this machine cannot reach.
Each stand-in is the busybox rootfs of `tests.support.busybox` plus what the real image's test
needs (a user, a file, a web server on a port). One registry serves all three hosts: a runtime
reaches it through its registry mirrors (`mirrors(registry)`), so the names stay the ones critest
uses. Digest-pinned references (`test-image-digest@sha256:...`) cannot be reproduced.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import io
import json
import os
import subprocess
import tarfile
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.busybox import MTIME, rootfs_tar

HOSTS = ("gcr.io", "registry.k8s.io", "k8s.gcr.io")
SANDBOX_IMAGE = "registry.k8s.io/pause:3.10"   # what both runtimes under test start pods with
PASSWD = (b"root:x:0:0:root:/root:/bin/sh\nwww-data:x:33:33:www-data:/var/www:/bin/false\n"
          b"nobody:x:65534:65534:nobody:/home:/bin/false\n")
GROUP = b"root:x:0:\nwww-data:x:33:\nusers:x:100:\nnogroup:x:65534:\n"

# The pause stand-in waits on a child it can be interrupted from; not `sleep`, which critest's
# execSync-with-timeout spec looks for (`pgrep sleep`) in the pod's shared PID namespace.
PAUSE = b"""#!/bin/sh
trap 'exit 0' TERM INT
while :; do tail -f /dev/null & wait $!; done
"""


PGREP = b"""#!/bin/sh
# pgrep PATTERN: the pids whose process name has it (Debian's busybox-static has no pgrep applet;
# critest's execSync-with-timeout spec runs `pgrep sleep` in the e2e busybox image)
found=1
for dir in /proc/[0-9]*; do
    read -r name < "$dir/comm" 2>/dev/null || continue
    case "$name" in *"$1"*) echo "${dir#/proc/}"; found=0 ;; esac
done
exit $found
"""


IPCS = b"""#!/bin/sh
echo '------ Shared Memory Segments --------'
awk 'NR > 1 {print $1, $2, $3, $4, $7}' /proc/sysvipc/shm
"""

NONEWPRIVS = """package main

import ("fmt"; "os")

func main() { fmt.Printf("Effective uid: %d\\n", os.Geteuid()) }
"""


def _web_server(port: int, name: bytes = b"nginx") -> bytes:
    """A web server whose process is named nginx (a script's comm is its file name), whose
    pid is in /var/run/nginx.pid and whose command line says "master process", as critest's
    namespace tests look for them; it logs its name at start, as httpd does."""
    return (b"#!/bin/sh\nmkdir -p /var/run /www\necho '<html>welcome</html>' > /www/index.html\n"
            b"echo $$ > /var/run/nginx.pid\necho '%s: listening on port %d' >&2\n"
            b"trap 'kill $child; exit 0' TERM INT\n"
            b"httpd -f -p %d -h /www & child=$!\nwait $child\n" % (name, port, port))


@dataclass
class StandIn:
    refs: tuple[str, ...]                       # host/repository:tag names it is pushed as
    files: dict[str, bytes] = field(default_factory=dict)   # extra files (0755) in a second layer
    config: dict = field(default_factory=dict)  # image config (Cmd, User, ExposedPorts, ...)
    setuid: tuple[str, ...] = ()                # files among them that are setuid root


def stand_ins() -> list[StandIn]:
    cri_tools = "gcr.io/k8s-staging-cri-tools/"
    e2e = "registry.k8s.io/e2e-test-images/"
    web = {"Cmd": ["/usr/sbin/nginx", "-g", "master process"], "ExposedPorts": {"80/tcp": {}}}
    images = [
        StandIn((e2e + "busybox:1.29-2", "docker.io/library/busybox:latest"), {"bin/pgrep": PGREP},
                {"Cmd": ["sh"]}),
        StandIn((e2e + "nginx:1.14-2",), {"usr/sbin/nginx": _web_server(80)}, web),
        StandIn((e2e + "httpd:2.4.39-4",), {"usr/sbin/nginx": _web_server(80, b"httpd")}, web),
        StandIn((cri_tools + "hostnet-nginx-amd64:latest",), {"usr/sbin/nginx": _web_server(12003)},
                {"Cmd": ["/usr/sbin/nginx", "-g", "master process"]}),
        StandIn((SANDBOX_IMAGE,), {"pause": PAUSE}, {"Cmd": ["/pause"]}),
        StandIn(("registry.k8s.io/pause:3.9", "k8s.gcr.io/pause:3.9"), {"pause": PAUSE + b"# 3.9\n"},
                {"Cmd": ["/pause"]}),
        StandIn((e2e + "nonewprivs:1.3",), {"usr/local/bin/nnp": _nonewprivs()}, {"Cmd": ["/usr/local/bin/nnp"]},
                setuid=("usr/local/bin/nnp",)),
        StandIn((cri_tools + "test-image-latest:latest", cri_tools + "test-image-tag:test",
                 cri_tools + "test-image-tag:all", cri_tools + "test-image-digest:latest"),
                {"test-image": b"test\n"}, {"Cmd": ["sh"]}),
        StandIn(tuple(f"{cri_tools}test-image-tags:{n}" for n in (1, 2, 3)), {"test-image-tags": b"tags\n"},
                {"Cmd": ["sh"]}),
        StandIn((cri_tools + "test-image-predefined-group:latest",),
                {"etc/passwd": PASSWD + b"default-user:x:1000:1000::/home/default-user:/bin/sh\n",
                 "etc/group": GROUP + b"default-user:x:1000:\ngroup-defined-in-image:x:50000:default-user\n"},
                {"Cmd": ["sh"], "User": "1000"}),
    ]
    images += [StandIn((f"{cri_tools}test-image-{n}:latest",), {f"test-image-{n}": b"%d\n" % n}, {"Cmd": ["sh"]})
               for n in (1, 2, 3)]
    users = {"test-image-user-uid": "1002", "test-image-user-username": "www-data",
             "test-image-user-uid-group": "1003:1004", "test-image-user-username-group": "www-data:1004"}
    images += [StandIn((f"{cri_tools}{name}:latest",), config={"Cmd": ["sh"], "User": user})
               for name, user in users.items()]
    return images


def test_images_file() -> str:
    """critest's --test-images-file: the default and web server images (the stand-ins' names)."""
    return ("defaultTestContainerImage: registry.k8s.io/e2e-test-images/busybox:1.29-2\n"
            "webServerTestImage: registry.k8s.io/e2e-test-images/nginx:1.14-2\n")


def push_all(address: str) -> None:
    """Push every stand-in to the registry at `address` (host:port, plain HTTP)."""
    base = _layer(_base_tar())
    for image in stand_ins():
        layers = [base] + ([_layer(_files_tar(image.files, image.setuid))] if image.files else [])
        config = json.dumps({
            "architecture": "amd64", "os": "linux", "created": "2023-11-14T22:13:20Z",
            "config": {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
                       **image.config},
            "rootfs": {"type": "layers", "diff_ids": [diff_id for diff_id, _ in layers]},
            "history": [{"created": "2023-11-14T22:13:20Z", "created_by": "stand-in"} for _ in layers],
        }, sort_keys=True).encode()
        manifest = json.dumps({
            "schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
            "config": {"mediaType": "application/vnd.docker.container.image.v1+json",
                       "size": len(config), "digest": _digest(config)},
            "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                        "size": len(blob), "digest": _digest(blob)} for _, blob in layers],
        }).encode()
        for ref in image.refs:
            repository, tag = _repository_and_tag(ref)
            for blob in [config] + [blob for _, blob in layers]:
                _push_blob(address, repository, blob)
            _request(address, "PUT", f"/v2/{repository}/manifests/{tag}", manifest,
                     "application/vnd.docker.distribution.manifest.v2+json")


def _repository_and_tag(ref: str) -> tuple[str, str]:
    """gcr.io/a/b:t -> ("a/b", "t"); the host is the mirror's business, not the registry's."""
    _, _, rest = ref.partition("/")
    repository, _, tag = rest.rpartition(":")
    return repository, tag


def _base_tar() -> bytes:
    """busybox's rootfs as the official busybox image has it: applets are hard links (masking
    /bin/ls must not mask the shell), the users include www-data, and there is an ipcs."""
    out = io.BytesIO()
    with tarfile.open(fileobj=io.BytesIO(rootfs_tar())) as source, \
            tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for member in source.getmembers():
            if member.name in ("etc/passwd", "etc/group"):
                continue
            if member.issym() and member.linkname == "/bin/busybox":
                member.type, member.linkname = tarfile.LNKTYPE, "bin/busybox"
            tar.addfile(member, source.extractfile(member) if member.isfile() else None)
        for name, content, mode in (("etc/passwd", PASSWD, 0o644), ("etc/group", GROUP, 0o644),
                                    ("usr/bin/ipcs", IPCS, 0o755)):
            tar.addfile(_info(name, mode, len(content)), io.BytesIO(content))
        for name in ("var/run", "var/www"):
            info = _info(name, 0o755, 0)
            info.type = tarfile.DIRTYPE
            tar.addfile(info)
    return out.getvalue()


@functools.lru_cache(maxsize=1)
def _nonewprivs() -> bytes:
    """e2e-test-images/nonewprivs: prints its effective uid (setuid root in the image). Built
    with Go (the machine builds critest with it): busybox drops a setuid bit it is run with."""
    with tempfile.TemporaryDirectory() as workdir:
        Path(workdir, "main.go").write_text(NONEWPRIVS)
        Path(workdir, "go.mod").write_text("module nonewprivs\n\ngo 1.20\n")
        subprocess.run(["go", "build", "-o", "nnp", "."], cwd=workdir, check=True, capture_output=True,
                       env={**os.environ, "CGO_ENABLED": "0", "GOFLAGS": "-mod=mod"})
        return Path(workdir, "nnp").read_bytes()


def _files_tar(files: dict[str, bytes], setuid: tuple[str, ...] = ()) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, content in sorted(files.items()):
            mode = 0o644 if name.startswith("etc/") else 0o4755 if name in setuid else 0o755
            tar.addfile(_info(name, mode, len(content)), io.BytesIO(content))
    return out.getvalue()


def _info(name: str, mode: int, size: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.mode, info.size, info.mtime = mode, size, MTIME
    return info


def _layer(tar: bytes) -> tuple[str, bytes]:
    """(diff ID, gzip blob), byte-for-byte reproducible."""
    return _digest(tar), gzip.compress(tar, compresslevel=6, mtime=0)


def _digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _push_blob(address: str, repository: str, blob: bytes) -> None:
    digest = _digest(blob)
    try:
        _request(address, "HEAD", f"/v2/{repository}/blobs/{digest}")
        return
    except urllib.error.HTTPError as err:
        if err.code != 404:
            raise
    response = _request(address, "POST", f"/v2/{repository}/blobs/uploads/", b"")
    location = response.headers["Location"]
    if location.startswith("/"):
        location = f"http://{address}{location}"
    separator = "&" if "?" in location else "?"
    _open(urllib.request.Request(f"{location}{separator}digest={digest}", data=blob, method="PUT",
                                 headers={"Content-Type": "application/octet-stream"}))


def _request(address: str, method: str, path: str, body: bytes | None = None, content_type: str = ""):
    headers = {"Content-Type": content_type} if content_type else {}
    return _open(urllib.request.Request(f"http://{address}{path}", data=body, method=method, headers=headers))


def _open(request):
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()
        return response
