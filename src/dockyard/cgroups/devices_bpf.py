"""cgroup v2 device control: OCI device rules compiled to a BPF_PROG_TYPE_CGROUP_DEVICE
program (pure), evaluated last-rule-wins like the v1 devices.allow/deny lists."""

import struct

# struct bpf_cgroup_dev_ctx { u32 access_type (access << 16 | type); u32 major; u32 minor; }
_TYPES = {"b": 1, "c": 2}                  # BPF_DEVCG_DEV_BLOCK, BPF_DEVCG_DEV_CHAR
_ACCESS = {"m": 1, "r": 2, "w": 4}         # BPF_DEVCG_ACC_MKNOD, _READ, _WRITE

LDX_W = 0x61          # BPF_LDX | BPF_MEM | BPF_W
MOV64_K = 0xB7        # BPF_ALU64 | BPF_MOV | BPF_K
MOV64_X = 0xBF        # BPF_ALU64 | BPF_MOV | BPF_X
AND32_K = 0x54        # BPF_ALU | BPF_AND | BPF_K
RSH32_K = 0x74        # BPF_ALU | BPF_RSH | BPF_K
JNE_K = 0x55          # BPF_JMP | BPF_JNE | BPF_K
JNE_X = 0x5D          # BPF_JMP | BPF_JNE | BPF_X
JEQ_K = 0x15          # BPF_JMP | BPF_JEQ | BPF_K
EXIT = 0x95           # BPF_JMP | BPF_EXIT
R0, R1, R2, R3, R4, R5 = range(6)


def _insn(code: int, dst: int = 0, src: int = 0, off: int = 0, imm: int = 0) -> bytes:
    return struct.pack("<BBhi", code, dst | src << 4, off, imm)


def _rule_block(rule: dict) -> list[bytes]:
    """Checks that jump past the block on mismatch, then `return allow`."""
    checks: list[tuple] = []
    kind = rule.get("type") or "a"
    if kind in _TYPES:
        checks.append((JNE_K, R2, 0, _TYPES[kind]))
    access = sum(_ACCESS[a] for a in set(rule.get("access") or "rwm") if a in _ACCESS)
    if access != 7:
        checks.append(("subset", access))
    if rule.get("major") is not None and rule["major"] >= 0:
        checks.append((JNE_K, R4, 0, rule["major"]))
    if rule.get("minor") is not None and rule["minor"] >= 0:
        checks.append((JNE_K, R5, 0, rule["minor"]))
    body: list[tuple] = []
    for check in checks:
        if check[0] == "subset" and rule.get("allow"):  # all of the requested access allowed
            body += [(MOV64_X, R1, R3, None, 0), (AND32_K, R1, 0, None, check[1]),
                     (JNE_X, R1, R3, "skip", 0)]
        elif check[0] == "subset":  # any of the requested access denied
            body += [(MOV64_X, R1, R3, None, 0), (AND32_K, R1, 0, None, check[1]),
                     (JEQ_K, R1, 0, "skip", 0)]
        else:
            code, dst, src, imm = check
            body.append((code, dst, src, "skip", imm))
    body += [(MOV64_K, R0, 0, None, 1 if rule.get("allow") else 0), (EXIT, 0, 0, None, 0)]
    return [_insn(code, dst, src, len(body) - i - 1 if off == "skip" else 0, imm)
            for i, (code, dst, src, off, imm) in enumerate(body)]


def compile_device_rules(rules: list[dict]) -> bytes:
    program = [
        _insn(LDX_W, R2, R1, 0), _insn(AND32_K, R2, imm=0xFFFF),   # type
        _insn(LDX_W, R3, R1, 0), _insn(RSH32_K, R3, imm=16),        # access
        _insn(LDX_W, R4, R1, 4), _insn(LDX_W, R5, R1, 8),           # major, minor
    ]
    for rule in reversed(rules):  # the last matching rule decides
        block = _rule_block(rule)
        program += block
        if len(block) == 2:  # matches everything: what follows is unreachable (the verifier refuses it)
            return b"".join(program)
    program += [_insn(MOV64_K, R0, imm=0), _insn(EXIT)]   # nothing matched: deny
    return b"".join(program)
