"""The Mounter's calls through the syscall seam, recorded: what mount(2) and the new mount API
are asked for each kind of Mount (the real effect is tested by the snapshot contract tests)."""

import pytest

from dockyard.errors import InternalError
from dockyard.snapshots.mount import Mount
from dockyard.snapshots.mounter import OPTIONS_MAX, Mounter
from dockyard.syscalls import RecordingSyscalls
from dockyard.syscalls import constants as c


def test_overlay_is_one_mount_call():
    fake = RecordingSyscalls()
    Mounter(fake).mount(Mount("overlay", "overlay", ("lowerdir=/l1:/l2", "upperdir=/u", "workdir=/w")), "/t")
    assert fake.calls == [("mount", "overlay", "/t", "overlay", 0, "lowerdir=/l1:/l2,upperdir=/u,workdir=/w")]


def test_read_only_bind_is_remounted_with_its_flags():
    fake = RecordingSyscalls()
    Mounter(fake).mount(Mount("bind", "/src", ("rbind", "ro", "nosuid")), "/t")
    bind = c.MS_BIND | c.MS_REC | c.MS_RDONLY | c.MS_NOSUID
    assert fake.calls == [("mount", "/src", "/t", "bind", bind, None),
                          ("mount", None, "/t", None, bind | c.MS_REMOUNT, None)]


def test_overlay_too_long_for_mount_goes_through_fsconfig_one_layer_at_a_time():
    fake = RecordingSyscalls()
    lowers = [f"/layers/{i:04d}/diff" for i in range(OPTIONS_MAX // 10)]
    Mounter(fake).mount(Mount("overlay", "overlay", (f"lowerdir={':'.join(lowers)}", "upperdir=/u", "workdir=/w",
                                                     "nodev")), "/t")
    fs_fd, mnt_fd = 1000, 1001
    assert fake.calls[0] == ("fsopen", "overlay", c.FSOPEN_CLOEXEC)
    assert fake.calls[1:len(lowers) + 1] == [("fsconfig", fs_fd, c.FSCONFIG_SET_STRING, "lowerdir+", lower, 0)
                                             for lower in lowers]
    assert fake.calls[len(lowers) + 1:] == [
        ("fsconfig", fs_fd, c.FSCONFIG_SET_STRING, "upperdir", "/u", 0),
        ("fsconfig", fs_fd, c.FSCONFIG_SET_STRING, "workdir", "/w", 0),
        ("fsconfig", fs_fd, c.FSCONFIG_CMD_CREATE, None, None, 0),
        ("fsmount", fs_fd, c.FSMOUNT_CLOEXEC, c.MOUNT_ATTR_NODEV),
        ("move_mount", mnt_fd, "", c.AT_FDCWD, "/t", c.MOVE_MOUNT_F_EMPTY_PATH),
        ("close", mnt_fd), ("close", fs_fd)]


class Busy(RecordingSyscalls):
    def umount2(self, target, flags):
        super().umount2(target, flags)
        if flags == 0:
            raise OSError(16, "umount: device or resource busy", target)


def test_unmount_detaches_when_a_plain_unmount_fails_or_when_lazy():
    fake = Busy()
    Mounter(fake).unmount("/t")
    Mounter(fake).unmount("/u", lazy=True)
    assert fake.calls == [("umount2", "/t", 0), ("umount2", "/t", c.MNT_DETACH), ("umount2", "/u", c.MNT_DETACH)]


class Failing(RecordingSyscalls):
    def mount(self, source, target, fstype, flags, data):
        raise OSError(2, "mount: no such file or directory", target)


def test_failures_are_internal_errors_naming_the_mount():
    with pytest.raises(InternalError, match="^mount overlay on /t: No such file or directory$"):
        Mounter(Failing()).mount(Mount("overlay", "overlay", ("lowerdir=/l",)), "/t")
