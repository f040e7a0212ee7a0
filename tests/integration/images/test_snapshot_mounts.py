"""The mounting half of the snapshot contract, run against both drivers (root: real mounts)."""

import io
import os
import stat
import tarfile

import pytest

from dockyard.errors import Conflict
from dockyard.oci.digest import sha256_digest
from dockyard.snapshots.drivers import OverlayDriver
from dockyard.snapshots.mounter import Mounter
from dockyard.snapshots.store import SnapshotStore
from tests.support.layers import entry, layer_tar
from tests.support.snapshot_contract import BASE, TOP, mounted, store, tree  # noqa: F401 (fixtures)


class Sink(io.BytesIO):
    """A tee as the content store's writer is one: it hashes what it is given."""

    @property
    def digest(self) -> str:
        return sha256_digest(self.getvalue())


@pytest.mark.root
def test_container_layer_sees_merged_tree_and_diff_round_trips(store, mounted):
    base = store.apply_layer(io.BytesIO(BASE))
    top = store.apply_layer(io.BytesIO(TOP), base.chain_id)
    root = mounted(store.prepare("c1", top.chain_id))
    assert tree(root) == {"etc/b": b"B", "bin/y": b"y"}
    (root / "etc" / "new").write_bytes(b"n")
    os.unlink(root / "etc" / "b")
    os.makedirs(root / "var" / "log")
    (root / "var" / "log" / "l").write_bytes(b"l")
    out = io.BytesIO()
    store.diff("c1", out)
    names = {m.name for m in tarfile.open(fileobj=io.BytesIO(out.getvalue()))}
    assert {"etc/new", "etc/.wh.b", "var/log/l"} <= names
    committed = store.apply_layer(io.BytesIO(out.getvalue()), top.chain_id)
    view = mounted(store.view("v1", committed.chain_id))
    assert tree(view) == {"etc/new": b"n", "bin/y": b"y", "var/log/l": b"l"}


@pytest.mark.root
def test_layer_in_use_by_a_container_cannot_be_removed(store, mounted):
    base = store.apply_layer(io.BytesIO(BASE))
    store.prepare("c1", base.chain_id)
    with pytest.raises(Conflict):
        store.remove_layer(base.chain_id)
    store.remove("c1")
    store.remove_layer(base.chain_id)


@pytest.mark.root
def test_many_layers_mount(store, mounted):
    parent = None
    for i in range(130):
        parent = store.apply_layer(io.BytesIO(layer_tar(entry(f"f{i}", data=str(i).encode()))), parent).chain_id
    root = mounted(store.prepare("many", parent))
    assert len(tree(root)) == 130
    assert (root / "f0").read_bytes() == b"0"
    assert (root / "f129").read_bytes() == b"129"


def _read_noatime(path: str) -> bytes:
    """Contents without touching the access time: reading a hard link first would set its
    inode's atime to the moment of reading, which differs between the two trees compared."""
    fd = os.open(path, os.O_RDONLY | os.O_NOATIME)
    try:
        return os.read(fd, 1 << 20)
    finally:
        os.close(fd)


def _walk_without_following(root):
    """Every path under root. Not os.walk: it asks each entry whether it is a directory
    following symlinks, and resolving a symlink sets its atime to the current (coarse, per
    tick) time, so two trees walked across a clock tick differed in their links' atimes."""
    pending = [str(root)]
    while pending:
        with os.scandir(pending.pop()) as entries:
            for entry in entries:
                yield entry.path
                if entry.is_dir(follow_symlinks=False):
                    pending.append(entry.path)


def _metadata(root):
    """Every entry's type, mode, owner, times, xattrs and contents by name (a whiteout's mode
    and times do not matter: overlay ignores them)."""
    found = {}
    for path in _walk_without_following(root):
        st = os.lstat(path)
        xattrs = {key: os.getxattr(path, key, follow_symlinks=False)
                  for key in os.listxattr(path, follow_symlinks=False)}
        whiteout = stat.S_ISCHR(st.st_mode) and st.st_rdev == 0
        data = _read_noatime(path) if stat.S_ISREG(st.st_mode) else None   # (resolving a symlink
        # to ask what it is would set the link's atime)
        found[os.path.relpath(path, root)] = ("whiteout", st.st_uid, st.st_gid) if whiteout else (
            st.st_mode, st.st_uid, st.st_gid, xattrs, data, st.st_mtime_ns, st.st_atime_ns)
    return found


@pytest.mark.root
def test_an_unmounted_snapshot_becomes_exactly_the_layer_its_diff_unpacks_to(mounted, tmp_path):
    """A build step's changes are not unpacked again: with overlay the snapshot's own tree
    becomes the layer, settled to what unpacking its tar gives (overlay's xattrs gone, times in
    whole seconds). (The copy driver unpacks, as `commit` does.)"""
    store = SnapshotStore(str(tmp_path / "snapshots"), OverlayDriver())
    base = store.apply_layer(io.BytesIO(BASE))
    root = tmp_path / "root"
    root.mkdir()
    Mounter().mount_all(store.prepare("c1", base.chain_id), str(root))
    (root / "etc" / "a").write_bytes(b"changed")       # copied up: overlay notes its origin
    os.unlink(root / "etc" / "b")                       # a whiteout
    os.makedirs(root / "app" / "sub")
    (root / "app" / "sub" / "f").write_bytes(b"f")
    os.setxattr(root / "app" / "sub" / "f", "user.note", b"kept")
    os.chown(root / "app" / "sub" / "f", 1000, 1001)
    os.chmod(root / "app" / "sub" / "f", 0o4750)
    os.symlink("sub/f", root / "app" / "link")
    os.link(root / "app" / "sub" / "f", root / "app" / "hard")
    os.utime(root / "app" / "sub", ns=(5_123_456_789, 7_987_654_321))
    os.unlink(root / "bin" / "sub" / "deep")
    os.rmdir(root / "bin" / "sub")
    os.mkdir(root / "bin" / "sub")                      # made again: opaque
    Mounter().unmount(str(root))
    upper = os.path.join(store.root, "active", "c1", "upper")
    assert "trusted.overlay.origin" in os.listxattr(os.path.join(upper, "etc", "a"))   # what must go
    sink = Sink()
    layer = store.commit_unmounted("c1", base.chain_id, sink)
    assert layer.diff_id == sink.digest
    other = SnapshotStore(str(tmp_path / "other"), store.driver)
    unpacked = other.apply_layer(io.BytesIO(sink.getvalue()),
                                 other.apply_layer(io.BytesIO(BASE)).chain_id)
    assert unpacked.chain_id == layer.chain_id and unpacked.size == layer.size
    adopted, expected = _metadata(store.layer_path(layer.chain_id)), _metadata(other.layer_path(layer.chain_id))
    assert adopted == expected
    assert {"etc/a", "app/sub/f", "app/hard", "app/link"} <= set(adopted)
    assert not any(key.startswith("trusted.overlay.") and key != "trusted.overlay.opaque"
                   for entry in adopted.values() if entry[0] != "whiteout" for key in entry[3])
    assert os.listxattr(store.layer_path(layer.chain_id)) == []
    view = mounted(store.view("v1", layer.chain_id))
    assert tree(view)["etc/a"] == b"changed" and "etc/b" not in tree(view)
