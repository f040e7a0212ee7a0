"""OCI runtimes: the built-in one (`BuiltinRuntime`) and runc/crun (`OciCliRuntime`),
both speaking the `Runtime` protocol."""

from dockyard.runtime.builtin import BuiltinRuntime
from dockyard.runtime.protocol import Runtime, Stdio
from dockyard.runtime.state import ContainerState
from dockyard.runtime.sync import RuntimeFailure

__all__ = ["BuiltinRuntime", "ContainerState", "OciCliRuntime", "Runtime", "RuntimeFailure", "Stdio"]


def __getattr__(name: str):
    # OciCliRuntime pulls in subprocess and tempfile; the runtime's own CLI never needs them.
    if name == "OciCliRuntime":
        from dockyard.runtime.oci_cli import OciCliRuntime
        return OciCliRuntime
    raise AttributeError(name)
