"""The v2 device program, run by a small interpreter of the eBPF instructions it uses."""

import struct

from dockyard.cgroups.devices_bpf import compile_device_rules
from dockyard.oci.defaults import default_device_rules, privileged_device_rules


def run(program: bytes, kind: str, major: int, minor: int, access: str) -> int:
    ctx = struct.pack("<III", sum({"m": 1, "r": 2, "w": 4}[a] for a in access) << 16
                      | {"b": 1, "c": 2}[kind], major, minor)
    regs = [0] * 11
    insns = [struct.unpack_from("<BBhi", program, i) for i in range(0, len(program), 8)]
    pc = 0
    while True:
        code, regbyte, off, imm = insns[pc]
        dst, src = regbyte & 0xF, regbyte >> 4
        pc += 1
        if code == 0x61:
            regs[dst] = struct.unpack_from("<I", ctx, off)[0]   # r1 is the context
        elif code == 0xB7:
            regs[dst] = imm
        elif code == 0xBF:
            regs[dst] = regs[src]
        elif code == 0x54:
            regs[dst] &= imm & 0xFFFFFFFF
        elif code == 0x74:
            regs[dst] = (regs[dst] & 0xFFFFFFFF) >> imm
        elif code == 0x55:
            pc += off if regs[dst] != imm else 0
        elif code == 0x15:
            pc += off if regs[dst] == imm else 0
        elif code == 0x5D:
            pc += off if regs[dst] != regs[src] else 0
        elif code == 0x95:
            return regs[0]
        else:
            raise AssertionError(f"opcode {code:#x}")


def test_default_rules():
    prog = compile_device_rules(default_device_rules())
    assert run(prog, "c", 1, 3, "rw") == 1          # /dev/null
    assert run(prog, "c", 136, 5, "rw") == 1        # a pty
    assert run(prog, "c", 10, 237, "r") == 0        # loop-control
    assert run(prog, "b", 8, 0, "m") == 1           # mknod of anything
    assert run(prog, "b", 8, 0, "rm") == 0          # but not using it


def test_last_rule_wins_and_privileged_allows_all():
    prog = compile_device_rules([{"allow": True, "access": "rwm"},
                                 {"allow": False, "type": "c", "major": 1, "minor": 3, "access": "w"}])
    assert run(prog, "c", 1, 3, "r") == 1 and run(prog, "c", 1, 3, "w") == 0
    assert run(prog, "c", 1, 3, "rw") == 0 and run(prog, "c", 1, 5, "w") == 1
    assert run(compile_device_rules(privileged_device_rules()), "b", 8, 0, "rwm") == 1
