"""One contract, both drivers: layers shared by chain ID, digests, clean failures.

The mounting half of the contract is in tests/integration/images/test_snapshot_mounts.py.
"""

import io
import os

import pytest

from dockyard.errors import Conflict, InvalidArgument
from dockyard.oci.digest import chain_id, sha256_digest
from tests.support.layers import compress, entry, layer_tar

from tests.support.snapshot_contract import BASE, TOP, store  # noqa: F401 (fixtures)


class Sink(io.BytesIO):
    """A tee as the content store's writer is one: it hashes what it is given."""

    @property
    def digest(self) -> str:
        return sha256_digest(self.getvalue())


@pytest.mark.parametrize("compression", ["none", "gzip", "xz", "zstd"])
def test_apply_layer_reports_diff_id_of_the_uncompressed_tar(store, compression):
    layer = store.apply_layer(io.BytesIO(compress(BASE, compression)))
    assert layer.diff_id == sha256_digest(BASE)
    assert layer.chain_id == layer.diff_id
    assert layer.size == 4
    assert store.has(layer.chain_id)


def test_layers_are_unpacked_once_and_shared(store):
    first = store.apply_layer(io.BytesIO(BASE))
    second = store.apply_layer(io.BytesIO(BASE))
    assert first == second
    assert len(store.layers()) == 1
    top = store.apply_layer(io.BytesIO(TOP), first.chain_id)
    assert top.chain_id == chain_id(first.chain_id, sha256_digest(TOP))
    assert [l.chain_id for l in store.chain(top.chain_id)] == [top.chain_id, first.chain_id]


def test_expected_diff_id_mismatch_leaves_nothing(store):
    with pytest.raises(InvalidArgument, match="digest mismatch"):
        store.apply_layer(io.BytesIO(BASE), expected_diff_id=sha256_digest(b"other"))
    assert store.layers() == []
    assert os.listdir(os.path.join(store.root, "staging")) == []


def test_truncated_compressed_layer_leaves_nothing(store):
    blob = compress(layer_tar(entry("f", data=os.urandom(200_000))), "gzip")
    with pytest.raises(InvalidArgument):
        store.apply_layer(io.BytesIO(blob[: len(blob) // 2]))
    assert store.layers() == []
    assert os.listdir(os.path.join(store.root, "staging")) == []


def test_remove_layer_refuses_while_a_child_exists(store):
    base = store.apply_layer(io.BytesIO(BASE))
    top = store.apply_layer(io.BytesIO(TOP), base.chain_id)
    with pytest.raises(Conflict):
        store.remove_layer(base.chain_id)
    store.remove_layer(top.chain_id)
    store.remove_layer(base.chain_id)
    assert store.layers() == []


def test_tee_receives_the_uncompressed_tar(store):
    sink = Sink()
    store.apply_layer(io.BytesIO(compress(BASE, "zstd")), tee=sink)
    assert sink.getvalue() == BASE




def _changed_dir(store, key):
    """Where a test can write an active snapshot's changes without mounting it."""
    active = os.path.join(store.root, "active", key)
    return os.path.join(active, "upper" if os.path.isdir(os.path.join(active, "upper")) else "fs")


def test_commit_unpacks_the_diff_as_it_is_written_and_tees_it(store):
    base = store.apply_layer(io.BytesIO(BASE))
    store.prepare("c1", base.chain_id)
    with open(os.path.join(_changed_dir(store, "c1"), "new"), "wb") as f:
        f.write(b"N" * 100_000)
    sink = Sink()
    layer = store.commit("c1", base.chain_id, tee=sink)
    assert layer.diff_id == sha256_digest(sink.getvalue())
    assert layer.chain_id == chain_id(base.chain_id, layer.diff_id)
    with open(os.path.join(store.layer_path(layer.chain_id), "new"), "rb") as f:
        assert f.read() == b"N" * 100_000


def test_a_diff_cut_short_never_becomes_a_layer(store, monkeypatch):
    base = store.apply_layer(io.BytesIO(BASE))
    store.prepare("c2", base.chain_id)

    def failing_diff(active, lowers, out):
        out.write(layer_tar(entry("half", data=b"h"))[:1024])   # whole entries, then a failure
        raise OSError("disk went away")

    monkeypatch.setattr(store.driver, "diff", failing_diff)
    with pytest.raises(OSError, match="disk went away"):
        store.commit("c2", base.chain_id, tee=Sink())
    assert [l.chain_id for l in store.layers()] == [base.chain_id]
    assert os.listdir(os.path.join(store.root, "staging")) == []


def test_staged_layers_wait_for_their_parent(store):
    if store.driver.name == "vfs":
        assert not store.layers_stand_alone   # a copied tree needs its parent unpacked first
        return
    staged = store.stage_layer(io.BytesIO(TOP))
    base = store.apply_layer(io.BytesIO(BASE))
    layer = store.commit_staged(staged, base.chain_id)
    assert layer.chain_id == chain_id(base.chain_id, sha256_digest(TOP))
    assert sorted(os.listdir(os.path.join(store.layer_path(layer.chain_id), "bin"))) == ["y"]
    assert os.listdir(os.path.join(store.root, "staging")) == []
