"""OCI `linux.resources` -> the cgroup file writes that apply them (pure plans)."""

from dockyard.errors import InvalidArgument

Write = tuple[str, str, str]  # (controller, file, value)


def _device_rule(rule: dict) -> str:
    kind = rule.get("type") or "a"
    major = "*" if rule.get("major") is None else str(rule["major"])
    minor = "*" if rule.get("minor") is None else str(rule["minor"])
    return f"{kind} {major}:{minor} {rule.get('access') or 'rwm'}"


def plan_v1(resources: dict) -> list[Write]:
    writes: list[Write] = []
    for rule in resources.get("devices") or []:
        target = "devices.allow" if rule.get("allow") else "devices.deny"
        writes.append(("devices", target, _device_rule(rule)))
    memory = resources.get("memory") or {}
    if "limit" in memory:
        writes.append(("memory", "memory.limit_in_bytes", str(memory["limit"])))
    if "swap" in memory:
        writes.append(("memory", "memory.memsw.limit_in_bytes", str(memory["swap"])))
    if "reservation" in memory:
        writes.append(("memory", "memory.soft_limit_in_bytes", str(memory["reservation"])))
    if "swappiness" in memory:
        writes.append(("memory", "memory.swappiness", str(memory["swappiness"])))
    if memory.get("disableOOMKiller"):
        writes.append(("memory", "memory.oom_control", "1"))
    cpu = resources.get("cpu") or {}
    for key, file in (("shares", "cpu.shares"), ("period", "cpu.cfs_period_us"),
                      ("quota", "cpu.cfs_quota_us"), ("realtimePeriod", "cpu.rt_period_us"),
                      ("realtimeRuntime", "cpu.rt_runtime_us")):
        if key in cpu:
            writes.append(("cpu", file, str(cpu[key])))
    writes += _cpuset_and_pids(resources)
    block = resources.get("blockIO") or {}
    if block.get("weight"):
        writes.append(("blkio", "blkio.weight", str(block["weight"])))
    return writes


def _cpuset_and_pids(resources: dict) -> list[Write]:
    """The knobs that v1 and v2 name alike."""
    cpu, pids = resources.get("cpu") or {}, resources.get("pids") or {}
    writes: list[Write] = [("cpuset", f"cpuset.{key}", cpu[key]) for key in ("cpus", "mems") if cpu.get(key)]
    if "limit" in pids:
        writes.append(("pids", "pids.max", "max" if pids["limit"] <= 0 else str(pids["limit"])))
    return writes


def shares_to_weight(shares: int) -> int:
    """cgroup v1 cpu.shares [2, 262144] -> v2 cpu.weight [1, 10000], as runc converts."""
    return 1 + ((max(2, min(shares, 262144)) - 2) * 9999) // 262142


def plan_v2(resources: dict) -> list[Write]:
    writes: list[Write] = []
    memory = resources.get("memory") or {}
    limit = memory.get("limit")
    if limit is not None:
        writes.append(("memory", "memory.max", "max" if limit < 0 else str(limit)))
    if "swap" in memory:
        swap = memory["swap"]
        value = "max" if swap < 0 else str(max(0, swap - (limit or 0)) if limit else swap)
        writes.append(("memory", "memory.swap.max", value))
    if "reservation" in memory:
        writes.append(("memory", "memory.low", str(memory["reservation"])))
    if memory.get("disableOOMKiller"):
        writes.append(("memory", "memory.oom.group", "0"))
    cpu = resources.get("cpu") or {}
    if "realtimePeriod" in cpu or "realtimeRuntime" in cpu:
        raise InvalidArgument("real-time CPU scheduling (--cpu-rt-period, --cpu-rt-runtime) needs cgroup v1")
    if "shares" in cpu:
        writes.append(("cpu", "cpu.weight", str(shares_to_weight(cpu["shares"]))))
    if "quota" in cpu or "period" in cpu:
        quota = cpu.get("quota", -1)
        writes.append(("cpu", "cpu.max",
                       f"{'max' if quota is None or quota <= 0 else quota} {cpu.get('period') or 100000}"))
    writes += _cpuset_and_pids(resources)
    block = resources.get("blockIO") or {}
    if block.get("weight"):
        writes.append(("io", "io.weight", f"default {block['weight']}"))
    return writes
