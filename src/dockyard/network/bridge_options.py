"""A bridge network's driver options (`docker network create -o KEY=VALUE`), read as dockerd's
bridge driver reads them (pure). Keys it does not know are kept in the record and shown by
inspect, as dockerd does; the ones it knows are parsed with Go's rules and honoured."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from dockyard.errors import InvalidArgument
from dockyard.wire import gostrconv

NAME = "com.docker.network.bridge.name"
ICC = "com.docker.network.bridge.enable_icc"
MASQUERADE = "com.docker.network.bridge.enable_ip_masquerade"
HOST_BINDING = "com.docker.network.bridge.host_binding_ipv4"
DEFAULT_BRIDGE = "com.docker.network.bridge.default_bridge"
MTU = "com.docker.network.driver.mtu"
# Parsed, as dockerd does, but the network's EnableIPv6 decides (dockerd 20.10's driver lets the
# network-level flag override it: a container gets no IPv6 address from this option alone).
ENABLE_IPV6 = "com.docker.network.enable_ipv6"

DEFAULT_MTU = 1500


@dataclass(frozen=True)
class BridgeOptions:
    name: str | None = None
    icc: bool = True                  # containers on the bridge reach each other
    masquerade: bool = True           # traffic leaving the host is NATed to the host's address
    host_binding_ip: str = "0.0.0.0"  # where `-p PORT:PORT` without an address listens
    mtu: int = DEFAULT_MTU
    default_bridge: bool = False


def parse(options: dict[str, str]) -> BridgeOptions:
    """The options dockerd's bridge driver knows, validated (a bad value is a 400 with
    dockerd's message, where dockerd answers 500)."""
    fields: dict = {}
    if NAME in options:
        fields["name"] = options[NAME] or None
    for key, attr in ((ICC, "icc"), (MASQUERADE, "masquerade"), (DEFAULT_BRIDGE, "default_bridge")):
        if key in options:
            fields[attr] = _go_bool(key, options[key])
    if ENABLE_IPV6 in options:
        _go_bool(ENABLE_IPV6, options[ENABLE_IPV6])
    if MTU in options:
        mtu = _go_int(MTU, options[MTU])
        if mtu and not 68 <= mtu <= 65535:
            raise InvalidArgument(f"invalid MTU number: {mtu}")
        fields["mtu"] = mtu or DEFAULT_MTU
    if HOST_BINDING in options:
        fields["host_binding_ip"] = _go_ip(HOST_BINDING, options[HOST_BINDING])
    return BridgeOptions(**fields)


def _fail(key: str, value: str, why: str) -> InvalidArgument:
    return InvalidArgument(f"failed to parse {key} value: {value} ({why})")


def _go_bool(key: str, value: str) -> bool:
    try:
        return gostrconv.parse_bool(value)
    except gostrconv.GoSyntaxError as err:
        raise _fail(key, value, str(err)) from None


def _go_int(key: str, value: str) -> int:
    try:
        return gostrconv.atoi(value)
    except gostrconv.GoSyntaxError as err:
        raise _fail(key, value, str(err)) from None


def _go_ip(key: str, value: str) -> str:
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        raise _fail(key, value, "nil ip") from None
