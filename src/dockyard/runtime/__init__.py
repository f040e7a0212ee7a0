"""OCI runtimes: the built-in one (`BuiltinRuntime`) and runc/crun (`OciCliRuntime`),
both speaking the `Runtime` protocol."""

from dockyard.runtime.builtin import BuiltinRuntime
from dockyard.runtime.oci_cli import OciCliRuntime
from dockyard.runtime.protocol import Runtime, Stdio
from dockyard.runtime.state import ContainerState
from dockyard.runtime.sync import RuntimeFailure

__all__ = ["BuiltinRuntime", "OciCliRuntime", "ContainerState", "Runtime", "RuntimeFailure", "Stdio"]
