import pytest
from hypothesis import given, strategies as st

from dockyard.errors import InvalidArgument
from dockyard.oci import reference

D = "sha256:" + "ab" * 32


@pytest.mark.parametrize("text, full, familiar", [
    ("busybox", "docker.io/library/busybox", "busybox"),
    ("busybox:1.36", "docker.io/library/busybox:1.36", "busybox:1.36"),
    ("library/busybox", "docker.io/library/busybox", "busybox"),
    ("index.docker.io/busybox", "docker.io/library/busybox", "busybox"),
    ("user/app:v1", "docker.io/user/app:v1", "user/app:v1"),
    ("localhost:5000/a/b:t", "localhost:5000/a/b:t", "localhost:5000/a/b:t"),
    ("localhost/x", "localhost/x", "localhost/x"),
    ("127.0.0.1:5000/bb", "127.0.0.1:5000/bb", "127.0.0.1:5000/bb"),
    (f"busybox@{D}", f"docker.io/library/busybox@{D}", f"busybox@{D}"),
    (f"a.io/x:1@{D}", f"a.io/x:1@{D}", f"a.io/x:1@{D}"),
])
def test_normalisation(text, full, familiar):
    ref = reference.parse(text)
    assert str(ref) == full
    assert ref.familiar() == familiar


def test_default_tag():
    assert str(reference.parse("busybox").with_default_tag()) == "docker.io/library/busybox:latest"
    assert reference.parse(f"busybox@{D}").with_default_tag().tag is None


@pytest.mark.parametrize("text, message", [
    ("Busybox", "repository name (library/Busybox) must be lowercase"),
    ("a" * 64, "cannot specify 64-byte hexadecimal strings"),
    ("", "invalid reference format"),
    ("bb:tag:x", "invalid reference format"),
    ("-bad", "invalid reference format"),
    ("a/" + "b" * 300, "must not be more than 255 characters"),
    ("bb@sha256:abc", "invalid reference format"),
])
def test_invalid_names_are_rejected_with_dockers_wording(text, message):
    with pytest.raises(InvalidArgument, match=message.replace("(", r"\(").replace(")", r"\)")):
        reference.parse(text)


def test_repository_tag_pair():
    assert str(reference.parse_repository_tag("bb", "1")) == "docker.io/library/bb:1"
    assert str(reference.parse_repository_tag("bb", None)) == "docker.io/library/bb:latest"
    with pytest.raises(InvalidArgument, match="invalid tag format"):
        reference.parse_repository_tag("bb", "-x")


alnum = st.text("abcxyz019", min_size=1, max_size=6)
component = st.builds(lambda a, sep, b: a + sep + b if sep is not None else a,
                      alnum, st.sampled_from([None, "-", "_", "__", "."]), alnum)
# A dot in the first component of a docker.io name would read back as a registry host,
# exactly as in Docker, so the first component is generated without one.
first_component = st.builds(lambda a, sep, b: a + sep + b if sep is not None else a,
                            alnum, st.sampled_from([None, "-", "_"]), alnum)
domains = st.sampled_from([None, "docker.io", "localhost:5000", "reg.example.com", "127.0.0.1:5000"])
tags = st.one_of(st.none(), st.builds(lambda a, b: a + b, st.text("aZ9_", min_size=1, max_size=1),
                                      st.text("aZ9_.-", max_size=10)))


@given(domains, first_component, st.lists(component, max_size=2), tags)
def test_round_trip_through_familiar_and_full_forms(domain, first, rest, tag):
    path = [first, *rest]
    text = "/".join(([domain] if domain else []) + path) + (f":{tag}" if tag else "")
    ref = reference.parse(text)
    assert reference.parse(str(ref)) == ref
    assert reference.parse(ref.familiar()) == ref
    assert ref.tag == tag
