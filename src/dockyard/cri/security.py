"""CRI security contexts and resources → the HostConfig fields that mean the same (pure).

Defaults follow containerd's CRI plugin: no seccomp profile named means unconfined (the kubelet
names RuntimeDefault when it wants it), masked and read-only paths are the runtime's unless the
kubelet lists them. What dockyard cannot do (AppArmor and SELinux profiles, user namespaces,
ambient capabilities, hugepage limits, cgroup v2 `unified` keys on v1) is refused, not ignored.
"""

from __future__ import annotations

import json
from pathlib import Path

from dockyard.cri.generated import api_pb2 as cri
from dockyard.errors import InvalidArgument, NotImplementedYet

PROPAGATIONS = {cri.PROPAGATION_PRIVATE: "rprivate", cri.PROPAGATION_HOST_TO_CONTAINER: "rslave",
                cri.PROPAGATION_BIDIRECTIONAL: "rshared"}


def user(security) -> str:
    """`uid[:gid]`, `name[:gid]` or "" (the image's user)."""
    name = ""
    if security.HasField("run_as_user"):
        name = str(security.run_as_user.value)
    elif getattr(security, "run_as_username", ""):
        name = security.run_as_username
    if security.HasField("run_as_group"):
        if not name:
            raise InvalidArgument("run_as_group is set without run_as_user or run_as_username")
        name += f":{security.run_as_group.value}"
    return name


def host_config(security, seccomp_root: str = "") -> dict:
    """Privileges, groups, read-only root, seccomp, no-new-privs and path masks."""
    if security.supplemental_groups_policy == cri.Strict:
        raise NotImplementedYet("SupplementalGroupsPolicy Strict is not supported by dockyard")
    _refuse_profile(security.apparmor, getattr(security, "apparmor_profile", ""), "AppArmor")
    host: dict = {"Privileged": security.privileged, "ReadonlyRootfs": security.readonly_rootfs,
                  "GroupAdd": [str(g) for g in security.supplemental_groups] or None,
                  "SecurityOpt": _seccomp(security)
                  + (["no-new-privileges"] if getattr(security, "no_new_privs", False) else [])}
    capabilities = getattr(security, "capabilities", None)
    if capabilities is not None:
        if capabilities.add_ambient_capabilities:
            raise NotImplementedYet("ambient capabilities are not supported by dockyard")
        host["CapAdd"] = list(capabilities.add_capabilities) or None
        host["CapDrop"] = list(capabilities.drop_capabilities) or None
    if getattr(security, "masked_paths", None):
        host["MaskedPaths"] = list(security.masked_paths)
    if getattr(security, "readonly_paths", None):
        host["ReadonlyPaths"] = list(security.readonly_paths)
    return host


def _seccomp(security) -> list[str]:
    if security.HasField("seccomp"):
        profile = security.seccomp
        if profile.profile_type == cri.SecurityProfile.RuntimeDefault:
            return []
        if profile.profile_type == cri.SecurityProfile.Unconfined:
            return ["seccomp=unconfined"]
        return [_localhost_seccomp(profile.localhost_ref)]
    path = security.seccomp_profile_path
    if path in ("runtime/default", "docker/default"):
        return []
    if path.startswith("localhost/"):
        return [_localhost_seccomp(path[len("localhost/"):])]
    if path in ("", "unconfined"):
        return ["seccomp=unconfined"]
    raise InvalidArgument(f"unsupported seccomp profile {path!r}")


def _localhost_seccomp(path: str) -> str:
    """A profile file on the node, passed on whole (compact JSON) as `--security-opt seccomp=` is."""
    try:
        profile = json.loads(Path(path).read_text())
    except OSError as err:
        raise InvalidArgument(f"cannot load seccomp profile {path!r}: {err.strerror}") from None
    except ValueError as err:
        raise InvalidArgument(f"decoding seccomp profile {path!r} failed: {err}") from None
    return "seccomp=" + json.dumps(profile, separators=(",", ":"))


def _refuse_profile(profile, deprecated: str, what: str) -> None:
    kind = profile.profile_type if profile is not None and profile.ByteSize() else None
    if kind == cri.SecurityProfile.Localhost or deprecated.startswith("localhost/"):
        raise NotImplementedYet(f"{what} profiles are not supported by dockyard")


def resources(linux: cri.LinuxContainerResources, min_oom_score_adj: int) -> dict:
    if any(h.limit for h in linux.hugepage_limits):
        raise NotImplementedYet("hugepage limits are not supported by dockyard")
    if linux.unified:
        raise NotImplementedYet("cgroup v2 unified resources are not supported by dockyard")
    host = {"CpuPeriod": linux.cpu_period, "CpuQuota": linux.cpu_quota, "CpuShares": linux.cpu_shares,
            "Memory": linux.memory_limit_in_bytes, "MemorySwap": linux.memory_swap_limit_in_bytes,
            "CpusetCpus": linux.cpuset_cpus, "CpusetMems": linux.cpuset_mems}
    if linux.memory_limit_in_bytes and not linux.memory_swap_limit_in_bytes:
        host["MemorySwap"] = linux.memory_limit_in_bytes   # containerd's CRI: no swap unless asked
    if linux.oom_score_adj:
        host["OomScoreAdj"] = max(linux.oom_score_adj, min_oom_score_adj)
    return {k: v for k, v in host.items() if v}


def resources_view(host: dict) -> cri.LinuxContainerResources:
    """What ContainerStatus reports back."""
    return cri.LinuxContainerResources(
        cpu_period=host.get("CpuPeriod") or 0, cpu_quota=host.get("CpuQuota") or 0,
        cpu_shares=host.get("CpuShares") or 0, memory_limit_in_bytes=host.get("Memory") or 0,
        oom_score_adj=host.get("OomScoreAdj") or 0, cpuset_cpus=host.get("CpusetCpus") or "",
        cpuset_mems=host.get("CpusetMems") or "", memory_swap_limit_in_bytes=max(0, host.get("MemorySwap") or 0))
