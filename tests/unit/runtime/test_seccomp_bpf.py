"""The compiled BPF run by seccomp_bpf.evaluate, a tiny classic-BPF interpreter over seccomp_data."""

from dockyard.oci.capabilities import DEFAULT_CAPABILITIES
from dockyard.oci.seccomp_profile import default_seccomp_profile
from dockyard.oci.syscall_table import X86_64
from dockyard.runtime.seccomp_bpf import RET_ALLOW, RET_ERRNO, compile_profile
from dockyard.runtime.seccomp_bpf import evaluate as run


def test_docker_default_profile_semantics():
    prog = compile_profile(default_seccomp_profile(list(DEFAULT_CAPABILITIES)))
    eperm = RET_ERRNO | 1
    assert run(prog, X86_64["read"]) == RET_ALLOW
    assert run(prog, X86_64["execve"]) == RET_ALLOW
    assert run(prog, X86_64["mount"]) == eperm
    assert run(prog, X86_64["unshare"]) == eperm
    assert run(prog, X86_64["clone3"]) == RET_ERRNO | 38
    assert run(prog, X86_64["clone"], (0x01200011,)) == RET_ALLOW            # fork-like
    assert run(prog, X86_64["clone"], (0x20000000 | 17,)) == eperm            # CLONE_NEWPID
    assert run(prog, X86_64["personality"], (0x8,)) == RET_ALLOW
    assert run(prog, X86_64["personality"], (0x1,)) == eperm
    assert run(prog, X86_64["personality"], (0x8 | 1 << 32,)) == eperm        # high half differs
    assert run(prog, X86_64["read"] | 0x40000000) == eperm                   # x32 ABI
    assert run(prog, X86_64["read"], arch=0x40000003) == eperm               # i386
    assert run(prog, 100000) == eperm                                         # unknown number
    assert len(prog) // 8 < 200


def test_operators():
    rules = [{"names": ["write"], "action": "SCMP_ACT_ALLOW",
              "args": [{"index": 0, "value": 2, "op": "SCMP_CMP_NE"},
                       {"index": 2, "value": 100, "op": "SCMP_CMP_LE"}]},
             {"names": ["read"], "action": "SCMP_ACT_ERRNO", "errnoRet": 5,
              "args": [{"index": 1, "value": 1 << 33, "op": "SCMP_CMP_GE"}]},
             {"names": ["getpid"], "action": "SCMP_ACT_KILL_PROCESS"}]
    prog = compile_profile({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": rules})
    write, read = X86_64["write"], X86_64["read"]
    assert run(prog, write, (1, 0, 100)) == RET_ALLOW
    assert run(prog, write, (2, 0, 1)) == RET_ALLOW       # rule fails -> default allow
    deny = compile_profile({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": rules})
    assert run(deny, write, (2, 0, 1)) == RET_ERRNO | 1
    assert run(deny, write, (1, 0, 101)) == RET_ERRNO | 1
    assert run(deny, write, (1 << 32 | 2, 0, 5)) == RET_ALLOW
    assert run(prog, read, (0, 1 << 33)) == RET_ERRNO | 5
    assert run(prog, read, (0, (1 << 33) - 1)) == RET_ALLOW
    assert run(prog, X86_64["getpid"]) == 0x80000000
