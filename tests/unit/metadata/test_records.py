import json

from dockyard.metadata.records import RecordStore


def test_records_are_written_atomically_and_listed(tmp_path):
    store = RecordStore(tmp_path / "r")
    store.put("a", {"x": 1})
    store.put("b", {"y": 2})
    (tmp_path / "r" / ".c.json.tmp").write_text("{torn")  # a crash before rename
    assert dict(store.items()) == {"a": {"x": 1}, "b": {"y": 2}}
    store.delete("a")
    store.delete("missing")
    assert [key for key, _ in store.items()] == ["b"]


def test_put_replaces_whole_records(tmp_path):
    store = RecordStore(tmp_path)
    store.put("f", [1])
    store.put("f", [2], durable=False)
    assert json.loads((tmp_path / "f.json").read_text()) == [2]
    assert [p.name for p in tmp_path.iterdir()] == ["f.json"]


def test_records_of_another_suffix_share_the_directory(tmp_path):
    mounts, state = RecordStore(tmp_path, ".json"), RecordStore(tmp_path, ".state")
    mounts.put("c1", {"mounts": []})
    state.put("c1", {"seeded": True}, durable=False)
    assert mounts.keys() == state.keys() == ["c1"]
    assert state.get("c1") == {"seeded": True}
    assert state.delete("c1", durable=False) and mounts.get("c1") == {"mounts": []}


def test_an_unreadable_record_reads_as_missing(tmp_path):
    store = RecordStore(tmp_path)
    store.put("good", 1)
    (tmp_path / "bad.json").write_text("{damaged")
    assert store.get("bad", "default") == "default"
    assert dict(store.items()) == {"good": 1}


def test_the_temp_files_of_interrupted_writes_go_when_the_store_is_opened(tmp_path):
    store = RecordStore(tmp_path)
    store.put("kept", {"a": 1})
    (tmp_path / ".tmp-0123456789ab").write_text('{"half": ')   # a write a kill -9 interrupted
    reopened = RecordStore(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kept.json"]
    assert reopened.get("kept") == {"a": 1}
