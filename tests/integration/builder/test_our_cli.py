"""`dockyard build` (our CLI and client) against a real dockyardd."""

import pytest

pytestmark = pytest.mark.root


def test_dockyard_build_with_ignore_args_iidfile_and_failure_code(busybox, tmp_path):
    iid = tmp_path / "iid"
    tmp_path = tmp_path / "ctx"
    tmp_path.mkdir()
    (tmp_path / "Dockerfile").write_text(
        "FROM busybox\nARG WHO=nobody\nCOPY . /ctx/\nRUN echo \"hi $WHO\" > /who && ls /ctx > /listing\n"
        'CMD ["cat", "/who"]\n')
    (tmp_path / "keep.txt").write_text("k")
    (tmp_path / "debug.log").write_text("d")
    (tmp_path / ".dockerignore").write_text("*.log\n")
    out = busybox.dockyard("build", "-t", "ours/built:1", "--build-arg", "WHO=you", "--iidfile", str(iid),
                           str(tmp_path)).stdout
    assert "Step 4/5 : RUN" in out and "Successfully tagged ours/built:1" in out
    assert iid.read_text().startswith("sha256:")
    assert busybox.docker("run", "--rm", "ours/built:1").stdout == "hi you\n"
    listing = busybox.docker("run", "--rm", "ours/built:1", "cat", "/listing").stdout.split()
    assert "keep.txt" in listing and "Dockerfile" in listing and "debug.log" not in listing
    again = busybox.dockyard("build", "-q", "-t", "ours/built:1", "--build-arg", "WHO=you", str(tmp_path)).stdout
    assert again.strip() == iid.read_text()                    # fully cached: the same image
    (tmp_path / "Dockerfile").write_text("FROM busybox\nRUN exit 7\n")
    failed = busybox.dockyard("build", "--force-rm", str(tmp_path), check=False)
    assert failed.returncode == 7 and "returned a non-zero code: 7" in failed.stderr
