"""Docker's default pieces of a Linux OCI runtime spec (pure data)."""

DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
DEFAULT_SHM_SIZE = 64 * 1024 * 1024

MASKED_PATHS: tuple[str, ...] = (
    "/proc/asound", "/proc/acpi", "/proc/interrupts", "/proc/kcore", "/proc/keys",
    "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
    "/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap",
)
READONLY_PATHS: tuple[str, ...] = (
    "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
)


def default_mounts(shm_size: int, privileged: bool) -> list[dict]:
    """/proc, /dev, /dev/pts, /sys, /sys/fs/cgroup, /dev/mqueue and /dev/shm, as Docker mounts them."""
    sys_ro = [] if privileged else ["ro"]
    return [
        {"destination": "/proc", "type": "proc", "source": "proc",
         "options": ["nosuid", "noexec", "nodev"]},
        {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
         "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
        {"destination": "/dev/pts", "type": "devpts", "source": "devpts",
         "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]},
        {"destination": "/sys", "type": "sysfs", "source": "sysfs",
         "options": ["nosuid", "noexec", "nodev", *sys_ro]},
        {"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup",
         "options": ["nosuid", "noexec", "nodev", "relatime", *sys_ro]},
        {"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue",
         "options": ["nosuid", "noexec", "nodev"]},
        {"destination": "/dev/shm", "type": "tmpfs", "source": "shm",
         "options": ["nosuid", "noexec", "nodev", "mode=1777", f"size={shm_size}"]},
    ]


def _allow(kind: str, major: int | None, minor: int | None, access: str = "rwm") -> dict:
    rule: dict = {"allow": True, "type": kind}
    if major is not None:
        rule["major"] = major
    if minor is not None:
        rule["minor"] = minor
    rule["access"] = access
    return rule


def default_device_rules() -> list[dict]:
    """Device cgroup: deny everything, then allow mknod of anything and use of the standard nodes."""
    return [
        {"allow": False, "access": "rwm"},
        _allow("c", None, None, "m"),
        _allow("b", None, None, "m"),
        _allow("c", 1, 3),    # null
        _allow("c", 1, 8),    # random
        _allow("c", 1, 7),    # full
        _allow("c", 5, 0),    # tty
        _allow("c", 1, 5),    # zero
        _allow("c", 1, 9),    # urandom
        _allow("c", 136, None),  # pts
        _allow("c", 5, 2),    # ptmx
        _allow("c", 10, 200),  # tun
    ]


def privileged_device_rules() -> list[dict]:
    return [{"allow": True, "access": "rwm"}]
