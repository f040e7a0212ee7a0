"""A Syscalls fake that records calls instead of making them, for tests of plans. Calls that
return a file descriptor return made-up ones, counting up from 1000."""

import itertools


class RecordingSyscalls:
    def __init__(self) -> None:
        self.calls: list[tuple] = []
        self.caps = (0, 0, 0)
        self._fds = itertools.count(1000)

    def _record(self, *call) -> None:
        self.calls.append(call)

    def unshare(self, flags):
        self._record("unshare", flags)

    def setns(self, fd, nstype):
        self._record("setns", fd, nstype)

    def mount(self, source, target, fstype, flags, data):
        self._record("mount", source, target, fstype, flags, data)

    def umount2(self, target, flags):
        self._record("umount2", target, flags)

    def fsopen(self, fstype, flags):
        self._record("fsopen", fstype, flags)
        return next(self._fds)

    def fsconfig(self, fs_fd, cmd, key, value, aux=0):
        self._record("fsconfig", fs_fd, cmd, key, value, aux)

    def fsmount(self, fs_fd, flags, attr_flags):
        self._record("fsmount", fs_fd, flags, attr_flags)
        return next(self._fds)

    def move_mount(self, from_dirfd, from_path, to_dirfd, to_path, flags):
        self._record("move_mount", from_dirfd, from_path, to_dirfd, to_path, flags)

    def openat2(self, dirfd, path, flags, mode=0, resolve=0):
        self._record("openat2", dirfd, path, flags, mode, resolve)
        return next(self._fds)

    def close(self, fd):
        self._record("close", fd)

    def pivot_root(self, new_root, put_old):
        self._record("pivot_root", new_root, put_old)

    def sethostname(self, name):
        self._record("sethostname", name)

    def setdomainname(self, name):
        self._record("setdomainname", name)

    def capget(self):
        return self.caps

    def capset(self, effective, permitted, inheritable):
        self.caps = (effective, permitted, inheritable)
        self._record("capset", effective, permitted, inheritable)

    def prctl(self, option, arg2=0, arg3=0, arg4=0, arg5=0):
        self._record("prctl", option, arg2, arg3, arg4, arg5)
        return 0

    def seccomp_set_filter(self, program, flags=0):
        self._record("seccomp", len(program), flags)

    def set_thread_ids(self, uid, gid, groups):
        self._record("set_thread_ids", uid, gid, list(groups))

    def spawn(self, path, argv, env, stdio):
        self._record("spawn", path, list(argv), list(env), stdio)
        return next(self._fds)

    def close_range_cloexec(self, first):
        self._record("close_range_cloexec", first)

    def bpf_attach_cgroup_device(self, program, cgroup_dir_fd):
        self._record("bpf_attach_cgroup_device", len(program), cgroup_dir_fd)
