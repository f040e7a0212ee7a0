"""The body of `GET /info`: cheap, since generic `docker inspect` calls it mid-way."""

import os
import platform
import socket
from datetime import datetime, timezone

from dockyard import __version__


def info_body(services) -> dict:
    config = services.config
    counts = services.containers.counts() if services.containers else {}
    images = services.images.count() if services.images else 0
    return {
        "ID": _daemon_id(config.data_root),
        "Containers": sum(counts.values()),
        "ContainersRunning": counts.get("running", 0),
        "ContainersPaused": counts.get("paused", 0),
        "ContainersStopped": counts.get("stopped", 0),
        "Images": images,
        "Driver": "overlay2",
        "DriverStatus": [["Backing Filesystem", "extfs"]],
        "Plugins": {"Volume": ["local"], "Network": ["bridge", "host", "null"], "Log": ["json-file", "none"]},
        "MemoryLimit": True, "SwapLimit": True, "CpuCfsPeriod": True, "CpuCfsQuota": True,
        "CPUShares": True, "CPUSet": True, "PidsLimit": True, "IPv4Forwarding": True,
        "Debug": config.log_level == "debug",
        "NFd": len(os.listdir("/proc/self/fd")),
        "NGoroutines": 0,
        "SystemTime": _now(),
        "LoggingDriver": config.log_driver,
        "CgroupDriver": "cgroupfs",
        "CgroupVersion": "2" if os.path.exists("/sys/fs/cgroup/cgroup.controllers") else "1",
        "NEventsListener": 0,
        "KernelVersion": os.uname().release,
        "OperatingSystem": _os_name(),
        "OSType": "linux",
        "OSVersion": "",
        "Architecture": platform.machine(),
        "IndexServerAddress": "https://index.docker.io/v1/",
        "RegistryConfig": services.registries.config() if services.registries else
        {"IndexConfigs": {}, "InsecureRegistryCIDRs": ["127.0.0.0/8"], "Mirrors": []},
        "NCPU": os.cpu_count(),
        "MemTotal": os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"),
        "DockerRootDir": str(config.data_root),
        "Name": socket.gethostname(),
        "Labels": [],
        "ExperimentalBuild": False,
        "ServerVersion": __version__,
        "Runtimes": services.runtimes.describe() if services.runtimes else {},
        "DefaultRuntime": config.default_runtime,
        "Swarm": {"LocalNodeState": "inactive", "NodeID": "", "NodeAddr": "", "ControlAvailable": False,
                  "Error": "", "RemoteManagers": None},
        "LiveRestoreEnabled": True,
        "Isolation": "",
        "InitBinary": "dockyard-init",
        "SecurityOptions": ["name=seccomp,profile=builtin"],
        "DefaultAddressPools": [],
        "Warnings": [],
    }


def _daemon_id(data_root) -> str:
    path = data_root / "engine-id"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        ident = os.urandom(16).hex()
        path.write_text(ident)
        return ident


def _now() -> str:
    return datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")


def _os_name() -> str:
    try:
        for line in open("/etc/os-release"):
            if line.startswith("PRETTY_NAME="):
                return line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    return "Linux"


def arch(machine: str) -> str:
    """Go's name for a machine architecture."""
    return {"x86_64": "amd64", "aarch64": "arm64"}.get(machine, machine)
