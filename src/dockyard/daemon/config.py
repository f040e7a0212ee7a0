"""Daemon configuration from flags and a JSON config file, named as dockerd names them (pure)."""

import argparse
import ipaddress
import json
from dataclasses import dataclass, field
from pathlib import Path

from dockyard.errors import InvalidArgument
from dockyard.network.ipam import parse_address_pool
from dockyard.registry.endpoint import parse_insecure_registry
from dockyard.registry.mirrors import parse_mirrors
from dockyard.shim.logopts import keeps_log_file
from dockyard.wire import gostrconv

DEFAULT_HOST = "unix:///run/dockyard.sock"
DEFAULT_SOCKET_GROUP = "docker"           # as dockerd: root when no such group exists
DEFAULT_SANDBOX_IMAGE = "registry.k8s.io/pause:3.10"   # the kubelet's own default since 1.31
DEFAULT_CNI_BIN_DIRS = ("/usr/lib/cni", "/opt/cni/bin")   # Debian's plugins, then upstream's


@dataclass
class DaemonConfig:
    hosts: list[str] = field(default_factory=lambda: [DEFAULT_HOST])
    data_root: Path = Path("/var/lib/dockyard")
    exec_root: Path = Path("/run/dockyard")
    pidfile: Path | None = None
    group: str = DEFAULT_SOCKET_GROUP        # owner group of the unix sockets
    log_level: str = "info"
    tlsverify: bool = False
    tlscacert: str | None = None
    tlscert: str | None = None
    tlskey: str | None = None
    default_runtime: str = "dockyard"
    runtimes: dict[str, str] = field(default_factory=dict)
    bridge: str = "dockyard0"
    bip: str | None = None
    iptables: bool = True
    cgroup_parent: str = "dockyard"
    insecure_registries: list[str] = field(default_factory=list)
    log_driver: str = "json-file"
    log_opts: dict[str, str] = field(default_factory=dict)
    registry_mirrors: list[str] = field(default_factory=list)   # URL (docker.io) or HOST=URL
    # The Kubernetes CRI endpoint, served only when cri_socket is set.
    cri_socket: str | None = None
    cri_stream_address: str = "127.0.0.1:0"     # exec/attach/port-forward URLs; port 0: any free one
    pod_sandbox_image: str = DEFAULT_SANDBOX_IMAGE
    cni_bin_dirs: list[str] = field(default_factory=lambda: list(DEFAULT_CNI_BIN_DIRS))
    cni_conf_dir: Path = Path("/etc/cni/net.d")
    default_address_pools: list[tuple[str, int]] = field(default_factory=list)  # (base, size)

    @property
    def log_default(self) -> dict:
        """The LogConfig of containers that name no driver (merged as dockerd does)."""
        return {"Type": self.log_driver, "Config": dict(self.log_opts)}


# flag name → (config-file key, how to parse one value)
_FILE_KEYS = {
    "hosts": "hosts", "data-root": "data_root", "exec-root": "exec_root", "pidfile": "pidfile",
    "log-level": "log_level", "group": "group", "tlsverify": "tlsverify", "tlscacert": "tlscacert",
    "tlscert": "tlscert", "tlskey": "tlskey", "default-runtime": "default_runtime",
    "runtimes": "runtimes", "bridge": "bridge", "bip": "bip", "iptables": "iptables",
    "cgroup-parent": "cgroup_parent", "insecure-registries": "insecure_registries",
    "log-driver": "log_driver", "log-opts": "log_opts", "registry-mirrors": "registry_mirrors",
    "cri-socket": "cri_socket", "cri-stream-address": "cri_stream_address",
    "pod-sandbox-image": "pod_sandbox_image", "cni-bin-dir": "cni_bin_dirs", "cni-conf-dir": "cni_conf_dir",
    "default-address-pools": "default_address_pools",
}


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="dockyardd", description="dockyard daemon: serves the Docker Engine API")
    p.add_argument("-H", "--host", action="append", dest="hosts", help="socket(s) to listen on (unix:// or tcp://)")
    p.add_argument("--data-root", help="root of persistent state (default /var/lib/dockyard)")
    p.add_argument("--exec-root", help="root of runtime state (default /run/dockyard)")
    p.add_argument("-p", "--pidfile", help="path of the daemon's PID file")
    p.add_argument("-G", "--group", help="group of the unix sockets (default docker, if it exists)")
    p.add_argument("-l", "--log-level", choices=["debug", "info", "warn", "error", "fatal"])
    p.add_argument("--config-file", help="JSON file with the same keys as the flags")
    p.add_argument("--tlsverify", action="store_true", default=None, help="require client certificates")
    p.add_argument("--tlscacert")
    p.add_argument("--tlscert")
    p.add_argument("--tlskey")
    p.add_argument("--default-runtime", help="runtime for containers that name none")
    p.add_argument("--add-runtime", action="append", default=[], metavar="NAME=PATH", help="register an OCI runtime")
    p.add_argument("-b", "--bridge", help="name of the default bridge")
    p.add_argument("--bip", help="address/prefix of the default bridge")
    p.add_argument("--iptables", type=_bool, default=None, help="manage iptables rules (true/false)")
    p.add_argument("--cgroup-parent", help="parent cgroup of containers")
    p.add_argument("--insecure-registry", action="append", default=[], metavar="HOST|CIDR",
                   help="registry spoken to over plain HTTP (127.0.0.0/8 always is)")
    p.add_argument("--log-driver", help="log driver of containers that name none (json-file, none)")
    p.add_argument("--log-opt", action="append", default=[], metavar="KEY=VALUE",
                   help="default log driver option, e.g. max-size=10m")
    p.add_argument("--registry-mirror", action="append", default=[], metavar="[HOST=]URL",
                   help="pull from URL first: Docker Hub's images, or HOST's with HOST=URL")
    p.add_argument("--cri-socket", metavar="unix:///PATH", help="serve the Kubernetes CRI (gRPC) here")
    p.add_argument("--cri-stream-address", metavar="ADDR:PORT",
                   help="CRI streaming server (exec, attach, port-forward); default 127.0.0.1:0")
    p.add_argument("--pod-sandbox-image", help=f"image of pods' sandbox containers (default {DEFAULT_SANDBOX_IMAGE})")
    p.add_argument("--cni-bin-dir", action="append", default=None, metavar="DIR",
                   help="where CNI plugins are (repeatable; default /usr/lib/cni, /opt/cni/bin)")
    p.add_argument("--cni-conf-dir", help="CNI network configurations (default /etc/cni/net.d)")
    p.add_argument("--default-address-pool", action="append", default=[], metavar="base=CIDR,size=N",
                   help="subnets for the default bridge and new networks (replace Docker's defaults)")
    return p


def _bool(text: str) -> bool:
    """Go's strconv.ParseBool, as dockerd reads its flags: anything else is refused, not false."""
    try:
        return gostrconv.parse_bool(text)
    except gostrconv.GoSyntaxError as err:
        raise argparse.ArgumentTypeError(f'invalid argument "{text}": {err}') from None


def load_config(argv: list[str]) -> DaemonConfig:
    args = parser().parse_args(argv)
    values = _file_values(args.config_file) if args.config_file else {}
    for flag, key in _FILE_KEYS.items():
        value = getattr(args, flag.replace("-", "_"), None)
        if value is not None:
            values[key] = value
    runtimes = dict(values.get("runtimes", {}))
    for spec in args.add_runtime:
        name, sep, path = spec.partition("=")
        if not sep or not name or not path:
            raise InvalidArgument(f"invalid --add-runtime {spec!r}: expected NAME=PATH")
        runtimes[name] = path
    values["runtimes"] = runtimes
    values["insecure_registries"] = [*values.get("insecure_registries", []), *args.insecure_registry]
    values["log_opts"] = {**values.get("log_opts", {}), **_key_values("--log-opt", args.log_opt)}
    values["registry_mirrors"] = [*values.get("registry_mirrors", []), *args.registry_mirror]
    pools = [_file_pool(p) for p in values.get("default_address_pools", [])]
    values["default_address_pools"] = [*pools, *map(parse_address_pool, args.default_address_pool)]
    return _typed(values)


def _file_pool(pool) -> tuple[str, int]:
    """A `default-address-pools` entry of the config file: {"base": CIDR, "size": N}."""
    if not isinstance(pool, dict):
        raise InvalidArgument(f"invalid default-address-pools entry {pool!r}: want {{\"base\": ..., \"size\": ...}}")
    return parse_address_pool(f"base={pool.get('base')},size={pool.get('size')}")


def _key_values(flag: str, specs: list[str]) -> dict[str, str]:
    pairs = {}
    for spec in specs:
        key, sep, value = spec.partition("=")
        if not sep or not key:
            raise InvalidArgument(f"invalid {flag} {spec!r}: expected KEY=VALUE")
        pairs[key] = value
    return pairs


def _file_values(path: str) -> dict:
    try:
        raw = json.loads(Path(path).read_text())
    except (OSError, ValueError) as err:
        raise InvalidArgument(f"unable to read config file {path}: {err}") from None
    unknown = set(raw) - set(_FILE_KEYS)
    if unknown:
        raise InvalidArgument(f"unknown keys in config file {path}: {', '.join(sorted(unknown))}")
    values = {_FILE_KEYS[k]: v for k, v in raw.items()}
    runtimes = values.get("runtimes", {})
    values["runtimes"] = {n: (r["path"] if isinstance(r, dict) else r) for n, r in runtimes.items()}
    return values


def _typed(values: dict) -> DaemonConfig:
    config = DaemonConfig(**values)
    if isinstance(config.cni_bin_dirs, str):
        config.cni_bin_dirs = [config.cni_bin_dirs]
    for name in ("data_root", "exec_root", "pidfile", "cni_conf_dir"):
        value = getattr(config, name)
        if value is not None:
            setattr(config, name, Path(value).absolute())
    for host in config.hosts:
        if not host.startswith(("unix://", "tcp://", "fd://")):
            raise InvalidArgument(f"invalid host {host!r}: use unix:///path or tcp://addr:port")
    keeps_log_file(config.log_default)      # an unknown driver or option stops the daemon here
    if config.bip is not None:
        _check_cidr(config.bip)
    if config.cri_socket is not None and not config.cri_socket.startswith("unix://"):
        raise InvalidArgument(f"invalid cri-socket {config.cri_socket!r}: use unix:///path")
    parse_mirrors(config.registry_mirrors)  # a malformed mirror stops the daemon here
    for entry in config.insecure_registries:     # and so does a malformed insecure registry
        parse_insecure_registry(entry)
    return config


def _check_cidr(text: str) -> None:
    """An address with its prefix length, as Go's net.ParseCIDR wants it (dockerd's words)."""
    try:
        ipaddress.ip_interface(text if "/" in text else "invalid")
    except ValueError:
        raise InvalidArgument(f"Error initializing network controller: invalid CIDR address: {text}") from None
