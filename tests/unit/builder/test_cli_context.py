"""The context tar `dockyard build` sends: .dockerignore applied, Dockerfile always in."""

import tarfile

from dockyard.client.build_context import context_tar


def _names(tmp_path, dockerfile=None):
    tar, name = context_tar(str(tmp_path), dockerfile)
    with tarfile.open(fileobj=tar) as archive:
        members = archive.getmembers()
    assert all(m.uid == 0 and m.gid == 0 for m in members)
    return sorted(m.name for m in members), name


def test_ignored_paths_are_left_out_but_dockerfile_and_ignore_file_stay(tmp_path):
    for path in ("Dockerfile", "a.txt", "secret.env", "node_modules/x/y.js", "docs/keep.md", "docs/drop.md"):
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(path)
    (tmp_path / ".dockerignore").write_text("secret.env\nnode_modules\ndocs\n!docs/keep.md\nDockerfile\n.dockerignore\n")
    names, dockerfile = _names(tmp_path)
    assert names == [".dockerignore", "Dockerfile", "a.txt", "docs/keep.md"]
    assert dockerfile == "Dockerfile"


def test_a_dockerfile_outside_the_context_is_added_under_a_generated_name(tmp_path):
    (tmp_path / "ctx").mkdir()
    (tmp_path / "ctx" / "a.txt").write_text("a")
    (tmp_path / "other.df").write_text("FROM busybox\n")
    names, dockerfile = _names(tmp_path / "ctx", str(tmp_path / "other.df"))
    assert dockerfile.startswith(".dockerfile.") and names == sorted(["a.txt", dockerfile])
