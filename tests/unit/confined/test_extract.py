import io
import os
import stat

import pytest

from dockyard.errors import InvalidArgument
from dockyard.wire import tar_paths
from dockyard.confined.extract import DELETE, OVERLAY, Extractor, Options
from tests.support.layers import entry, layer_tar


def extract(root, *entries, mode=OVERLAY):
    return Extractor(str(root), Options(whiteouts=mode)).extract(io.BytesIO(layer_tar(*entries)))


@pytest.fixture
def jail(tmp_path):
    root = tmp_path / "layer"
    root.mkdir()
    (tmp_path / "outside").mkdir()
    return root


def outside_untouched(tmp_path):
    return os.listdir(tmp_path / "outside") == []


def test_files_dirs_links_and_metadata(jail):
    size = extract(jail, entry("etc", "d", mode=0o700), entry("etc/passwd", data=b"root:x:0:0\n", mode=0o640, uid=5, gid=6),
                   entry("bin/sh", "l", link="/bin/busybox"), entry("bin/busybox", data=b"BB", mode=0o755),
                   entry("bin/ls", "h", link="bin/busybox"), entry("run/fifo", "p"))
    assert size == len(b"root:x:0:0\n") + 2
    st = os.lstat(jail / "etc/passwd")
    assert (stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid, st.st_mtime) == (0o640, 5, 6, 1_700_000_000)
    assert stat.S_IMODE(os.stat(jail / "etc").st_mode) == 0o700
    assert os.stat(jail / "etc").st_mtime == 1_700_000_000
    assert os.readlink(jail / "bin/sh") == "/bin/busybox"
    assert os.stat(jail / "bin/ls").st_ino == os.stat(jail / "bin/busybox").st_ino
    assert stat.S_ISFIFO(os.lstat(jail / "run/fifo").st_mode)


def test_dotdot_entries_are_refused(jail, tmp_path):
    with pytest.raises(InvalidArgument, match="outside of the layer"):
        extract(jail, entry("../outside/evil", data=b"x"))
    assert outside_untouched(tmp_path)


def test_absolute_names_are_made_relative(jail, tmp_path):
    extract(jail, entry(f"{tmp_path}/outside/abs", data=b"x"))
    assert outside_untouched(tmp_path)
    assert (jail / str(tmp_path).lstrip("/") / "outside/abs").read_bytes() == b"x"


def test_symlink_escape_cannot_be_written_through(jail, tmp_path):
    extract(jail, entry("escape", "l", link=str(tmp_path / "outside")),
            entry("escape/pwned", data=b"x"),
            entry("rel", "l", link="../../outside"), entry("rel/pwned2", data=b"x"))
    assert outside_untouched(tmp_path)
    # symlinks resolve as if the layer were the root: the writes land inside it
    assert (jail / str(tmp_path).lstrip("/") / "outside/pwned").read_bytes() == b"x"
    assert (jail / "outside/pwned2").read_bytes() == b"x"


def test_symlink_as_final_component_is_replaced_not_followed(jail, tmp_path):
    target = tmp_path / "outside" / "victim"
    extract(jail, entry("f", "l", link=str(target)), entry("f", data=b"new"))
    assert not target.exists()
    assert (jail / "f").read_bytes() == b"new"


def test_hardlink_escape_is_refused(jail, tmp_path):
    secret = tmp_path / "secret"
    secret.write_bytes(b"s")
    with pytest.raises(InvalidArgument, match="outside of the layer"):
        extract(jail, entry("h", "h", link="../secret"))
    with pytest.raises(InvalidArgument, match="not in the layer"):
        extract(jail, entry("h2", "h", link=str(secret)))
    assert os.stat(secret).st_nlink == 1


def test_hardlink_through_symlink_dir_stays_inside(jail, tmp_path):
    (tmp_path / "outside" / "file").write_bytes(b"s")
    with pytest.raises(InvalidArgument):
        extract(jail, entry("d", "l", link=str(tmp_path / "outside")), entry("h", "h", link="d/file"))
    assert os.stat(tmp_path / "outside" / "file").st_nlink == 1


def test_device_nodes_are_skipped(jail):
    info, data = entry("dev/sda", "c")
    info.devmajor, info.devminor = 8, 0
    extract(jail, (info, data), entry("dev/ok", data=b"1"))
    assert sorted(os.listdir(jail / "dev")) == ["ok"]


def test_duplicate_entries_last_one_wins(jail):
    extract(jail, entry("x", data=b"one"), entry("x", "d"), entry("x/y", data=b"2"), entry("x", data=b"three"))
    assert (jail / "x").read_bytes() == b"three"


def test_truncated_stream_fails_cleanly(jail):
    data = layer_tar(entry("big", data=b"z" * 100_000))
    with pytest.raises(InvalidArgument, match="invalid tar archive|unexpected end"):
        Extractor(str(jail), Options(whiteouts=OVERLAY)).extract(io.BytesIO(data[:50_000]))


def test_an_archive_ending_right_after_the_last_data_is_whole_as_for_go(jail):
    """The docker CLI sends `build -f - DIR` contexts without the last padding and end blocks."""
    data = layer_tar(entry("Dockerfile", data=b"FROM x\n"), entry(".dockerignore", data=b"x" * 47))
    end_of_data = data.index(b"x" * 47) + 47
    Extractor(str(jail), Options(whiteouts=OVERLAY)).extract(io.BytesIO(data[:end_of_data]))
    assert (jail / "Dockerfile").read_bytes() == b"FROM x\n" and (jail / ".dockerignore").read_bytes() == b"x" * 47
    with pytest.raises(InvalidArgument, match="unexpected end of data"):
        Extractor(str(jail.parent / "outside"), Options(whiteouts=OVERLAY)).extract(io.BytesIO(data[:end_of_data - 1]))


def test_garbage_is_not_an_archive(jail):
    with pytest.raises(InvalidArgument):
        Extractor(str(jail), Options(whiteouts=OVERLAY)).extract(io.BytesIO(b"\x01" * 2048))


def test_overlay_whiteouts(jail):
    extract(jail, entry("a", "d"), entry("a/.wh..wh..opq"), entry("a/.wh.gone"), entry("a/kept", data=b"k"))
    st = os.lstat(jail / "a/gone")
    assert stat.S_ISCHR(st.st_mode) and st.st_rdev == 0
    assert os.getxattr(jail / "a", "trusted.overlay.opaque") == b"y"
    assert not (jail / "a/.wh.gone").exists()


def test_delete_whiteouts_remove_lower_entries(jail):
    extract(jail, entry("a", "d"), entry("a/old", data=b"o"), entry("a/sub", "d"), entry("a/sub/f", data=b"x"),
            entry("b", "d"), entry("b/x", data=b"x"), entry("b/y", data=b"y"), mode=DELETE)
    extract(jail, entry("a", "d"), entry("a/.wh..wh..opq"), entry("a/new", data=b"n"),
            entry("b/.wh.x"), mode=DELETE)
    assert sorted(os.listdir(jail / "a")) == ["new"]
    assert sorted(os.listdir(jail / "b")) == ["y"]


def test_forged_overlay_xattrs_are_dropped(jail):
    extract(jail, entry("d", "d", pax={"SCHILY.xattr.trusted.overlay.opaque": "y",
                                       "SCHILY.xattr.user.note": "hi"}))
    assert os.getxattr(jail / "d", "user.note") == b"hi"
    with pytest.raises(OSError):
        os.getxattr(jail / "d", "trusted.overlay.opaque")


def test_clean_name_and_whiteout_kinds():
    assert tar_paths.clean_name("./a//b/./c") == "a/b/c"
    assert tar_paths.clean_name("/") == ""
    assert tar_paths.whiteout_kind("a/.wh.b") == ("remove", "a/b")
    assert tar_paths.whiteout_kind("a/.wh..wh..opq") == ("opaque", "a")
    assert tar_paths.whiteout_kind("a/.wh..wh.plnk") == ("meta", "a/.wh..wh.plnk")
    assert tar_paths.whiteout_kind("a/b") is None


def test_extract_file_copies_contents_in_the_kernel_and_keeps_metadata(jail, tmp_path):
    data = os.urandom(300_000)
    archive = tmp_path / "layer.tar"
    archive.write_bytes(layer_tar(entry("d", "d"), entry("d/big", data=data, mode=0o600),
                                  entry("d/empty"), entry("d/link", "h", link="d/big", mode=0o600)))
    size = Extractor(str(jail), Options(whiteouts=OVERLAY)).extract_file(str(archive))
    assert size == len(data)
    assert (jail / "d/big").read_bytes() == data and (jail / "d/empty").read_bytes() == b""
    assert stat.S_IMODE(os.stat(jail / "d/big").st_mode) == 0o600
    assert os.stat(jail / "d/link").st_ino == os.stat(jail / "d/big").st_ino


def test_extract_file_of_truncated_archive_fails_cleanly(jail, tmp_path):
    archive = tmp_path / "layer.tar"
    archive.write_bytes(layer_tar(entry("big", data=b"z" * 100_000))[:50_000])
    with pytest.raises(InvalidArgument, match="invalid tar archive|unexpected end"):
        Extractor(str(jail), Options(whiteouts=OVERLAY)).extract_file(str(archive))


def test_extract_file_refuses_escapes_too(jail, tmp_path):
    archive = tmp_path / "layer.tar"
    archive.write_bytes(layer_tar(entry("../outside/evil", data=b"x")))
    with pytest.raises(InvalidArgument, match="outside of the layer"):
        Extractor(str(jail), Options(whiteouts=OVERLAY)).extract_file(str(archive))
    assert outside_untouched(tmp_path)


def test_hardlinks_land_in_their_directory_when_the_descriptor_cache_is_full(jail, monkeypatch):
    from dockyard.confined import extract as module
    monkeypatch.setattr(module, "MAX_OPEN_DIRS", 3)
    dirs = [entry(f"d{i}", "d") for i in range(6)]
    # d0 leaves the cache, so the link's source is looked up while its destination is cached
    extract(jail, *dirs, entry("d0/f", data=b"x"), entry("d1/a"), entry("d2/b"), entry("d3/c"),
            entry("d5/h", "h", link="d0/f"))
    assert os.stat(jail / "d5/h").st_ino == os.stat(jail / "d0/f").st_ino
    assert sorted(os.listdir(jail / "d0")) == ["f"]
