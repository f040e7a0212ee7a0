"""A service's limits, logging and security keys → their HostConfig fields, as compose v2's
`getCreateConfigs`/`getDeployResources` set them (pure). Unset keys are left out, so the
config hash of a service that uses none of them is what it was before they were supported."""

from __future__ import annotations

from dockyard.compose.model.types import Service


def host_settings(service: Service) -> dict:
    limits = service.limits
    settings = {
        "Memory": limits.memory, "MemorySwap": limits.memory_swap, "MemoryReservation": limits.memory_reservation,
        "ShmSize": limits.shm_size, "NanoCpus": limits.nano_cpus, "CpuShares": limits.cpu_shares,
        "CpusetCpus": limits.cpuset, "PidsLimit": limits.pids_limit, "OomScoreAdj": limits.oom_score_adj,
        "CgroupParent": limits.cgroup_parent, "CpuQuota": limits.cpu_quota, "CpuPeriod": limits.cpu_period,
        "MemorySwappiness": limits.mem_swappiness, "OomKillDisable": limits.oom_kill_disable or None,
        "BlkioWeight": limits.blkio_weight, "DeviceCgroupRules": limits.device_cgroup_rules,
        "Ulimits": [{"Name": u.name, "Hard": u.hard, "Soft": u.soft} for u in limits.ulimits],
        "Devices": [{"PathOnHost": d.host, "PathInContainer": d.container, "CgroupPermissions": d.permissions}
                    for d in limits.devices],
        "LogConfig": _log_config(service), "SecurityOpt": service.security_opt,
        "DnsSearch": service.dns_search, "DnsOptions": service.dns_opt, "GroupAdd": service.group_add,
        "UsernsMode": service.userns_mode, "UTSMode": service.uts, "Runtime": service.runtime,
    }
    settings = {k: v for k, v in settings.items() if v not in (0, "", [], None)}
    if service.unconfined_paths:  # security_opt systempaths=unconfined
        settings.update(MaskedPaths=[], ReadonlyPaths=[])
    return settings


def _log_config(service: Service) -> dict | None:
    logging = service.logging
    if logging is None:
        return None
    return {"Type": logging.driver, "Config": dict(logging.options)}
