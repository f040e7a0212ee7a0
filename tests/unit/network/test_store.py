import json

from dockyard.network.store import RecordDir, write_json


def test_records_are_written_atomically_and_listed(tmp_path):
    store = RecordDir(tmp_path / "r")
    store.put("a", {"x": 1})
    store.put("b", {"y": 2})
    (tmp_path / "r" / ".c.json.tmp").write_text("{torn")  # a crash before rename
    assert store.load_all() == {"a": {"x": 1}, "b": {"y": 2}}
    store.delete("a")
    store.delete("missing")
    assert list(store.load_all()) == ["b"]


def test_write_json_replaces(tmp_path):
    path = tmp_path / "f.json"
    write_json(path, [1])
    write_json(path, [2])
    assert json.loads(path.read_text()) == [2]
    assert [p.name for p in tmp_path.iterdir()] == ["f.json"]
