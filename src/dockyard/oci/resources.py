"""Engine API HostConfig resource fields -> OCI `linux.resources` (pure)."""

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
    return cpu
