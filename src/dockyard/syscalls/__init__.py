"""Syscalls behind one Protocol: `LinuxSyscalls` (ctypes) and `RecordingSyscalls` (a fake).

The implementations load on first access, so importing `dockyard.syscalls.constants` (or the
Protocol) does not pull in ctypes.
"""

__all__ = ["LinuxSyscalls", "RecordingSyscalls", "Syscalls"]


def __getattr__(name: str):
    if name == "LinuxSyscalls":
        from dockyard.syscalls.linux import LinuxSyscalls
        return LinuxSyscalls
    if name == "RecordingSyscalls":
        from dockyard.syscalls.recording import RecordingSyscalls
        return RecordingSyscalls
    if name == "Syscalls":
        from dockyard.syscalls.protocol import Syscalls
        return Syscalls
    raise AttributeError(name)
