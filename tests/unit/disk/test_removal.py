"""Trees handed to the background removal are deleted (in order, one thread), and a tree
already gone or half deleted is no error."""

import os

from dockyard.disk.removal import remove_later, wait_idle


def test_trees_handed_over_are_deleted_in_the_background(tmp_path):
    trees = []
    for n in range(3):
        tree = tmp_path / f"t{n}"
        (tree / "a" / "b").mkdir(parents=True)
        for i in range(50):
            (tree / "a" / "b" / f"f{i}").write_bytes(b"x")
        trees.append(tree)
    for tree in trees:
        remove_later(str(tree))
    remove_later(str(tmp_path / "never-was"))
    wait_idle()
    assert os.listdir(tmp_path) == []
