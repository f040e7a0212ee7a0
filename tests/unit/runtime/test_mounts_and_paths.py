import os

from dockyard.syscalls.mount_options import parse_mount_options, statvfs_mount_flags
from dockyard.runtime.paths import secure_join
from dockyard.syscalls import constants as c


def test_flags_propagation_and_data_are_separated():
    opts = parse_mount_options(["rbind", "ro", "nosuid", "rprivate", "size=64m", "mode=1777"])
    assert opts.flags == c.MS_BIND | c.MS_REC | c.MS_RDONLY | c.MS_NOSUID
    assert opts.propagation == [c.MS_PRIVATE | c.MS_REC]
    assert opts.data_string == "size=64m,mode=1777"
    assert opts.is_bind


def test_later_options_win():
    assert parse_mount_options(["ro", "rw"]).flags == 0
    assert parse_mount_options(["noexec", "exec", "nodev"]).flags == c.MS_NODEV


def test_statvfs_flags_map_to_mount_flags():
    st_rdonly, st_nosuid, st_relatime = 1, 2, 4096
    assert statvfs_mount_flags(st_rdonly | st_nosuid | st_relatime) == \
        c.MS_RDONLY | c.MS_NOSUID | c.MS_RELATIME


def test_secure_join_keeps_symlinks_inside_the_root(tmp_path):
    root = tmp_path / "root"
    (root / "etc").mkdir(parents=True)
    os.symlink("/etc", root / "abs")
    os.symlink("../../../../etc", root / "up")
    os.symlink("loop", root / "loop")
    assert secure_join(str(root), "/abs/passwd") == f"{root}/etc/passwd"
    assert secure_join(str(root), "/up/x") == f"{root}/etc/x"
    assert secure_join(str(root), "../../x/./y") == f"{root}/x/y"
    try:
        secure_join(str(root), "/loop/x")
    except OSError as exc:
        assert "symbolic links" in str(exc)
    else:
        raise AssertionError("a symlink loop must fail")
