"""The real Syscalls, via ctypes on the C library. Errors raise OSError with errno."""

import ctypes
import os
import struct

from dockyard.syscalls import constants as c
from dockyard.oci.syscall_table import X86_64
from dockyard.syscalls.openat2 import openat2


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                ("inheritable", ctypes.c_uint32)]


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def _path(value: str | None) -> bytes | None:
    return None if value is None else os.fsencode(value)


class LinuxSyscalls:
    """ctypes bindings, loaded when constructed (never at import)."""

    def __init__(self) -> None:
        self._libc = ctypes.CDLL(None, use_errno=True)
        self._libc.syscall.restype = ctypes.c_long
        self._libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p,
                                     ctypes.c_ulong, ctypes.c_char_p]
        self._libc.prctl.argtypes = [ctypes.c_int] + [ctypes.c_ulong] * 4

    def _check(self, result: int, what: str, target: str | None = None) -> int:
        if result < 0:
            err = ctypes.get_errno()
            raise OSError(err, f"{what}: {os.strerror(err).lower()}", target)
        return result

    def unshare(self, flags: int) -> None:
        self._check(self._libc.unshare(flags), "unshare")

    def setns(self, fd: int, nstype: int) -> None:
        self._check(self._libc.setns(fd, nstype), "setns")

    def mount(self, source, target, fstype, flags, data) -> None:
        result = self._libc.mount(_path(source), _path(target), _path(fstype), flags,
                                  None if data is None else data.encode())
        self._check(result, f"mount {source} on {target}", target)

    def umount2(self, target: str, flags: int) -> None:
        self._check(self._libc.umount2(_path(target), flags), f"umount {target}", target)

    def fsopen(self, fstype: str, flags: int) -> int:
        return self._check(self._libc.syscall(X86_64["fsopen"], _path(fstype), ctypes.c_uint(flags)),
                           f"fsopen {fstype}")

    def fsconfig(self, fs_fd: int, cmd: int, key: str | None, value: str | None, aux: int = 0) -> None:
        result = self._libc.syscall(X86_64["fsconfig"], ctypes.c_int(fs_fd), ctypes.c_uint(cmd), _path(key),
                                    _path(value), ctypes.c_int(aux))
        self._check(result, f"fsconfig {key}" if key else "fsconfig")

    def fsmount(self, fs_fd: int, flags: int, attr_flags: int) -> int:
        return self._check(self._libc.syscall(X86_64["fsmount"], ctypes.c_int(fs_fd), ctypes.c_uint(flags),
                                              ctypes.c_uint(attr_flags)), "fsmount")

    def move_mount(self, from_dirfd: int, from_path: str, to_dirfd: int, to_path: str, flags: int) -> None:
        result = self._libc.syscall(X86_64["move_mount"], ctypes.c_int(from_dirfd), _path(from_path),
                                    ctypes.c_int(to_dirfd), _path(to_path), ctypes.c_uint(flags))
        self._check(result, f"move_mount to {to_path}", to_path)

    def openat2(self, dirfd: int, path: str, flags: int, mode: int = 0, resolve: int = 0) -> int:
        """A file descriptor for `path` from `dirfd`, resolved as `resolve` says (RESOLVE_IN_ROOT:
        every symlink and `..` stays inside dirfd). Always O_CLOEXEC; ENOSYS before Linux 5.6."""
        return openat2(dirfd, path, flags, mode, resolve)

    def close(self, fd: int) -> None:
        os.close(fd)

    def pivot_root(self, new_root: str, put_old: str) -> None:
        result = self._libc.syscall(X86_64["pivot_root"], _path(new_root), _path(put_old))
        self._check(result, "pivot_root", new_root)

    def sethostname(self, name: str) -> None:
        raw = name.encode()
        self._check(self._libc.sethostname(raw, len(raw)), "sethostname")

    def setdomainname(self, name: str) -> None:
        raw = name.encode()
        self._check(self._libc.setdomainname(raw, len(raw)), "setdomainname")

    def _cap_call(self, name: str, data) -> None:
        header = _CapHeader(c.LINUX_CAPABILITY_VERSION_3, 0)
        result = self._libc.syscall(X86_64[name], ctypes.byref(header), data)
        self._check(result, name)

    def capget(self) -> tuple[int, int, int]:
        data = (_CapData * 2)()
        self._cap_call("capget", data)
        join = lambda field: getattr(data[0], field) | getattr(data[1], field) << 32  # noqa: E731
        return join("effective"), join("permitted"), join("inheritable")

    def capset(self, effective: int, permitted: int, inheritable: int) -> None:
        data = (_CapData * 2)()
        for i in (0, 1):
            shift = 32 * i
            data[i].effective = effective >> shift & 0xFFFFFFFF
            data[i].permitted = permitted >> shift & 0xFFFFFFFF
            data[i].inheritable = inheritable >> shift & 0xFFFFFFFF
        self._cap_call("capset", data)

    def prctl(self, option: int, arg2: int = 0, arg3: int = 0, arg4: int = 0, arg5: int = 0) -> int:
        return self._check(self._libc.prctl(option, arg2, arg3, arg4, arg5), f"prctl {option}")

    def seccomp_set_filter(self, program: bytes, flags: int = 0) -> None:
        buffer = ctypes.create_string_buffer(program, len(program))
        fprog = _SockFprog(len(program) // 8, ctypes.cast(buffer, ctypes.c_void_p))
        result = self._libc.syscall(X86_64["seccomp"], c.SECCOMP_SET_MODE_FILTER, flags,
                                    ctypes.byref(fprog))
        self._check(result, "seccomp")

    def bpf_attach_cgroup_device(self, program: bytes, cgroup_dir_fd: int) -> None:
        """Load a BPF_PROG_TYPE_CGROUP_DEVICE program and attach it to a v2 cgroup
        (BPF_F_ALLOW_MULTI). The attachment keeps the program alive; our fd is closed."""
        insns = ctypes.create_string_buffer(program, len(program))
        license_ = ctypes.create_string_buffer(b"Apache")
        load = struct.pack("<IIQQIIQII16sII", c.BPF_PROG_TYPE_CGROUP_DEVICE, len(program) // 8,
                           ctypes.addressof(insns), ctypes.addressof(license_), 0, 0, 0, 0, 0,
                           b"dockyard_dev", 0, c.BPF_CGROUP_DEVICE)
        prog_fd = self._bpf(c.BPF_PROG_LOAD, load)
        try:
            attach = struct.pack("<IIIII", cgroup_dir_fd, prog_fd, c.BPF_CGROUP_DEVICE,
                                 c.BPF_F_ALLOW_MULTI, 0)
            self._bpf(c.BPF_PROG_ATTACH, attach)
        finally:
            os.close(prog_fd)

    def _bpf(self, cmd: int, attr: bytes) -> int:
        buffer = ctypes.create_string_buffer(attr, len(attr))
        return self._check(self._libc.syscall(X86_64["bpf"], cmd, buffer, len(attr)), f"bpf {cmd}")

    def set_thread_ids(self, uid: int, gid: int, groups: list[int]) -> None:
        """setgroups, setresgid, setresuid of the calling thread alone: the raw system calls
        (glibc's wrappers make every thread of the process follow)."""
        group_array = (ctypes.c_uint * max(len(groups), 1))(*groups)
        self._check(self._libc.syscall(X86_64["setgroups"], ctypes.c_size_t(len(groups)), group_array), "setgroups")
        for name, number in (("setresgid", gid), ("setresuid", uid)):
            value = ctypes.c_uint(number)
            self._check(self._libc.syscall(X86_64[name], value, value, value), name)

    def spawn(self, path: str, argv: list[str], env: list[str], stdio: tuple[int, int, int] | None) -> int:
        """posix_spawn from the calling thread (a vfork: nothing of ours is copied) into a new
        session, every signal at its default action (glibc's internal ones too, which Python's
        os.posix_spawn cannot name) and none blocked, `stdio` as fds 0-2; returns the pid."""
        attr = ctypes.create_string_buffer(1024)        # posix_spawnattr_t: 336 bytes on x86_64
        actions = ctypes.create_string_buffer(256)      # posix_spawn_file_actions_t: 80
        every, none = (ctypes.c_ulong * 16)((1 << 64) - 1), (ctypes.c_ulong * 16)()   # sigset_t: 1-64, none
        libc = self._libc
        libc.posix_spawnattr_init(attr)
        libc.posix_spawn_file_actions_init(actions)
        try:
            libc.posix_spawnattr_setflags(attr, ctypes.c_short(
                c.POSIX_SPAWN_SETSIGDEF | c.POSIX_SPAWN_SETSIGMASK | c.POSIX_SPAWN_SETSID))
            libc.posix_spawnattr_setsigdefault(attr, every)
            libc.posix_spawnattr_setsigmask(attr, none)
            for target, fd in enumerate(stdio or ()):
                if fd != target:
                    libc.posix_spawn_file_actions_adddup2(actions, fd, target)
            argv_c = (ctypes.c_char_p * (len(argv) + 1))(*map(os.fsencode, argv), None)
            env_c = (ctypes.c_char_p * (len(env) + 1))(*map(os.fsencode, env), None)
            pid = ctypes.c_int()
            error = libc.posix_spawn(ctypes.byref(pid), os.fsencode(path), actions, attr, argv_c, env_c)
        finally:
            libc.posix_spawn_file_actions_destroy(actions)
            libc.posix_spawnattr_destroy(attr)
        if error:
            raise OSError(error, os.strerror(error), path)
        return pid.value

    def close_range_cloexec(self, first: int) -> None:
        result = self._libc.syscall(X86_64["close_range"], ctypes.c_uint(first),
                                    ctypes.c_uint(0xFFFFFFFF), ctypes.c_uint(c.CLOSE_RANGE_CLOEXEC))
        self._check(result, "close_range")
