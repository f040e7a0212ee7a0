"""The one resolver of a path inside a root: the kernel's answer (openat2 RESOLVE_IN_ROOT) and
the Python walk agree, and neither ever leaves the root."""

import os

import pytest

from dockyard.confined import paths
from dockyard.confined.paths import resolve_in_root, walk


@pytest.fixture(params=["kernel", "walk"])
def resolver(request, monkeypatch):
    if request.param == "walk":
        monkeypatch.setattr(paths, "available", lambda: False)
    elif not paths.available():
        pytest.skip("the kernel has no openat2")
    return resolve_in_root


@pytest.fixture
def root(tmp_path):
    root = tmp_path / "root"
    (root / "etc/app").mkdir(parents=True)
    (root / "etc/passwd").write_text("x")
    os.symlink("/etc", root / "abs")
    os.symlink("../../../../etc", root / "up")
    os.symlink("loop", root / "loop")
    os.symlink("/etc/app", root / "alias")
    os.symlink("/missing/target", root / "dangling")
    return root


def test_symlinks_and_dotdot_stay_inside_the_root(resolver, root):
    assert resolver(str(root), "/abs/passwd") == f"{root}/etc/passwd"
    assert resolver(str(root), "/up/x") == f"{root}/etc/x"
    assert resolver(str(root), "../../x/./y") == f"{root}/x/y"
    assert resolver(str(root), "/alias") == f"{root}/etc/app"
    assert resolver(str(root), "/../../etc") == f"{root}/etc"
    assert resolver(str(root), "/missing/x") == f"{root}/missing/x"
    assert resolver(str(root), "/dangling/x") == f"{root}/missing/target/x"
    assert resolver(str(root), "/") == str(root)


def test_the_last_component_may_be_left_unfollowed(resolver, root):
    assert resolver(str(root), "/up/alias", follow_last=False) == f"{root}/etc/alias"
    assert resolver(str(root), "/alias", follow_last=False) == f"{root}/alias"
    assert resolver(str(root), "/alias/", follow_last=False) == f"{root}/etc/app"
    assert resolver(str(root), "/alias/.", follow_last=False) == f"{root}/etc/app"


def test_loops_are_an_error(resolver, root):
    with pytest.raises(OSError, match="symbolic links"):
        resolver(str(root), "/loop/x")


def test_walk_is_the_rule_in_python(root):
    assert walk(str(root), "/abs/../up/passwd") == f"{root}/etc/passwd"
