import pytest

from dockyard.dockerfile.ignore import IgnoreMatcher, read_patterns


@pytest.mark.parametrize("patterns, path, ignored", [
    (["secret.env"], "secret.env", True),
    (["secret.env"], "sub/secret.env", False),
    (["*.env"], "a.env", True),
    (["*.env"], "sub/a.env", False),
    (["**/*.env"], "sub/deep/a.env", True),
    (["**/*.env"], "a.env", True),
    (["node_modules"], "node_modules/x/y.js", True),   # a parent directory matches
    (["/build"], "build/out", True),
    (["./build/"], "build", True),
    (["a?c"], "abc", True),
    (["a?c"], "a/c", False),
    (["[a-c]x"], "bx", True),
    (["docs", "!docs/keep.md"], "docs/keep.md", False),
    (["docs", "!docs/keep.md"], "docs/other.md", True),
    (["*.md", "!README.md", "README.md"], "README.md", True),   # the last match wins
    (["**"], "anything/at/all", True),
    (["dir/**/x"], "dir/x", True),
    (["dir/**/x"], "dir/a/b/x", True),
])
def test_docker_pattern_semantics(patterns, path, ignored):
    assert IgnoreMatcher(patterns).ignored(path) is ignored


def test_read_patterns_drops_comments_and_blanks():
    assert read_patterns("# c\n\n  *.log  \n!keep.log\n") == ["*.log", "!keep.log"]


def test_reinclusion_under_an_ignored_directory_is_detected():
    matcher = IgnoreMatcher(["docs", "!docs/keep.md"])
    assert matcher.may_reinclude_under("docs")
    assert not IgnoreMatcher(["docs"]).may_reinclude_under("docs")


from hypothesis import given, strategies as st  # noqa: E402

_SEGMENT = st.text(alphabet="abcxyz._-", min_size=1, max_size=6).filter(lambda s: s not in (".", ".."))


@given(st.lists(_SEGMENT, min_size=1, max_size=5), st.integers(min_value=1, max_value=5))
def test_a_literal_prefix_ignores_everything_under_it_and_negation_undoes_it(segments, depth):
    path = "/".join(segments)
    prefix = "/".join(segments[:depth])
    assert IgnoreMatcher([prefix]).ignored(path)
    assert IgnoreMatcher(["/" + prefix + "/"]).ignored(path)
    assert not IgnoreMatcher([prefix, "!" + path]).ignored(path)
    assert IgnoreMatcher(["**"]).ignored(path)
