"""Engine API HostConfig resource fields -> OCI `linux.resources` (pure)."""

import re

from dockyard.errors import InvalidArgument
from dockyard.oci.defaults import default_device_rules, privileged_device_rules

_CPU_PERIOD = 100_000


def linux_resources(host: dict, privileged: bool) -> dict:
    resources: dict = {
        "devices": privileged_device_rules() if privileged else default_device_rules(),
    }
    memory = _memory(host)
    if memory:
        resources["memory"] = memory
    cpu = _cpu(host)
    if cpu:
        resources["cpu"] = cpu
    pids = host.get("PidsLimit")
    if pids and pids > 0:
        resources["pids"] = {"limit": int(pids)}
    weight = host.get("BlkioWeight")
    if weight:
        resources["blockIO"] = {"weight": int(weight)}
    return resources


def _memory(host: dict) -> dict:
    memory: dict = {}
    limit = int(host.get("Memory") or 0)
    swap = int(host.get("MemorySwap") or 0)
    if limit > 0:
        memory["limit"] = limit
        # dockerd: no explicit swap means as much swap again as memory.
        memory["swap"] = swap if swap else limit * 2
    elif swap:
        memory["swap"] = swap
    if host.get("MemoryReservation"):
        memory["reservation"] = int(host["MemoryReservation"])
    swappiness = host.get("MemorySwappiness")
    if swappiness is not None and swappiness >= 0:
        memory["swappiness"] = int(swappiness)
    if host.get("OomKillDisable"):
        memory["disableOOMKiller"] = True
    return memory


def _cpu(host: dict) -> dict:
    cpu: dict = {}
    if host.get("CpuShares"):
        cpu["shares"] = int(host["CpuShares"])
    nano = int(host.get("NanoCpus") or 0)
    if nano:
        cpu["period"] = _CPU_PERIOD
        cpu["quota"] = nano * _CPU_PERIOD // 1_000_000_000
    if host.get("CpuQuota"):
        cpu["quota"] = int(host["CpuQuota"])
    if host.get("CpuPeriod"):
        cpu["period"] = int(host["CpuPeriod"])
    if host.get("CpusetCpus"):
        cpu["cpus"] = host["CpusetCpus"]
    if host.get("CpusetMems"):
        cpu["mems"] = host["CpusetMems"]
    for key, field in (("realtimePeriod", "CpuRealtimePeriod"), ("realtimeRuntime", "CpuRealtimeRuntime")):
        if host.get(field):
            cpu[key] = int(host[field])
    return cpu


def device_rule(device: dict) -> dict:
    """The device cgroup rule letting a container use one --device."""
    return {"allow": True, "type": device["type"], "major": device["major"],
            "minor": device["minor"], "access": device.get("access") or "rwm"}


_CGROUP_RULE = re.compile(r"^([acb]) ([0-9]+|\*):([0-9]+|\*) ([rwm]{1,3})$")


def parse_device_cgroup_rule(rule: str) -> dict:
    """`--device-cgroup-rule 'c 1:3 mr'` -> an OCI allow rule."""
    match = _CGROUP_RULE.match(rule.strip())
    if not match:
        raise InvalidArgument(f"invalid device cgroup rule format: '{rule}'")
    kind, major, minor, access = match.groups()
    parsed: dict = {"allow": True, "type": kind}
    if major != "*":
        parsed["major"] = int(major)
    if minor != "*":
        parsed["minor"] = int(minor)
    parsed["access"] = access
    return parsed
