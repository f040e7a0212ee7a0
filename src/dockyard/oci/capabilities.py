"""Linux capability names and Docker's capability arithmetic (pure)."""

from dockyard.errors import InvalidArgument

# Index = capability number (linux/capability.h).
CAPABILITY_NAMES: tuple[str, ...] = (
    "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID",
    "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW",
    "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
    "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ",
    "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
)
CAPABILITY_NUMBERS: dict[str, int] = {name: i for i, name in enumerate(CAPABILITY_NAMES)}

# Docker's default set, in Docker's order.
DEFAULT_CAPABILITIES: tuple[str, ...] = (
    "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW",
    "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
    "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
)


def normalize_capability(name: str) -> str:
    """'sys_admin', 'CAP_SYS_ADMIN', 'SYS_ADMIN' -> 'CAP_SYS_ADMIN'; 'all' -> 'ALL'."""
    upper = name.strip().upper()
    if upper == "ALL":
        return "ALL"
    if not upper.startswith("CAP_"):
        upper = "CAP_" + upper
    if upper not in CAPABILITY_NUMBERS:
        raise InvalidArgument(f"unknown capability: {name!r}")
    return upper


def capabilities_from_mask(mask: int) -> list[str]:
    """The capability names whose bits are set in a /proc/<pid>/status Cap* mask."""
    return [name for i, name in enumerate(CAPABILITY_NAMES) if mask >> i & 1]


def mask_from_capabilities(names: list[str]) -> int:
    mask = 0
    for name in names:
        if name in CAPABILITY_NUMBERS:  # names unknown to this table are ignored, as runc warns
            mask |= 1 << CAPABILITY_NUMBERS[name]
    return mask


def tweak_capabilities(
    cap_add: list[str] | None, cap_drop: list[str] | None, all_caps: list[str]
) -> list[str]:
    """Docker's rule: start from the defaults, drop (ALL empties it), then add (ALL = every one).

    `all_caps` is what ALL means here: the host's bounding set, so we never ask for a
    capability the kernel would refuse.
    """
    adds = [normalize_capability(c) for c in cap_add or []]
    drops = [normalize_capability(c) for c in cap_drop or []]
    if "ALL" in adds:
        caps = list(all_caps)
    elif "ALL" in drops:
        caps = []
    else:
        caps = [c for c in DEFAULT_CAPABILITIES if c not in drops]
    if "ALL" not in adds:
        for cap in adds:
            if cap not in caps and cap not in drops:
                caps.append(cap)
    if "ALL" in adds:
        caps = [c for c in caps if c not in drops]
    return [c for c in caps if c in all_caps]
