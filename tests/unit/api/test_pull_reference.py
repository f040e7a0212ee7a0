import pytest

from dockyard.api.distribution import pull_reference
from dockyard.errors import InvalidArgument

DIGEST = "sha256:" + "4e" * 32


def test_repository_and_tag_as_the_cli_sends_them():
    ref = pull_reference("127.0.0.1:5000/myapp", "latest")
    assert (ref.domain, ref.path, ref.tag, ref.digest) == ("127.0.0.1:5000", "myapp", "latest", None)
    assert str(pull_reference("busybox", "")) == "docker.io/library/busybox:latest"


def test_tag_may_be_a_digest():
    ref = pull_reference("127.0.0.1:5000/myapp", DIGEST)
    assert ref.tag is None and ref.digest == DIGEST
    assert ref.familiar() == f"127.0.0.1:5000/myapp@{DIGEST}"
    assert pull_reference(f"busybox@{DIGEST}", "").digest == DIGEST


def test_bad_names_and_tags_are_invalid():
    with pytest.raises(InvalidArgument):
        pull_reference("team/Busybox", "1")
    with pytest.raises(InvalidArgument):
        pull_reference("busybox", "bad tag")
