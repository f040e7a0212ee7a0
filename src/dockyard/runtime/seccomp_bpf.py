"""Compile an OCI `linux.seccomp` profile into a classic BPF program for seccomp(2) (pure).

Layout: check the architecture (x86_64 only; other ABIs, x32 included, get the default
action), then unconditional rules as ranges of consecutive syscall numbers, then one small
block per syscall whose rules test arguments (64-bit compares split into two 32-bit halves),
then the default action. Conditional jumps stay local (< 256 instructions), so no jump
needs the long form.
"""

import errno
import struct
from itertools import groupby

from dockyard.errors import InvalidArgument
from dockyard.oci.syscall_table import X86_64

AUDIT_ARCH_X86_64 = 0xC000003E
X32_SYSCALL_BIT = 0x40000000

RET_KILL_PROCESS = 0x80000000
RET_KILL_THREAD = 0x00000000
RET_TRAP = 0x00030000
RET_ERRNO = 0x00050000
RET_TRACE = 0x7FF00000
RET_LOG = 0x7FFC0000
RET_ALLOW = 0x7FFF0000

LD_ABS = 0x20      # BPF_LD | BPF_W | BPF_ABS
ALU_AND = 0x54     # BPF_ALU | BPF_AND | BPF_K
JEQ, JGT, JGE = 0x15, 0x25, 0x35
RET = 0x06
OFF_NR, OFF_ARCH, OFF_ARGS = 0, 4, 16

FAIL = "fail"  # placeholder jump target: the end of the current rule


def action_value(action: str, errno_ret: int | None, default_errno: int) -> int:
    if action == "SCMP_ACT_ERRNO":
        return RET_ERRNO | ((errno_ret if errno_ret is not None else default_errno) & 0xFFFF)
    if action in ("SCMP_ACT_TRACE",):
        return RET_TRACE | ((errno_ret or 0) & 0xFFFF)
    table = {"SCMP_ACT_ALLOW": RET_ALLOW, "SCMP_ACT_KILL": RET_KILL_THREAD,
             "SCMP_ACT_KILL_THREAD": RET_KILL_THREAD, "SCMP_ACT_KILL_PROCESS": RET_KILL_PROCESS,
             "SCMP_ACT_TRAP": RET_TRAP, "SCMP_ACT_LOG": RET_LOG}
    if action not in table:
        raise InvalidArgument(f"seccomp: unsupported action {action}")
    return table[action]


def _insn(code: int, k: int, jt=0, jf=0) -> tuple:
    return (code, jt, jf, k & 0xFFFFFFFF)


def _condition(arg: dict) -> list[tuple]:
    """Instructions that fall through when the condition holds and jump to FAIL otherwise."""
    index, op = int(arg["index"]), arg["op"]
    value, value_two = int(arg.get("value", 0)), int(arg.get("valueTwo", 0))
    lo_off, hi_off = OFF_ARGS + 8 * index, OFF_ARGS + 8 * index + 4
    lo, hi = value & 0xFFFFFFFF, value >> 32 & 0xFFFFFFFF
    if op == "SCMP_CMP_EQ":
        return [_insn(LD_ABS, lo_off), _insn(JEQ, lo, 0, FAIL),
                _insn(LD_ABS, hi_off), _insn(JEQ, hi, 0, FAIL)]
    if op == "SCMP_CMP_NE":
        return [_insn(LD_ABS, lo_off), _insn(JEQ, lo, 0, 2),
                _insn(LD_ABS, hi_off), _insn(JEQ, hi, FAIL, 0)]
    if op == "SCMP_CMP_MASKED_EQ":
        want_lo, want_hi = value_two & 0xFFFFFFFF, value_two >> 32 & 0xFFFFFFFF
        return [_insn(LD_ABS, lo_off), _insn(ALU_AND, lo), _insn(JEQ, want_lo, 0, FAIL),
                _insn(LD_ABS, hi_off), _insn(ALU_AND, hi), _insn(JEQ, want_hi, 0, FAIL)]
    if op in ("SCMP_CMP_GT", "SCMP_CMP_GE"):
        last = JGT if op == "SCMP_CMP_GT" else JGE
        return [_insn(LD_ABS, hi_off), _insn(JGT, hi, 3, 0), _insn(JEQ, hi, 0, FAIL),
                _insn(LD_ABS, lo_off), _insn(last, lo, 0, FAIL)]
    if op in ("SCMP_CMP_LT", "SCMP_CMP_LE"):
        last = JGE if op == "SCMP_CMP_LT" else JGT
        return [_insn(LD_ABS, hi_off), _insn(JGT, hi, FAIL, 0), _insn(JEQ, hi, 0, 2),
                _insn(LD_ABS, lo_off), _insn(last, lo, FAIL, 0)]
    raise InvalidArgument(f"seccomp: unsupported operator {op}")


def _rule_block(args: list[dict], ret: int) -> list[tuple]:
    body = [insn for arg in args for insn in _condition(arg)] + [_insn(RET, ret)]
    resolved = []
    for i, (code, jt, jf, k) in enumerate(body):
        to_end = len(body) - i - 1
        resolved.append((code, to_end if jt == FAIL else jt, to_end if jf == FAIL else jf, k))
    return resolved


def _collect(profile: dict) -> tuple[dict[int, int], dict[int, list[tuple[list, int]]]]:
    default_errno = int(profile.get("defaultErrnoRet") or errno.EPERM)
    plain: dict[int, int] = {}
    conditional: dict[int, list] = {}
    for rule in profile.get("syscalls") or []:
        ret = action_value(rule["action"], rule.get("errnoRet"), default_errno)
        for name in rule.get("names") or []:
            nr = X86_64.get(name)
            if nr is None:
                continue  # not a syscall on this architecture
            if rule.get("args"):
                conditional.setdefault(nr, []).append((rule["args"], ret))
            else:
                plain.setdefault(nr, ret)
    return plain, {nr: rules for nr, rules in conditional.items() if nr not in plain}


def _ranges(plain: dict[int, int], default: int) -> list[tuple[int, int, int]]:
    """Runs of consecutive syscall numbers sharing one action, default action left out."""
    runs = []
    numbers = sorted(nr for nr, ret in plain.items() if ret != default)
    for _, group in groupby(enumerate(numbers), key=lambda p: (p[1] - p[0], plain[p[1]])):
        members = [nr for _, nr in group]
        runs.append((members[0], members[-1], plain[members[0]]))
    return runs


def evaluate(program: bytes, nr: int, args=(0,) * 6, arch: int = AUDIT_ARCH_X86_64) -> int:
    """What `program` returns for system call `nr` with `args` (a classic-BPF interpreter for
    the instructions compile_profile emits)."""
    args = tuple(args) + (0,) * (6 - len(args))
    data = struct.pack("<iIQ6Q", nr, arch, 0, *args)
    pc, acc = 0, 0
    while True:
        code, jt, jf, k = struct.unpack_from("<HBBI", program, pc * 8)
        pc += 1
        if code == LD_ABS:
            acc = struct.unpack_from("<I", data, k)[0]
        elif code == ALU_AND:
            acc &= k
        elif code == RET:
            return k
        elif code in (JEQ, JGT, JGE):
            hit = acc == k if code == JEQ else acc > k if code == JGT else acc >= k
            pc += jt if hit else jf
        else:
            raise ValueError(f"seccomp: unexpected BPF opcode {code:#x}")


def compile_profile(profile: dict) -> bytes:
    """The BPF program (array of struct sock_filter) enforcing `profile` on x86_64."""
    default = action_value(profile.get("defaultAction", "SCMP_ACT_ALLOW"),
                           profile.get("defaultErrnoRet"), errno.EPERM)
    plain, conditional = _collect(profile)
    program = [
        _insn(LD_ABS, OFF_ARCH), _insn(JEQ, AUDIT_ARCH_X86_64, 1, 0), _insn(RET, default),
        _insn(LD_ABS, OFF_NR), _insn(JGE, X32_SYSCALL_BIT, 0, 1), _insn(RET, default),
    ]
    for lo, hi, ret in _ranges(plain, default):
        if lo == hi:
            program += [_insn(JEQ, lo, 0, 1), _insn(RET, ret)]
        else:
            program += [_insn(JGE, lo, 0, 2), _insn(JGT, hi, 1, 0), _insn(RET, ret)]
    for nr in sorted(conditional):
        # A block never falls through (it ends in a return), so the argument loads inside
        # it cannot disturb the syscall number the following compares test.
        block = [insn for args, ret in conditional[nr] for insn in _rule_block(args, ret)]
        block.append(_insn(RET, default))
        if len(block) > 255:
            raise InvalidArgument(f"seccomp: too many argument rules for syscall {nr}")
        program += [_insn(JEQ, nr, 0, len(block)), *block]
    program.append(_insn(RET, default))
    if len(program) > 4096:
        raise InvalidArgument("seccomp: profile compiles to more than 4096 instructions")
    return b"".join(struct.pack("<HBBI", *insn) for insn in program)
