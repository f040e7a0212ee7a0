"""Legacy links (`--link` on the default bridge), as dockerd 20.10 makes them (pure): the
linked container's address, ports and environment in the linking container's environment
(`<ALIAS>_PORT_80_TCP=tcp://172.17.0.2:80`, `<ALIAS>_ENV_FOO=1`, `<ALIAS>_NAME=/web/db`),
an /etc/hosts line (alias, hostname, name), and the `/db:/web/alias` names inspect and ps show.
On user-defined networks links are DNS aliases instead (network.endpoints)."""

from __future__ import annotations

from dataclasses import dataclass

from dockyard.errors import InvalidArgument


@dataclass(frozen=True)
class Link:
    target: str     # the linked container's name (no leading /)
    alias: str

    def path(self, linker: str) -> str:
        """`/linker/alias`: the name the link gives the target."""
        return f"/{linker.lstrip('/')}/{self.alias}"

    def normalized(self, linker: str) -> str:
        """HostConfig.Links as dockerd shows them: `/db:/web/alias`."""
        return f"/{self.target}:{self.path(linker)}"


def parse_link(spec: str) -> Link:
    """`db:alias`, `db`, or the normalized `/db:/web/alias`."""
    target, _, alias = spec.partition(":")
    target, alias = target.strip("/"), alias.rsplit("/", 1)[-1] if alias else ""
    if not target:
        raise InvalidArgument(f"invalid link: {spec!r}")
    return Link(target, alias or target)


def link_env(link: Link, linker: str, address: str, exposed: list[str], env: list[str]) -> list[str]:
    """dockerd's Link.ToEnv: ports (the lowest first as `<ALIAS>_PORT`, runs of consecutive
    ports as `_START`/`_END`), the name, and the target's environment but HOME and PATH."""
    alias = link.alias.upper().replace("-", "_")
    ports = sorted((_port(p) for p in exposed), key=lambda p: (p[0], p[1] != "tcp"))
    out = []
    if ports:
        out.append(f"{alias}_PORT={ports[0][1]}://{address}:{ports[0][0]}")
    i = 0
    while i < len(ports):
        j = _next_gap(ports, i)
        if j > i + 1:
            (first, proto), (last, last_proto) = ports[i], ports[j - 1]
            key = f"{alias}_PORT_{first}_{proto.upper()}"
            out += [f"{key}_START={proto}://{address}:{first}", f"{key}_ADDR={address}", f"{key}_PROTO={proto}",
                    f"{key}_PORT_START={first}",
                    f"{alias}_PORT_{first}_{last_proto.upper()}_END={last_proto}://{address}:{last}",
                    f"{alias}_PORT_{first}_{last_proto.upper()}_PORT_END={last}"]
        i = j
    for number, proto in ports:
        key = f"{alias}_PORT_{number}_{proto.upper()}"
        out += [f"{key}={proto}://{address}:{number}", f"{key}_ADDR={address}", f"{key}_PORT={number}",
                f"{key}_PROTO={proto}"]
    out.append(f"{alias}_NAME={link.path(linker)}")
    for item in env:
        key, sep, value = item.partition("=")
        if sep and key not in ("HOME", "PATH"):
            out.append(f"{alias}_ENV_{key}={value}")
    return out


def hosts_names(link: Link, target_hostname: str) -> str:
    """The names of the /etc/hosts line dockerd writes: alias, the target's hostname, and its
    name unless that is the alias."""
    names = [link.alias, target_hostname] + ([link.target] if link.target != link.alias else [])
    return " ".join(names)


def _port(spec: str) -> tuple[int, str]:
    number, _, proto = spec.partition("/")
    return int(number), (proto or "tcp").lower()


def _next_gap(ports: list[tuple[int, str]], index: int) -> int:
    """dockerd's nextContiguous: the index after the run of consecutive port numbers at `index`."""
    value = ports[index][0]
    for i in range(index + 1, len(ports)):
        if ports[i][0] > value + 1:
            return i
        value += 1
    return len(ports)
