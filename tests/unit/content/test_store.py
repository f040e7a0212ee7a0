import io
import os

import pytest

from dockyard.content.store import ContentStore
from dockyard.errors import InvalidArgument, NotFound
from dockyard.metadata import atomic
from dockyard.metadata.records import RecordStore
from dockyard.oci.digest import sha256_digest


def test_ingest_is_verified_visible_and_idempotent(tmp_path):
    store = ContentStore(str(tmp_path))
    data = b"hello" * 1000
    d = sha256_digest(data)
    assert store.write(data, expected=d) == d
    assert store.read(d) == data
    assert store.write(data) == d
    assert list(store.digests()) == [d]
    assert os.listdir(store.ingest_dir) == []


def test_wrong_expected_digest_leaves_nothing(tmp_path):
    store = ContentStore(str(tmp_path))
    with pytest.raises(InvalidArgument, match="digest mismatch"):
        store.ingest_file(io.BytesIO(b"data"), expected=sha256_digest(b"other"))
    assert list(store.digests()) == []
    assert os.listdir(store.ingest_dir) == []


def test_corrupted_blob_fails_verification_on_read(tmp_path):
    store = ContentStore(str(tmp_path))
    d = store.write(b"original")
    with open(store.path(d), "wb") as f:
        f.write(b"tampered")
    assert not store.verify(d)
    with pytest.raises(InvalidArgument, match="digest mismatch"):
        store.read(d)


def test_missing_blob_is_not_found(tmp_path):
    store = ContentStore(str(tmp_path))
    with pytest.raises(NotFound):
        store.open(sha256_digest(b"x"))


def test_ingest_file_respects_limit(tmp_path):
    store = ContentStore(str(tmp_path))
    d, size = store.ingest_file(io.BytesIO(b"abcdef"), limit=3)
    assert (size, store.read(d)) == (3, b"abc")


def test_atomic_write_replaces_whole_file(tmp_path):
    path = str(tmp_path / "r.json")
    atomic.write_json(path, {"a": 1})
    atomic.write_json(path, {"a": 2})
    assert atomic.read_json(path) == {"a": 2}
    assert os.listdir(tmp_path) == ["r.json"]


def test_record_store_round_trip_and_key_validation(tmp_path):
    records = RecordStore(str(tmp_path / "recs"))
    records.put("abc", {"x": [1]})
    assert records.get("abc") == {"x": [1]}
    assert dict(records.items()) == {"abc": {"x": [1]}}
    assert records.delete("abc") and not records.delete("abc")
    with pytest.raises(ValueError):
        records.put("../evil", {})


def test_partial_ingests_left_by_a_crash_are_discarded(tmp_path):
    store = ContentStore(str(tmp_path))
    writer = store.writer()
    writer.write(b"half")
    writer.file.flush()  # the process "dies" here: no commit, no abort
    ContentStore(str(tmp_path)).discard_partial_ingests()
    assert os.listdir(store.ingest_dir) == [] and list(store.digests()) == []
