"""The mounting half of the snapshot contract, run against both drivers (root: real mounts)."""

import io
import os
import tarfile

import pytest

from dockyard.errors import Conflict
from tests.support.layers import entry, layer_tar
from tests.support.snapshot_contract import BASE, TOP, mounted, store, tree  # noqa: F401 (fixtures)


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
