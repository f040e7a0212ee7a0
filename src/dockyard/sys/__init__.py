"""Syscalls behind one Protocol: `LinuxSyscalls` (ctypes) and `RecordingSyscalls` (a fake).

The implementations load on first access, so importing `dockyard.sys.constants` (or the
Protocol) does not pull in ctypes.
"""

__all__ = ["LinuxSyscalls", "RecordingSyscalls", "Syscalls"]


def __getattr__(name: str):
    if name == "LinuxSyscalls":
        from dockyard.sys.linux import LinuxSyscalls
        return LinuxSyscalls
    if name == "RecordingSyscalls":
        from dockyard.sys.recording import RecordingSyscalls
        return RecordingSyscalls
    if name == "Syscalls":
        from dockyard.sys.protocol import Syscalls
        return Syscalls
    raise AttributeError(name)
