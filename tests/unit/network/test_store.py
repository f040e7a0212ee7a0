import json

from dockyard.network.store import RecordDir


def test_records_are_written_atomically_and_listed(tmp_path):
    store = RecordDir(tmp_path / "r")
    store.put("a", {"x": 1})
    store.put("b", {"y": 2})
    (tmp_path / "r" / ".c.json.tmp").write_text("{torn")  # a crash before rename
    assert store.load_all() == {"a": {"x": 1}, "b": {"y": 2}}
    store.delete("a")
    store.delete("missing")
    assert list(store.load_all()) == ["b"]


def test_put_replaces_whole_records(tmp_path):
    store = RecordDir(tmp_path)
    store.put("f", [1])
    store.put("f", [2], durable=False)
    assert json.loads((tmp_path / "f.json").read_text()) == [2]
    assert [p.name for p in tmp_path.iterdir()] == ["f.json"]
