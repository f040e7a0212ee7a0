import os

from dockyard.disk.usage import tree_size


def test_hard_links_count_once_symlinks_count_directories_do_not(tmp_path):
    (tmp_path / "sub" / "deeper").mkdir(parents=True)
    (tmp_path / "a").write_bytes(b"x" * 1000)
    os.link(tmp_path / "a", tmp_path / "sub" / "b")
    os.link(tmp_path / "a", tmp_path / "sub" / "deeper" / "c")
    (tmp_path / "sub" / "d").write_bytes(b"y" * 24)
    os.symlink("/a/target", tmp_path / "link")       # 9 bytes of target
    os.symlink("/nowhere", tmp_path / "sub" / "dangling")
    assert tree_size(str(tmp_path)) == 1000 + 24 + len("/a/target") + len("/nowhere")


def test_a_missing_tree_is_empty(tmp_path):
    assert tree_size(str(tmp_path / "gone")) == 0
