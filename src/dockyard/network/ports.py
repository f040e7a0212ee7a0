"""Port publishing specs (pure): `-p` parsing, API PortBindings normalisation, Ports output."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from dockyard.errors import InvalidArgument

PROTOCOLS = ("tcp", "udp", "sctp")


@dataclass(frozen=True)
class Binding:
    """One container port to publish; host_ports is an inclusive range, (0, 0) = any free."""

    proto: str
    container_port: int
    host_ip: str
    host_ports: tuple[int, int]

    @property
    def key(self) -> str:
        return f"{self.container_port}/{self.proto}"


def split_port_key(key: str) -> tuple[int, str]:
    """'80/tcp' -> (80, 'tcp'); a bare '80' is tcp."""
    port, _, proto = key.partition("/")
    proto = (proto or "tcp").lower()
    if proto not in PROTOCOLS:
        raise InvalidArgument(f"invalid proto: {proto}")
    return _port(port), proto


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise InvalidArgument(f"invalid port: {text}") from None
    if not 0 <= value <= 65535:
        raise InvalidArgument(f"invalid port: {text}")
    return value


def _range(text: str) -> tuple[int, int]:
    if not text:
        return (0, 0)
    lo, sep, hi = text.partition("-")
    start = _port(lo)
    end = _port(hi) if sep else start
    if end < start:
        raise InvalidArgument(f"invalid range specified for port: {text}")
    return (start, end)


def parse_port_spec(spec: str) -> list[tuple[str, dict]]:
    """`[ip:][hostPort:]containerPort[/proto]` (ranges allowed) -> [(key, binding dict)].

    Returns the shape the CLI puts into HostConfig.PortBindings, one entry per port."""
    body, _, proto = spec.partition("/")
    proto = (proto or "tcp").lower()
    if proto not in PROTOCOLS:
        raise InvalidArgument(f"invalid proto: {proto}")
    ip, host, container = _split_spec(body)
    if ip:
        try:
            ipaddress.ip_address(ip.strip("[]"))
        except ValueError:
            raise InvalidArgument(f"invalid IP address: {ip}") from None
    c_lo, c_hi = _range(container)
    if c_lo == 0:
        raise InvalidArgument(f"no port specified: {spec}<empty>")
    h_lo, h_hi = _range(host)
    count = c_hi - c_lo + 1
    if host and h_hi - h_lo + 1 not in (1, count) and count != 1:
        raise InvalidArgument(f"invalid ranges specified for container and host Ports: {spec}")
    out = []
    for i in range(count):
        if not host:
            host_port = ""
        elif count == 1:
            host_port = host
        elif h_hi - h_lo + 1 == count:
            host_port = str(h_lo + i)
        else:
            host_port = host
        out.append((f"{c_lo + i}/{proto}", {"HostIp": ip.strip("[]"), "HostPort": host_port}))
    return out


def _split_spec(body: str) -> tuple[str, str, str]:
    if body.startswith("["):  # [ipv6]:host:container
        ip, _, rest = body[1:].partition("]")
        rest = rest.lstrip(":")
        host, _, container = rest.rpartition(":")
        return ip, host, container
    parts = body.split(":")
    if len(parts) == 1:
        return "", "", parts[0]
    if len(parts) == 2:
        return "", parts[0], parts[1]
    if len(parts) == 3:
        return parts[0], parts[1], parts[2]
    raise InvalidArgument(f"invalid port format for --publish: {body}")


def bindings_from_api(
    port_bindings: dict | None, exposed: dict | list | None, publish_all: bool, default_ip: str
) -> list[Binding]:
    """HostConfig.PortBindings (+ -P over ExposedPorts) -> Bindings, in a stable order."""
    out: list[Binding] = []
    for key, entries in sorted((port_bindings or {}).items()):
        port, proto = split_port_key(key)
        for entry in entries or [{}]:
            entry = entry or {}
            host_ip = entry.get("HostIp") or default_ip
            out.append(Binding(proto, port, host_ip, _range(str(entry.get("HostPort") or ""))))
    if publish_all:
        bound = {b.key for b in out}
        for key in sorted(exposed or {}):
            port, proto = split_port_key(key)
            if f"{port}/{proto}" not in bound:
                out.append(Binding(proto, port, default_ip, (0, 0)))
    return out


def ports_view(exposed: dict | list | None, published: list[dict]) -> dict:
    """NetworkSettings.Ports: every exposed/published port, null when not published.

    `published` entries: {"key": "80/tcp", "HostIp": "0.0.0.0", "HostPort": "8080"}."""
    view: dict[str, list | None] = {}
    for key in exposed or {}:
        port, proto = split_port_key(key)
        view.setdefault(f"{port}/{proto}", None)
    for item in published:
        entries = view.get(item["key"]) or []
        entries.append({"HostIp": item["HostIp"], "HostPort": str(item["HostPort"])})
        view[item["key"]] = entries
    return view
