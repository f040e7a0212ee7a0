"""CNI network configuration lists: the one in use, and the default the daemon writes (pure).

As libcni and containerd: the first file of the configuration directory in lexical order
(`*.conflist`, or a single plugin's `*.conf`/`*.json` made into a list) is the pod network.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from dockyard.errors import InvalidArgument

EXTENSIONS = (".conflist", ".conf", ".json")
DEFAULT_FILE = "10-dockyard.conflist"
DEFAULT_SUBNET = "10.88.0.0/16"
DEFAULT_BRIDGE = "dockyard-cni0"


@dataclass(frozen=True)
class NetworkList:
    name: str
    cni_version: str
    plugins: tuple[dict, ...]
    source: str = ""                 # the file it came from

    def plugin_config(self, plugin: dict, runtime_config: dict, prev_result: dict | None) -> dict:
        """What one plugin reads on stdin: its entry with the list's name and version, the
        runtime's values for the capabilities it declares, and the previous plugin's result."""
        config = {**plugin, "name": self.name, "cniVersion": self.cni_version}
        wanted = {k: v for k, v in runtime_config.items() if (plugin.get("capabilities") or {}).get(k)}
        if wanted:
            config["runtimeConfig"] = wanted
        if prev_result is not None:
            config["prevResult"] = prev_result
        return config


def parse(text: str, source: str = "") -> NetworkList:
    try:
        raw = json.loads(text)
    except ValueError as err:
        raise InvalidArgument(f"invalid CNI configuration {source}: {err}") from None
    if not isinstance(raw, dict):
        raise InvalidArgument(f"invalid CNI configuration {source}: not a JSON object")
    plugins = raw.get("plugins")
    if plugins is None and raw.get("type"):       # a single plugin's .conf
        plugins = [{k: v for k, v in raw.items() if k not in ("name", "cniVersion")}]
    if not raw.get("name") or not isinstance(plugins, list) or not plugins:
        raise InvalidArgument(f"invalid CNI configuration {source}: needs a name and plugins")
    if not all(isinstance(p, dict) and p.get("type") for p in plugins):
        raise InvalidArgument(f"invalid CNI configuration {source}: every plugin needs a type")
    return NetworkList(str(raw["name"]), str(raw.get("cniVersion") or "0.4.0"), tuple(plugins), source)


def choose(names: list[str]) -> str | None:
    """The file libcni would load first."""
    candidates = sorted(n for n in names if n.endswith(EXTENSIONS) and not n.startswith("."))
    return candidates[0] if candidates else None


def default_list(subnet: str = DEFAULT_SUBNET, bridge: str = DEFAULT_BRIDGE) -> dict:
    """A bridge with NAT and host-local addresses, hostPort mappings by portmap: Debian's
    containernetworking-plugins have all three."""
    return {"cniVersion": "1.0.0", "name": "dockyard", "plugins": [
        {"type": "bridge", "bridge": bridge, "isGateway": True, "ipMasq": True, "hairpinMode": True,
         "ipam": {"type": "host-local", "ranges": [[{"subnet": subnet}]], "routes": [{"dst": "0.0.0.0/0"}]}},
        {"type": "portmap", "capabilities": {"portMappings": True}, "snat": True},
    ]}


def pod_addresses(result: dict) -> list[str]:
    """The pod's addresses in a CNI result (any version), those of its own interfaces first."""
    ips = result.get("ips") or []
    sandbox_ifaces = {i for i, iface in enumerate(result.get("interfaces") or []) if iface.get("sandbox")}
    ordered = sorted(ips, key=lambda ip: ip.get("interface") not in sandbox_ifaces)
    addresses = [str(ip.get("address", "")).split("/")[0] for ip in ordered if ip.get("address")]
    if not addresses:                              # CNI 0.2.0
        addresses = [str(result.get(f, {}).get("ip", "")).split("/")[0] for f in ("ip4", "ip6") if result.get(f)]
    return addresses
