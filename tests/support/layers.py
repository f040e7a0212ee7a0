"""Build layer tars in memory for tests, including hostile ones."""

import gzip
import io
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


def layer_tar(*entries) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
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
