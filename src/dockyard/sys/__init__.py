"""Syscalls behind one Protocol: `LinuxSyscalls` (ctypes) and `RecordingSyscalls` (a fake)."""

from dockyard.sys.linux import LinuxSyscalls
from dockyard.sys.protocol import Syscalls
from dockyard.sys.recording import RecordingSyscalls

__all__ = ["LinuxSyscalls", "RecordingSyscalls", "Syscalls"]
