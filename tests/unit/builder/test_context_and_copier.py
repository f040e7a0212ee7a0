"""Context confinement, COPY destination rules and source checksums, on plain directories."""

import io
import os
import tarfile

import pytest

from dockyard.builder.context import BuildContext, resolve_sources
from dockyard.builder.copier import CopyOptions, HashBudget, OverBudget, copy_sources, sources_digest
from dockyard.errors import InvalidArgument, NotFound

KEEP = CopyOptions(owner=None)


def _tar(entries) -> io.BytesIO:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as tar:
        for name, data, kind in entries:
            info = tarfile.TarInfo(name)
            if kind == "link":
                info.type, info.linkname = tarfile.SYMTYPE, data
                tar.addfile(info)
            else:
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    out.seek(0)
    return out


@pytest.fixture
def context(tmp_path):
    stream = _tar([("Dockerfile", b"FROM x\n", "file"), ("a.txt", b"a", "file"), ("dir/b.txt", b"b", "file"),
                   ("dir/sub/c.txt", b"c", "file"), ("escape", "/etc/passwd", "link"),
                   (".dockerignore", b"Dockerfile\n", "file")])
    ctx = BuildContext.unpack(stream, str(tmp_path / "work"))
    yield ctx
    ctx.remove()


def test_hostile_entries_stay_inside_and_ignored_specials_go(context):
    assert context.read_dockerfile("Dockerfile") == "FROM x\n"
    assert not os.path.exists(os.path.join(context.root, "Dockerfile"))   # .dockerignore excludes it
    with pytest.raises(NotFound, match="Cannot locate specified Dockerfile: other"):
        context.read_dockerfile("other")


def test_an_entry_leading_out_of_the_context_is_refused(tmp_path):
    with pytest.raises(InvalidArgument, match="outside of the layer"):
        BuildContext.unpack(_tar([("../../evil", b"x", "file")]), str(tmp_path / "work"))
    assert not (tmp_path / "evil").exists() and os.listdir(tmp_path / "work") == []


def test_sources_are_confined_and_wildcards_expand(context):
    with pytest.raises(InvalidArgument, match="forbidden path outside the build context"):
        resolve_sources(context.root, ["../x"], "COPY")
    with pytest.raises(NotFound):                 # /etc/passwd of the context (none), never the host's
        resolve_sources(context.root, ["escape"], "COPY")
    with pytest.raises(NotFound, match="file not found in build context"):
        resolve_sources(context.root, ["nope"], "COPY")
    assert [rel for _, rel in resolve_sources(context.root, ["dir/*.txt", "*.txt"], "COPY")] == ["dir/b.txt", "a.txt"]
    with pytest.raises(InvalidArgument, match="no source files"):
        resolve_sources(context.root, ["*.nope"], "COPY")


def test_destination_rules(context, tmp_path):
    root = tmp_path / "root"
    (root / "existing").mkdir(parents=True)
    sources = lambda *names: resolve_sources(context.root, list(names), "COPY")  # noqa: E731
    copy_sources(sources("a.txt"), str(root), "/new/file", KEEP)
    copy_sources(sources("a.txt"), str(root), "/existing", KEEP)
    copy_sources(sources("a.txt"), str(root), "/made/", KEEP)
    copy_sources(sources("dir"), str(root), "/tree", KEEP)
    assert (root / "new/file").read_bytes() == b"a"
    assert (root / "existing/a.txt").read_bytes() == b"a"
    assert (root / "made/a.txt").exists()
    assert (root / "tree/b.txt").exists() and (root / "tree/sub/c.txt").exists() and not (root / "tree/dir").exists()
    with pytest.raises(InvalidArgument, match="must be a directory and end with a /"):
        copy_sources(sources("a.txt", "dir"), str(root), "/many", KEEP)


def test_destination_symlinks_resolve_inside_the_root(context, tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    os.symlink("/", root / "up")
    copy_sources(resolve_sources(context.root, ["a.txt"], "COPY"), str(root), "/up/../../x.txt", KEEP)
    assert (root / "x.txt").read_bytes() == b"a"


def test_add_unpacks_local_archives(tmp_path):
    archive = tmp_path / "ctx" / "bundle.tar.gz"
    archive.parent.mkdir()
    archive.write_bytes(_tar([("inner/f", b"f", "file")]).getvalue())
    root = tmp_path / "root"
    root.mkdir()
    copy_sources([(str(archive), "bundle.tar.gz")], str(root), "/opt/", CopyOptions(owner=None, extract_archives=True))
    assert (root / "opt/inner/f").read_bytes() == b"f"


def test_chmod_applies(context, tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    copy_sources(resolve_sources(context.root, ["a.txt"], "COPY"), str(root), "/a", CopyOptions(owner=None, chmod=0o600))
    assert os.stat(root / "a").st_mode & 0o777 == 0o600


def test_checksum_follows_content_names_and_modes(context):
    first = sources_digest(resolve_sources(context.root, ["dir"], "COPY"))
    assert first.startswith("dir:")
    assert first == sources_digest(resolve_sources(context.root, ["dir"], "COPY"))
    with open(os.path.join(context.root, "dir/b.txt"), "w") as f:
        f.write("changed")
    assert sources_digest(resolve_sources(context.root, ["dir"], "COPY")) != first
    assert sources_digest(resolve_sources(context.root, ["a.txt"], "COPY")).startswith("file:")
    assert sources_digest(resolve_sources(context.root, ["a.txt", "dir"], "COPY")).startswith("multi:")


def test_a_budgeted_checksum_is_the_same_within_its_budget_and_gives_up_beyond_it(context):
    sources = resolve_sources(context.root, ["a.txt", "dir"], "COPY")
    # four entries (a.txt; dir's b.txt, sub, sub/c.txt), three bytes of files
    assert sources_digest(sources, budget=HashBudget(entries=4, size=3)) == sources_digest(sources)
    with pytest.raises(OverBudget):
        sources_digest(sources, budget=HashBudget(entries=3, size=3))
    with pytest.raises(OverBudget):
        sources_digest(sources, budget=HashBudget(entries=4, size=2))
