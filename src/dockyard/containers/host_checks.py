"""What dockerd refuses in a create's or update's host settings before anything is made (pure):
its verifyContainerSettings checks, with its messages."""

import ipaddress
import re

from dockyard.errors import InvalidArgument

MIN_MEMORY = 6 * 1024 * 1024
_PORT_RANGE = re.compile(r"^(\d+)(?:-(\d+))?$")


def check_resources(resources: dict) -> None:
    memory = resources.get("Memory") or 0
    if memory and memory < MIN_MEMORY:
        raise InvalidArgument("Minimum memory limit allowed is 6MB")


def check_host_config(host_config: dict) -> None:
    check_resources(host_config)
    for port, bindings in (host_config.get("PortBindings") or {}).items():
        _check_port(port.partition("/")[0], empty_ok=False)
        for binding in bindings or []:
            _check_port((binding.get("HostPort") or "").partition("/")[0], empty_ok=True, shown=binding.get("HostPort"))
    for entry in host_config.get("ExtraHosts") or []:
        name, colon, address = entry.partition(":")
        if not colon or not name:
            raise InvalidArgument(f"bad format for add-host: {_quote(entry)}")
        if address != "host-gateway":
            try:
                ipaddress.ip_address(address.strip().strip("[]"))
            except ValueError:
                raise InvalidArgument(f"invalid IP address in add-host: {_quote(address)}") from None


def _check_port(spec: str, empty_ok: bool, shown: str | None = None) -> None:
    """nat.ParsePortRange: a port or a range of ports, each at most 65535."""
    if not spec and empty_ok:
        return
    found = _PORT_RANGE.match(spec)
    if not found or any(int(p) > 65535 for p in found.groups() if p):
        raise InvalidArgument(f"invalid port specification: {_quote(spec if shown is None else shown)}")


def _quote(text: str) -> str:
    """Go's %q for the printable strings these messages show."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
