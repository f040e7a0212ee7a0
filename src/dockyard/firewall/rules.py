"""Firewall planning (pure): the whole desired content of this daemon's iptables chains.

Every daemon owns chains named `DOCKYARD-<tag>-*` (tag derived from its exec-root), so two
dockyard daemons and a real dockerd never touch each other's rules. Built-in chains only get
one jump each into ours. A change rewrites our chains completely from the desired state
(one atomic `iptables-restore --noflush`), so rules of containers that no longer exist
cannot survive an apply: reconciling is just applying. When the new plan only appends to
the old one (a port published), just the new rules are appended: replacing rules costs the
kernel an RCU grace period (~20-30 ms), appending does not.
"""

from __future__ import annotations

from collections.abc import Sequence
import hashlib
from dataclasses import dataclass


@dataclass(frozen=True)
class Chains:
    dnat: str
    postrouting: str
    forward: str
    input: str
    ports: str  # published-port accepts, jumped to from `forward` after the isolation drops

    @classmethod
    def for_root(cls, exec_root: str) -> "Chains":
        tag = hashlib.sha256(str(exec_root).encode()).hexdigest()[:8]
        return cls(
            dnat=f"DOCKYARD-{tag}-DNAT",
            postrouting=f"DOCKYARD-{tag}-POST",
            forward=f"DOCKYARD-{tag}-FWD",
            input=f"DOCKYARD-{tag}-IN",
            ports=f"DOCKYARD-{tag}-PORTS",
        )

    def own(self) -> dict[str, list[str]]:
        """Our chains per table."""
        return {"nat": [self.dnat, self.postrouting],
                "filter": [self.forward, self.ports, self.input]}


@dataclass(frozen=True)
class BridgeNet:
    """A bridge network as the firewall sees it."""

    bridge: str
    subnet: str
    internal: bool = False
    masquerade: bool = True
    icc: bool = True   # false: containers on this bridge cannot reach each other
    dns: bool = False  # the embedded DNS listens on this bridge's gateway


@dataclass(frozen=True)
class PortForward:
    """A published port: host_ip:host_port/proto -> container_ip:container_port."""

    proto: str
    host_ip: str  # "0.0.0.0" for all addresses
    host_port: int
    container_ip: str
    container_port: int
    bridge: str


@dataclass(frozen=True)
class Jump:
    table: str
    chain: str
    spec: str  # match part, may be ""
    target: str
    insert: bool  # insert at the top instead of appending

    def rule(self) -> str:
        return f"{self.spec} -j {self.target}".strip()


def jumps(chains: Chains) -> list[Jump]:
    """The only rules placed in built-in chains."""
    local = "-m addrtype --dst-type LOCAL"
    return [
        Jump("nat", "PREROUTING", local, chains.dnat, insert=False),
        Jump("nat", "OUTPUT", f"! -d 127.0.0.0/8 {local}", chains.dnat, insert=False),
        Jump("nat", "POSTROUTING", "", chains.postrouting, insert=False),
        Jump("filter", "FORWARD", "", chains.forward, insert=True),
        Jump("filter", "INPUT", "", chains.input, insert=True),
    ]


def plan(chains: Chains, nets: list[BridgeNet], ports: list[PortForward]) -> dict[str, list[str]]:
    """Rules (as `-A CHAIN ...` lines) per table for the given networks and ports."""
    nat = _dnat_rules(chains, ports) + _masquerade_rules(chains, nets)
    filt = _forward_rules(chains, nets, ports) + _input_rules(chains, nets)
    return {"nat": nat, "filter": filt}


def _input_rules(chains: Chains, nets: list[BridgeNet]) -> list[str]:
    """Let containers reach the embedded DNS even when the host's INPUT policy drops."""
    return [
        f"-A {chains.input} -i {n.bridge} -p {proto} -m {proto} --dport 53 -j ACCEPT"
        for n in nets if n.dns
        for proto in ("udp", "tcp")
    ]


def _dnat_rules(chains: Chains, ports: list[PortForward]) -> list[str]:
    out = []
    for p in ports:  # in publishing order, so a new port is an append
        dest = "" if p.host_ip in ("", "0.0.0.0") else f" -d {p.host_ip}/32"
        out.append(
            f"-A {chains.dnat}{dest} ! -i {p.bridge} -p {p.proto} -m {p.proto}"
            f" --dport {p.host_port} -j DNAT --to-destination {p.container_ip}:{p.container_port}"
        )
    return out


def _masquerade_rules(chains: Chains, nets: list[BridgeNet]) -> list[str]:
    return [
        f"-A {chains.postrouting} -s {n.subnet} ! -o {n.bridge} -j MASQUERADE"
        for n in nets
        if n.masquerade and not n.internal
    ]


def _forward_rules(chains: Chains, nets: list[BridgeNet], ports: list[PortForward]) -> list[str]:
    fwd = chains.forward
    out = []
    # isolation first: no traffic between two different networks of ours
    for a in nets:
        for b in nets:
            if a.bridge != b.bridge:
                out.append(f"-A {fwd} -i {a.bridge} -o {b.bridge} -j DROP")
    for n in nets:
        if n.internal:
            out.append(f"-A {fwd} -i {n.bridge} ! -o {n.bridge} -j DROP")
            out.append(f"-A {fwd} ! -i {n.bridge} -o {n.bridge} -j DROP")
    out.append(f"-A {fwd} -j {chains.ports}")
    for p in ports:
        out.append(
            f"-A {chains.ports} -d {p.container_ip}/32 ! -i {p.bridge} -o {p.bridge} -p {p.proto}"
            f" -m {p.proto} --dport {p.container_port} -j ACCEPT"
        )
    for n in nets:
        out.append(f"-A {fwd} -i {n.bridge} -o {n.bridge} -j {'ACCEPT' if n.icc else 'DROP'}")
        if not n.internal:
            out.append(
                f"-A {fwd} -o {n.bridge} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT"
            )
            out.append(f"-A {fwd} -i {n.bridge} ! -o {n.bridge} -j ACCEPT")
            out.append(f"-A {fwd} -o {n.bridge} -j DROP")
    return out


def append_input(old: dict[str, list[str]], new: dict[str, list[str]]) -> str | None:
    """iptables-restore --noflush input adding only what `new` appends to `old`, chain by
    chain; None when `new` changes or drops any existing rule (then rewrite everything)."""
    lines = []
    for table in ("nat", "filter"):
        before, after = _by_chain(old.get(table, [])), _by_chain(new.get(table, []))
        added = []
        for chain, rules in after.items():
            have = before.get(chain, [])
            if rules[: len(have)] != have:
                return None
            added += rules[len(have):]
        if any(chain not in after for chain in before):
            return None
        if added:
            lines += [f"*{table}", *added, "COMMIT"]
    return "\n".join(lines) + "\n" if lines else ""


def _by_chain(rules: list[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for rule in rules:
        out.setdefault(rule.split()[1], []).append(rule)
    return out


def restore_input(chains: Chains, rules: dict[str, list[str]]) -> str:
    """iptables-restore --noflush input that redeclares (flushing) and refills our chains."""
    own = chains.own()
    lines = []
    for table in ("nat", "filter"):
        lines.append(f"*{table}")
        lines += [f":{name} - [0:0]" for name in own[table]]
        lines += rules.get(table, [])
        lines.append("COMMIT")
    return "\n".join(lines) + "\n"


def missing_jumps(chains: Chains, saved: str) -> list[Jump]:
    """Jumps absent from `iptables-save` output."""
    present = _saved_rules(saved)
    return [j for j in jumps(chains) if (j.table, _norm(f"-A {j.chain} {j.rule()}")) not in present]


def present_jumps(chains: Chains, saved: str) -> list[Jump]:
    present = _saved_rules(saved)
    return [j for j in jumps(chains) if (j.table, _norm(f"-A {j.chain} {j.rule()}")) in present]


def jump_input(add: list[Jump], delete: Sequence[Jump] = ()) -> str:
    lines = []
    for table in ("nat", "filter"):
        body = [f"-D {j.chain} {j.rule()}" for j in delete if j.table == table]
        for j in add:
            if j.table == table:
                body.append(f"-I {j.chain} 1 {j.rule()}" if j.insert else f"-A {j.chain} {j.rule()}")
        if body:
            lines += [f"*{table}", *body, "COMMIT"]
    return "\n".join(lines) + "\n" if lines else ""


def teardown_input(chains: Chains, saved: str) -> str:
    """Remove our jumps, then flush and delete our chains (only those that exist)."""
    existing = _saved_chains(saved)
    own = chains.own()
    delete = present_jumps(chains, saved)
    lines = []
    for table in ("nat", "filter"):
        mine = [c for c in own[table] if (table, c) in existing]
        body = [f"-D {j.chain} {j.rule()}" for j in delete if j.table == table]
        body += [f"-F {c}" for c in mine] + [f"-X {c}" for c in mine]
        if body:
            lines += [f"*{table}", *body, "COMMIT"]
    return "\n".join(lines) + "\n" if lines else ""


def _saved_rules(saved: str) -> set[tuple[str, str]]:
    table, out = "", set()
    for line in saved.splitlines():
        if line.startswith("*"):
            table = line[1:].strip()
        elif line.startswith("-A "):
            out.add((table, _norm(line)))
    return out


def _saved_chains(saved: str) -> set[tuple[str, str]]:
    table, out = "", set()
    for line in saved.splitlines():
        if line.startswith("*"):
            table = line[1:].strip()
        elif line.startswith(":"):
            out.add((table, line[1:].split()[0]))
    return out


def _norm(rule: str) -> str:
    return " ".join(rule.split())
