from dockyard.syscalls.mount_options import parse_mount_options, statvfs_mount_flags
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
