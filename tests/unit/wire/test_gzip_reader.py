import bz2
import gzip
import io
import lzma
import random
import zlib

import pytest
import zstandard

from dockyard.wire.tar_stream import GzipReader, decompressed


def _read_all(reader, size: int = 1 << 16) -> bytes:
    return b"".join(iter(lambda: reader.read(size), b""))


def test_inflates_what_gzip_writes_in_any_read_size():
    data = random.Random(1).randbytes(300_000) + b"a" * 2_000_000
    packed = gzip.compress(data, 6)
    for size in (1, 1000, 1 << 20):
        assert _read_all(GzipReader(io.BytesIO(packed), chunk=4096), size) == data
    assert GzipReader(io.BytesIO(packed)).read() == data
    assert _read_all(decompressed(io.BytesIO(packed))) == data


def test_several_members_and_zero_padding():
    packed = gzip.compress(b"first ") + gzip.compress(b"second") + b"\0" * 700
    assert _read_all(GzipReader(io.BytesIO(packed), chunk=3)) == b"first second"


def test_truncated_corrupt_and_trailing_garbage_are_errors():
    packed = gzip.compress(random.Random(2).randbytes(100_000))
    with pytest.raises(EOFError):
        _read_all(GzipReader(io.BytesIO(packed[:-100])))
    flipped = bytearray(packed)
    flipped[-6] ^= 0xFF                                   # the CRC in the trailer
    with pytest.raises(zlib.error):
        _read_all(GzipReader(io.BytesIO(bytes(flipped))))
    with pytest.raises(gzip.BadGzipFile):
        _read_all(GzipReader(io.BytesIO(packed + b"junk")))


def test_the_shared_decompressor_reads_every_format_dockerd_reads():
    data = random.Random(2).randbytes(100_000)
    for packed in (data, gzip.compress(data), bz2.compress(data), lzma.compress(data),
                   zstandard.ZstdCompressor().compress(data)):
        assert _read_all(decompressed(io.BytesIO(packed))) == data
