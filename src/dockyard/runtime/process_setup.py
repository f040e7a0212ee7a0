"""Turn the init into the container's process: limits, identity, capabilities, seccomp, exec."""

import errno
import os
import resource
import signal
import stat
from dataclasses import dataclass

from dockyard.oci.capabilities import CAPABILITY_NAMES, mask_from_capabilities
from dockyard.oci.signals import DEFAULT_DISPOSITION_SIGNALS
from dockyard.runtime.seccomp_bpf import compile_profile
from dockyard.runtime.sync import RuntimeFailure
from dockyard.syscalls import constants as c
from dockyard.syscalls.protocol import Syscalls


def apply_rlimits(rlimits: list[dict]) -> None:
    for limit in rlimits or []:
        name = limit["type"]
        number = getattr(resource, name, None)
        if number is None:
            raise RuntimeFailure(f"unknown rlimit type {name}")
        try:
            resource.setrlimit(number, (int(limit["soft"]), int(limit["hard"])))
        except (ValueError, OSError) as exc:
            raise RuntimeFailure(f"error setting rlimit type {name}: {exc}") from None


@dataclass(frozen=True)
class Inherited:
    """What a forked child inherits, read once by its parent: the child (every page it touches
    is a copy) then changes only what differs."""
    bounding_set: int                 # mask of the capabilities the bounding set holds
    oom_score_adj: int
    altered_signals: tuple[int, ...]  # of _RESET_SIGNALS, those not at SIG_DFL
    blocked_signals: bool


def inherited(sys: Syscalls, bounding: int | None = None) -> Inherited:
    """bounding: this process's bounding set, when an ancestor read it already (it never
    changes from the zygote to a shim: ~40 prctl calls fewer per container start)."""
    with open("/proc/self/oom_score_adj") as f:
        oom_score_adj = int(f.read())
    return Inherited(bounding_set=bounding_set(sys) if bounding is None else bounding,
                     oom_score_adj=oom_score_adj,
                     altered_signals=tuple(s for s in _RESET_SIGNALS if signal.getsignal(s) != signal.SIG_DFL),
                     blocked_signals=bool(signal.pthread_sigmask(signal.SIG_BLOCK, [])))


def set_oom_score_adj(value: int | None, current: int | None = None) -> None:
    """current: the inherited value, when known (the parent's)."""
    if value is None or value == current:
        return
    with open("/proc/self/oom_score_adj", "r+") as f:
        if int(f.read()) != value:
            f.seek(0)
            f.write(str(value))


def apply_sysctls(sysctls: dict[str, str]) -> None:
    for key, value in (sysctls or {}).items():
        path = "/proc/sys/" + key.replace(".", "/")
        try:
            with open(path, "w") as f:
                f.write(value)
        except OSError as exc:
            raise RuntimeFailure(f"sysctl {key}={value}: {exc.strerror}") from None


def with_home(env: list[str], uid: int, passwd_path: str = "/etc/passwd") -> list[str]:
    """Add HOME from the container's passwd when the spec's env lacks it, as runc does."""
    if any(e.startswith("HOME=") for e in env):
        return env
    home = "/"
    try:
        passwd = _read(passwd_path)
    except OSError:
        passwd = b""
    wanted = str(uid).encode()
    for line in passwd.split(b"\n"):
        fields = line.split(b":")
        if len(fields) >= 6 and fields[2] == wanted:
            home = fields[5].decode(errors="surrogateescape") or "/"
            break
    return [*env, f"HOME={home}"]


def _read(path: str) -> bytes:
    """A whole file with os calls alone: the io stack's objects would be page copies in a child."""
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        chunks = []
        while chunk := os.read(fd, 65536):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def environment(env: list[str]) -> dict[str, str]:
    """The process's environment as execve gets it: a later KEY=value wins, a bare KEY is dropped."""
    return dict(e.split("=", 1) for e in env if "=" in e)


def change_dir(cwd: str) -> None:
    try:
        os.chdir(cwd)
    except OSError as exc:
        raise RuntimeFailure(
            f"chdir to cwd ({cwd!r}) set in config.json failed: {_reason(exc)}") from None


def find_executable(name: str, env: list[str]) -> str:
    """Like exec.LookPath inside the container, with runc's wording (the CLI maps it to 127/126)."""
    if "/" in name:
        return _check_executable(name, name)
    path_value = next((e[5:] for e in env if e.startswith("PATH=")), "")
    for directory in path_value.split(":"):
        candidate = os.path.join(directory or ".", name)
        try:
            mode = os.stat(candidate).st_mode
        except OSError:
            continue
        if stat.S_ISREG(mode) and mode & 0o111:
            return candidate
    raise RuntimeFailure(f'exec: "{name}": executable file not found in $PATH')


def _check_executable(name: str, path: str) -> str:
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        raise RuntimeFailure(f'exec: "{name}": stat {path}: {_reason(exc)}') from None
    if stat.S_ISDIR(mode):
        raise RuntimeFailure(f'exec: "{name}": is a directory')
    if not mode & 0o111:
        raise RuntimeFailure(f'exec: "{name}": permission denied')
    return path


def bounding_set(sys: Syscalls) -> int:
    """The mask of the capabilities this process's bounding set holds (its children inherit it)."""
    return sum(1 << number for number in range(len(CAPABILITY_NAMES))
               if sys.prctl(c.PR_CAPBSET_READ, number) == 1)


def drop_bounding_set(sys: Syscalls, keep: list[str], held: int | None = None) -> int:
    """Drop what is not in `keep`; returns the mask of what the bounding set still holds
    (a host may lack some capability: asking for it later would fail, so we leave it out).
    held: the bounding set, when the parent read it already."""
    held = bounding_set(sys) if held is None else held
    wanted = set(keep)
    remaining = 0
    for number, name in enumerate(CAPABILITY_NAMES):
        if not held >> number & 1:
            continue
        if name in wanted:
            remaining |= 1 << number
        else:
            sys.prctl(c.PR_CAPBSET_DROP, number)
    return remaining


def switch_user(sys: Syscalls, user: dict, thread_only: bool = False) -> None:
    """setgroups/setresgid/setresuid keeping capabilities across the uid change (capset follows).
    thread_only: of the calling thread alone, the others keep theirs."""
    uid, gid = int(user.get("uid", 0)), int(user.get("gid", 0))
    groups = [int(g) for g in user.get("additionalGids") or []]
    sys.prctl(c.PR_SET_KEEPCAPS, 1)
    try:
        if thread_only:
            sys.set_thread_ids(uid, gid, groups)
        else:
            os.setgroups(groups)
            os.setresgid(gid, gid, gid)
            os.setresuid(uid, uid, uid)
    except OSError as exc:
        raise RuntimeFailure(f"cannot set user {uid}:{gid}: {_reason(exc)}") from None
    sys.prctl(c.PR_SET_KEEPCAPS, 0)


def set_capabilities(sys: Syscalls, caps: dict, available: int = (1 << len(CAPABILITY_NAMES)) - 1) -> None:
    mask = lambda key: mask_from_capabilities(caps.get(key) or []) & available  # noqa: E731
    sys.capset(mask("effective"), mask("permitted"), mask("inheritable"))
    for name in caps.get("ambient") or []:
        if name in CAPABILITY_NAMES and available >> CAPABILITY_NAMES.index(name) & 1:
            sys.prctl(c.PR_CAP_AMBIENT, c.PR_CAP_AMBIENT_RAISE, CAPABILITY_NAMES.index(name))


def seccomp_program(profile: dict | None) -> bytes:
    """The profile's BPF program; empty: no filter."""
    return compile_profile(profile) if profile else b""


def install_seccomp(sys: Syscalls, profile: dict | None, program: bytes | None = None) -> None:
    """program: seccomp_program(profile), when the parent compiled it already."""
    program = seccomp_program(profile) if program is None else program
    if program:
        sys.seccomp_set_filter(program)


def _reason(exc: OSError) -> str:
    """Go's wording of an errno: lower case."""
    return (exc.strerror or str(exc)).lower()


_RESET_SIGNALS = DEFAULT_DISPOSITION_SIGNALS


def restore_signals(known: Inherited | None = None) -> None:
    """Ignored or handled signals (see DEFAULT_DISPOSITION_SIGNALS) back to their defaults."""
    for sig in _RESET_SIGNALS if known is None else known.altered_signals:
        signal.signal(sig, signal.SIG_DFL)
    if known is None or known.blocked_signals:
        signal.pthread_sigmask(signal.SIG_SETMASK, [])


def exec_error_message(name: str, exc: OSError) -> tuple[str, int]:
    if exc.errno in (errno.EACCES, errno.EISDIR, errno.ENOEXEC):
        return f'exec: "{name}": {_reason(exc)}', 126
    return f'exec: "{name}": {_reason(exc)}', 127
