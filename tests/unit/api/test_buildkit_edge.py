"""The BuildKit edge's pure parts: the frontend's options, file sync's writer (confined to its
directory, Go's file modes, into a kept directory), the kept contexts."""

import os

import pytest

from dockyard.api.buildkit.filesync import DirectoryWriter, sync_metadata, unix_permissions
from dockyard.api.buildkit.frontend import build_options, external_bases
from dockyard.api.buildkit.generated import stat_pb2
from dockyard.builder.kept_contexts import KeptContexts
from dockyard.disk import removal
from dockyard.errors import InvalidArgument

GO_DIR, GO_SYMLINK, GO_SETUID = 1 << 31, 1 << 27, 1 << 23


def test_frontend_options_become_build_options():
    options = build_options({"filename": "df/Dockerfile", "target": "final", "build-arg:A": "1", "label:team": "core",
                             "no-cache": "", "force-network-mode": "host", "image-resolve-mode": "pull"})
    assert (options.dockerfile, options.target, options.build_args, options.labels) == \
        ("df/Dockerfile", "final", {"A": "1"}, {"team": "core"})
    assert options.nocache and options.pull and options.host_config == {"NetworkMode": "host"}
    assert not build_options({"no-cache": "stage1"}).nocache   # --no-cache-filter is not all steps
    with pytest.raises(InvalidArgument, match="linux/arm64"):
        build_options({"platform": "linux/arm64"})
    with pytest.raises(InvalidArgument, match="--call"):
        build_options({"requestid": "frontend.outline"})


def test_external_bases_skip_stages_scratch_and_expand_meta_arguments():
    dockerfile = ("FROM busybox AS a\nFROM a AS b\nFROM scratch AS c\nFROM $X AS d\nFROM alpine:3 AS e\n"
                  "FROM busybox\nCOPY --from=a / /\nCOPY --from=c / /\nCOPY --from=e / /\n")
    assert external_bases(dockerfile, {}) == ["docker.io/library/busybox:latest", "docker.io/library/alpine:3"]
    assert external_bases(dockerfile, {}, "c") == []    # only the stages the target needs
    dockerfile = "ARG BASE=alpine\nARG TAG\nFROM $BASE:${TAG:-3} AS a\nARG LATER=x\nFROM $LATER\nCOPY --from=a / /\n"
    assert external_bases(dockerfile, {}) == ["docker.io/library/alpine:3"]
    assert external_bases(dockerfile, {"TAG": "3.20", "LATER": "y"}) == ["docker.io/library/alpine:3.20"]


def _stat(path, mode, linkname="", mtime=1_700_000_000_000_000_000):
    return stat_pb2.Stat(path=path, mode=mode, linkname=linkname, modTime=mtime)


def test_writer_makes_the_tree_and_asks_for_regular_files(tmp_path):
    writer = DirectoryWriter(str(tmp_path))
    writer.entry(_stat("d", GO_DIR | 0o755))
    writer.entry(_stat("d/f", 0o644))
    writer.entry(_stat("d/link", GO_SYMLINK | 0o777, "f"))
    writer.entry(_stat("d/hard", 0o644, "d/f"))
    writer.entry(_stat("x", GO_SETUID | 0o755))
    assert sorted(writer.wanted) == [1, 4]
    assert writer.data(1, b"hello") is False
    assert writer.data(1, b"") is False
    assert writer.data(4, b"") is True
    writer.finish()
    assert (tmp_path / "d/f").read_bytes() == b"hello" and os.readlink(tmp_path / "d/link") == "f"
    assert oct(os.stat(tmp_path / "x").st_mode & 0o7777) == "0o4755"
    assert int(os.stat(tmp_path / "d").st_mtime) == 1_700_000_000
    assert unix_permissions(GO_DIR | 0o700) == 0o700


def test_writer_keeps_every_path_inside(tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    writer = DirectoryWriter(str(root))
    writer.entry(_stat("../escape", 0o644))              # normalised into the root
    assert (root / "escape").exists() and not (tmp_path / "escape").exists()
    writer.entry(_stat("out", GO_SYMLINK | 0o777, str(tmp_path)))
    with pytest.raises(InvalidArgument, match="before its directory"):
        writer.entry(_stat("out/x", 0o644))              # through a symlink to outside: refused
    assert not (tmp_path / "x").exists()
    with pytest.raises(InvalidArgument):
        writer.data(99, b"x")


def _transfer(root, entries, kept, contents):
    """One transfer of `entries` into `root`; which files were asked for."""
    writer = DirectoryWriter(str(root), kept)
    for stat in entries:
        writer.entry(stat)
    asked = sorted(writer.wanted.values())
    for index in list(writer.wanted):
        writer.data(index, contents[os.path.relpath(writer.wanted[index], root)])
        writer.data(index, b"")
    writer.finish()
    return [os.path.relpath(path, root) for path in asked], writer.entries


def test_writer_into_a_kept_directory_asks_only_for_what_changed_and_deletes_what_went(tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    first = [_stat("a", 0o644), _stat("d", GO_DIR | 0o755), _stat("d/b", 0o644), _stat("d/e", GO_DIR | 0o755),
             _stat("d/e/c", 0o644), _stat("l", GO_SYMLINK | 0o777, "a")]
    contents = {"a": b"one", "d/b": b"b", "d/e/c": b"c", "l/z": b"z"}
    asked, kept = _transfer(root, first, None, contents)
    assert asked == ["a", "d/b", "d/e/c"]
    again, kept = _transfer(root, first, kept, contents)
    assert again == [] and (root / "a").read_bytes() == b"one"     # nothing changed: no bytes asked for
    contents["a"] = b"two"
    second = [_stat("a", 0o644, mtime=1_800_000_000_000_000_000), _stat("d", GO_DIR | 0o755),
              _stat("d/b", 0o644), _stat("l", GO_DIR | 0o755), _stat("l/z", 0o644)]
    asked, kept = _transfer(root, second, kept, contents)
    assert asked == ["a", "l/z"] and (root / "a").read_bytes() == b"two"
    assert not (root / "d/e").exists() and (root / "d/b").read_bytes() == b"b"   # gone from the walk: deleted
    assert (root / "l").is_dir() and not (root / "l").is_symlink() and (root / "l/z").read_bytes() == b"z"
    assert sorted(kept) == ["a", "d", "d/b", "l", "l/z"]


def test_writer_never_follows_a_kept_symlink(tmp_path):
    root, outside = tmp_path / "root", tmp_path / "outside"
    root.mkdir()
    (outside / "sub").mkdir(parents=True)
    os.chmod(outside, 0o700)
    _, kept = _transfer(root, [_stat("s", GO_SYMLINK | 0o777, str(outside)), _stat("t", GO_SYMLINK | 0o777, "s")],
                        None, {})
    # "s" comes back as a directory, "t/sub" named a stale entry behind a symlink
    _transfer(root, [_stat("s", GO_DIR | 0o777)], {**kept, "t/sub": b"x"}, {})
    assert oct(os.stat(outside).st_mode & 0o777) == "0o700" and (outside / "sub").is_dir()
    assert (root / "s").is_dir() and not (root / "s").is_symlink()


def test_kept_contexts_serve_one_build_at_a_time_and_keep_only_complete_transfers(tmp_path):
    contexts = KeptContexts(str(tmp_path), keep=1)
    first = contexts.take("k")
    first.entries["a"] = b"stat"
    busy = contexts.take("k")                      # a second build meanwhile: a directory of its own
    assert busy.path != first.path and busy.slot is None
    contexts.give_back(busy, complete=True)
    contexts.give_back(first, complete=True)
    again = contexts.take("k")
    assert again.path == first.path and again.entries == {"a": b"stat"}
    (tmp_path / "left").mkdir()
    os.rename(tmp_path / "left", os.path.join(again.path, "left"))
    again.patterns = ["x"]
    again.empty()                                  # what a transfer cut short left: gone
    assert os.listdir(again.path) == [] and again.entries == {} and again.patterns is None
    contexts.give_back(again, complete=False)      # a failed transfer: the directory goes
    assert contexts.take("k").entries == {}
    other = contexts.take("other")
    contexts.give_back(other, complete=True)
    assert contexts.prune() == 1
    removal.wait_idle()
    assert not os.path.exists(first.path) and not os.path.exists(other.path) and not os.path.exists(busy.path)


def test_sync_metadata_escapes_non_ascii_patterns():
    assert sync_metadata("context", exclude=["a", "é"]) == {
        "dir-name": ["context"], "exclude-patterns-encoded": ["1"], "exclude-patterns": ["a", "%C3%A9"]}
