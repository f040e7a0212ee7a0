"""Build layer tars in memory for tests, including hostile ones."""

import gzip
import hashlib
import io
import json
import lzma
import tarfile

import zstandard


def entry(name, kind="f", data=b"", mode=None, link="", uid=0, gid=0, mtime=1_700_000_000,
          pax=None):
    """A (TarInfo, data) pair. kind: f file, d dir, l symlink, h hardlink, c char device, p fifo."""
    info = tarfile.TarInfo(name)
    info.uid, info.gid, info.mtime = uid, gid, mtime
    types = {"f": tarfile.REGTYPE, "d": tarfile.DIRTYPE, "l": tarfile.SYMTYPE,
             "h": tarfile.LNKTYPE, "c": tarfile.CHRTYPE, "p": tarfile.FIFOTYPE}
    info.type = types[kind]
    info.mode = mode if mode is not None else (0o755 if kind == "d" else 0o644)
    info.linkname = link
    if kind == "f":
        info.size = len(data)
    if pax:
        info.pax_headers = dict(pax)
    return info, data


def layer_tar(*entries, format=tarfile.PAX_FORMAT) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=format) as tar:
        for info, data in entries:
            tar.addfile(info, io.BytesIO(data) if info.isreg() else None)
    return out.getvalue()


def compress(data: bytes, kind: str) -> bytes:
    if kind == "gzip":
        return gzip.compress(data, compresslevel=1)
    if kind == "xz":
        return lzma.compress(data)
    if kind == "zstd":
        return zstandard.ZstdCompressor().compress(data)
    return data


# A layer whose entries undo each other: what a tar split must still rebuild byte for byte.
ODD_LAYER = layer_tar(
    entry("bin", "d"), entry("bin/tool", data=b"#!/bin/sh\necho tool\n" * 50, mode=0o755),
    entry("etc/conf", data=b"first"), entry("etc/conf", data=b"second"),            # twice
    entry("var/cache/x/y", data=b"cached"), entry("var/cache/x", data=b"a file now"),  # a directory replaced
    entry("gone", data=b"whited out in the same layer"), entry(".wh.gone"),
    entry("lib/long-" + "n" * 150, data=b"pax name"),
    entry("hard", "h", link="bin/tool")) + b"bytes after the end blocks"
OTHER_LAYER = layer_tar(entry("srv/greeting", data=b"hello from the second layer\n"))


def docker_archive(tag: str, layers: list[bytes]) -> bytes:
    """A `docker save` archive (the legacy layout) of one image of these layer tars."""
    diff_ids = ["sha256:" + hashlib.sha256(layer).hexdigest() for layer in layers]
    config = json.dumps({"architecture": "amd64", "os": "linux", "config": {"Cmd": ["sh"]},
                         "rootfs": {"type": "layers", "diff_ids": diff_ids}}).encode()
    files = {"config.json": config}
    for index, layer in enumerate(layers):
        files[f"l{index}/layer.tar"] = layer
    files["manifest.json"] = json.dumps([{"Config": "config.json", "RepoTags": [tag],
                                          "Layers": [f"l{i}/layer.tar" for i in range(len(layers))]}]).encode()
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return out.getvalue()
