"""A device-backed volume's mount(2) calls, recorded: `mount -t type -o o device target` as the
local driver performs it (flags, then propagation, then a read-only bind's remount)."""

from dockyard.syscalls import RecordingSyscalls
from dockyard.syscalls import constants as c
from dockyard.volumes.kernel import mount_filesystem


def test_tmpfs_with_data_and_flags():
    fake = RecordingSyscalls()
    mount_filesystem(fake, "tmpfs", "/v", "tmpfs", "size=1m,uid=1000,noexec,defaults")
    assert fake.calls == [("mount", "tmpfs", "/v", "tmpfs", c.MS_NOEXEC, "size=1m,uid=1000")]


def test_read_only_bind_with_propagation():
    fake = RecordingSyscalls()
    mount_filesystem(fake, "/src", "/v", "", "bind,ro,rshared")
    plain = c.MS_BIND | c.MS_REC | c.MS_RDONLY  # rshared's MS_REC makes the bind recursive too
    assert fake.calls == [("mount", "/src", "/v", None, plain, None),
                          ("mount", "", "/v", None, c.MS_SHARED | c.MS_REC, None),
                          ("mount", "", "/v", None, plain | c.MS_REMOUNT, None)]


def test_a_bare_remount_changes_flags_only():
    fake = RecordingSyscalls()
    mount_filesystem(fake, "", "/v", "", "remount,private")
    assert fake.calls == [("mount", "", "/v", None, c.MS_PRIVATE, None)]
