"""A layer unpacked with a tar split rebuilds its tar byte for byte from the split and its
files, whatever the archive did on the way (entries twice, replaced directories, whiteouts of
its own files, trailing bytes); a file changed afterwards makes the rebuild fail, never lie."""

import gzip
import hashlib
import io
import os
import tarfile

import pytest

from dockyard.confined.extract import OVERLAY
from dockyard.errors import InvalidArgument
from dockyard.snapshots.layer_tar import RebuiltTar
from dockyard.snapshots.unpack import unpack_stream
from tests.support.layers import entry, layer_tar

pytestmark = pytest.mark.root      # overlay whiteouts are character devices


def unpack_and_rebuild(tmp_path, tar: bytes, chunk: int = 1 << 20) -> bytes:
    layer = tmp_path / "layer"
    (layer / "fs").mkdir(parents=True)
    diff_id, _ = unpack_stream(str(layer / "fs"), io.BytesIO(tar), None, OVERLAY, split=True)
    assert diff_id == "sha256:" + hashlib.sha256(tar).hexdigest()
    with RebuiltTar(str(layer), diff_id) as rebuilt:
        assert rebuilt.size == len(tar)
        parts = []
        while part := rebuilt.read(chunk):
            parts.append(part)
    return b"".join(parts)


def test_an_ordinary_layer_is_rebuilt_byte_for_byte(tmp_path):
    tar = layer_tar(entry("etc", "d"), entry("etc/passwd", data=b"root:x:0:0\n"),
                    entry("bin/busybox", data=os.urandom(200_000)), entry("bin/sh", "h", link="bin/busybox"),
                    entry("bin/ls", "l", link="busybox"), entry("empty", data=b""),
                    entry("p" * 150 + "/long-" + "n" * 120, data=b"pax path"),
                    entry("x", data=b"attrs", pax={"SCHILY.xattr.user.k": "v"}))
    assert unpack_and_rebuild(tmp_path, tar, chunk=4096) == tar


def test_gnu_long_names_and_what_follows_the_end_blocks(tmp_path):
    tar = layer_tar(entry("d/" + "a" * 200, data=b"gnu long name"), entry("l", "l", link="t" * 300),
                    format=tarfile.GNU_FORMAT)
    tar += b"trailing bytes after the end" + bytes(1000)
    assert unpack_and_rebuild(tmp_path, tar) == tar


def test_a_stream_without_end_blocks(tmp_path):
    tar = layer_tar(entry("a", data=b"x" * 700))
    cut = tar[:512 + 1024]       # the header and the padded contents, no end blocks
    assert unpack_and_rebuild(tmp_path, cut) == cut


def test_entries_that_replace_earlier_ones_keep_the_earlier_contents(tmp_path):
    tar = layer_tar(entry("f", data=b"first"), entry("f", data=b"second"),          # the same name twice
                    entry("d/inner/g", data=b"in a directory"), entry("d", data=b"now a file"),
                    entry("e", data=b"a file"), entry("e", "d"), entry("e/h", data=b"now a directory"),
                    entry("w", data=b"whited out"), entry(".wh.w", data=b""),
                    entry("k", data=b"linked"), entry("k2", "h", link="k"), entry("k", data=b"new k"),
                    entry("m/n/o", data=b"deep"), entry("m", "l", link="/elsewhere"),
                    entry("q/r", data=b"dir twice"), entry("q", data=b"file"), entry("q", "d"), entry("q/r", data=b"again"))
    rebuilt = unpack_and_rebuild(tmp_path, tar)
    assert rebuilt == tar
    fs = tmp_path / "layer" / "fs"
    assert (fs / "f").read_bytes() == b"second" and (fs / "d").read_bytes() == b"now a file"
    assert (fs / "k2").read_bytes() == b"linked" and (fs / "k").read_bytes() == b"new k"
    assert os.readlink(fs / "m") == "/elsewhere"


def test_a_whiteout_file_with_contents_keeps_them_in_the_split(tmp_path):
    tar = layer_tar(entry("a", data=b"x"), entry(".wh.a", data=b"contents nobody unpacks"),
                    entry(".wh..wh..opq", data=b""))
    assert unpack_and_rebuild(tmp_path, tar) == tar


def test_files_reached_through_symlinked_directories(tmp_path):
    tar = layer_tar(entry("real", "d"), entry("link", "l", link="real"), entry("link/f", data=b"via link"),
                    entry("abs", "l", link="/real"), entry("abs/g", data=b"via absolute link"),
                    entry("link", "d"), entry("link/h", data=b"link is a directory now"))
    assert unpack_and_rebuild(tmp_path, tar) == tar


def test_many_entries_in_records_larger_than_a_flush(tmp_path):
    entries = [entry(f"dir{i % 7}/file{i}", data=os.urandom(i % 900)) for i in range(3000)]
    tar = layer_tar(*entries)
    assert unpack_and_rebuild(tmp_path, tar, chunk=65536) == tar


def read_all(rebuilt: RebuiltTar) -> bytes:
    return b"".join(iter(lambda: rebuilt.read(1 << 16), b""))


def test_a_changed_file_fails_the_rebuild(tmp_path):
    tar = layer_tar(entry("a", data=b"original contents"), entry("b", data=b"other"))
    unpack_and_rebuild(tmp_path, tar)
    digest = "sha256:" + hashlib.sha256(tar).hexdigest()
    layer = tmp_path / "layer"
    (layer / "fs" / "a").write_bytes(b"original CONTENTS")        # same size, other bytes
    with RebuiltTar(str(layer), digest) as rebuilt, pytest.raises(InvalidArgument, match="no longer rebuild"):
        read_all(rebuilt)
    (layer / "fs" / "a").write_bytes(b"longer than it was")
    with RebuiltTar(str(layer), digest) as rebuilt, pytest.raises(InvalidArgument, match="changed"):
        read_all(rebuilt)


def test_a_symlink_put_in_place_of_a_file_is_not_followed(tmp_path):
    tar = layer_tar(entry("a", data=b"secret-sized"))
    unpack_and_rebuild(tmp_path, tar)
    outside = tmp_path / "outside"
    outside.write_bytes(b"host's file!")         # as long as the original contents
    fs = tmp_path / "layer" / "fs"
    os.unlink(fs / "a")
    os.symlink(outside, fs / "a")
    with RebuiltTar(str(tmp_path / "layer"), "sha256:" + hashlib.sha256(tar).hexdigest()) as rebuilt, \
            pytest.raises(InvalidArgument):
        read_all(rebuilt)


def test_a_compressed_stream_is_split_as_its_uncompressed_tar(tmp_path):
    tar = layer_tar(entry("a", data=b"gz" * 5000))
    layer = tmp_path / "layer"
    (layer / "fs").mkdir(parents=True)
    diff_id, _ = unpack_stream(str(layer / "fs"), io.BytesIO(gzip.compress(tar)), None, OVERLAY, split=True)
    with RebuiltTar(str(layer), diff_id) as rebuilt:
        assert read_all(rebuilt) == tar


def test_a_corrupt_split_is_refused(tmp_path):
    tar = layer_tar(entry("a", data=b"x" * 100))
    unpack_and_rebuild(tmp_path, tar)
    split = tmp_path / "layer" / "tar-split"
    data = bytearray(split.read_bytes())
    data[20] ^= 0xFF
    split.write_bytes(bytes(data))
    with pytest.raises(InvalidArgument):
        with RebuiltTar(str(tmp_path / "layer"), "sha256:" + hashlib.sha256(tar).hexdigest()) as rebuilt:
            read_all(rebuilt)
