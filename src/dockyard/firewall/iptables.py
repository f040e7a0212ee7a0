"""The one place dockyard runs `iptables-save` / `iptables-restore`, and flips ip_forward and
bridge netfilter."""

from __future__ import annotations

import subprocess
from pathlib import Path

from dockyard.errors import InternalError, InvalidArgument
from dockyard.firewall import rules
from dockyard.firewall.rules import BridgeNet, Chains, PortForward

IP_FORWARD = Path("/proc/sys/net/ipv4/ip_forward")
BRIDGE_NF_CALL = Path("/proc/sys/net/bridge/bridge-nf-call-iptables")


class Iptables:
    """Applies `rules.plan` output to the kernel for one daemon's chains."""

    def __init__(self, chains: Chains, save: str = "iptables-save", restore: str = "iptables-restore"):
        self.chains = chains
        self._save = save
        self._restore = restore
        self.applied: dict[str, list[str]] | None = None  # the plan now in the kernel

    def saved(self) -> str:
        return self._run([self._save], None)

    def _run(self, argv: list[str], stdin: str | None) -> str:
        try:
            proc = subprocess.run(
                argv, input=stdin, capture_output=True, text=True, check=False, timeout=60
            )
        except FileNotFoundError:
            raise InternalError(f"{argv[0]} not found: iptables is required for bridge networks") from None
        if proc.returncode != 0:
            raise InternalError(f"{argv[0]} failed: {proc.stderr.strip() or proc.returncode}")
        return proc.stdout

    def _restore_noflush(self, text: str) -> None:
        if text:
            self._run([self._restore, "-w", "--noflush"], text)

    def install(self) -> None:
        """Create our chains and the jumps into them (idempotent)."""
        self.apply([], [])
        missing = rules.missing_jumps(self.chains, self.saved())
        self._restore_noflush(rules.jump_input(missing))

    def apply(self, nets: list[BridgeNet], ports: list[PortForward]) -> None:
        """Make our chains exactly the plan for these networks and ports."""
        plan = rules.plan(self.chains, nets, ports)
        if plan == self.applied:
            return
        text = rules.append_input(self.applied, plan) if self.applied is not None else None
        if text is None:
            text = rules.restore_input(self.chains, plan)
        self._restore_noflush(text)
        self.applied = plan

    def teardown(self) -> None:
        """Remove every trace of this daemon's rules."""
        self._restore_noflush(rules.teardown_input(self.chains, self.saved()))
        self.applied = None


def enable_forwarding() -> bool:
    """Turn IPv4 forwarding on; when we are the ones turning it on, make FORWARD default to
    DROP as Docker does so the host does not start routing for its neighbours.
    Returns True if it was off."""
    if IP_FORWARD.read_text().strip() == "1":
        return False
    IP_FORWARD.write_text("1\n")
    subprocess.run(["iptables", "-w", "-P", "FORWARD", "DROP"], check=False, capture_output=True)
    return True


def filter_bridged_traffic() -> None:
    """Make traffic between two ports of one bridge pass iptables (what `enable_icc=false`
    drops), loading br_netfilter if needed, as dockerd does; a host that cannot is refused."""
    if not BRIDGE_NF_CALL.exists():
        subprocess.run(["modprobe", "br_netfilter"], check=False, capture_output=True)
    try:
        if BRIDGE_NF_CALL.read_text().strip() != "1":
            BRIDGE_NF_CALL.write_text("1\n")
    except OSError as exc:
        raise InvalidArgument("com.docker.network.bridge.enable_icc=false needs the br_netfilter module: "
                              f"{exc.strerror or exc}") from None
