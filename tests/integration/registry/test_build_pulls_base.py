"""A build whose FROM names an image held only by a registry pulls it first, as dockerd's builder does."""

import pytest

pytestmark = pytest.mark.root


def test_build_pulls_a_missing_base_image(d, registry, tmp_path):
    ref = f"{registry.address}/base/app:1"
    d.docker("tag", "app:1", ref)
    d.docker("push", ref)
    d.docker("rmi", ref, "app:1")
    (tmp_path / "Dockerfile").write_text(f"FROM {ref}\nRUN cat /srv/greeting > /srv/copy\nCMD [\"cat\", \"/srv/copy\"]\n")

    out = d.docker("build", "-t", "derived:1", str(tmp_path)).stdout
    assert "1: Pulling from base/app" in out and f"Status: Downloaded newer image for {ref}" in out
    assert d.docker("run", "--rm", "derived:1").stdout == "pulled-back\n"
    assert d.docker("image", "inspect", "-f", "{{json .RepoTags}}", ref).stdout.strip() == f'["{ref}"]'   # kept

    again = d.docker("build", "--pull", "-t", "derived:1", str(tmp_path)).stdout
    assert f"Status: Image is up to date for {ref}" in again and again.count("Using cache") == 2


def test_build_from_a_repository_that_is_nowhere(d, registry, tmp_path):
    (tmp_path / "Dockerfile").write_text(f"FROM {registry.address}/nothing/here:1\n")
    result = d.docker("build", str(tmp_path), check=False)
    assert result.returncode != 0 and "manifest unknown" in result.stderr
