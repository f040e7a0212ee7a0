"""What `docker stats` needs from a cgroup, and the parsers of cgroup stat files (pure)."""

from dataclasses import dataclass, field


@dataclass
class CgroupStats:
    memory_usage: int = 0
    memory_limit: int = 0
    memory_inactive_file: int = 0
    cpu_total_ns: int = 0
    cpu_percpu_ns: list[int] = field(default_factory=list)
    pids_current: int = 0
    blkio_read_bytes: int = 0
    blkio_write_bytes: int = 0
    oom_kills: int = 0


def parse_flat_keyed(text: str) -> dict[str, int]:
    """`key value` lines (memory.stat, cpu.stat, memory.events, memory.oom_control)."""
    values = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].lstrip("-").isdigit():
            values[parts[0]] = int(parts[1])
    return values


def parse_blkio_v1(text: str) -> tuple[int, int]:
    """blkio.*io_service_bytes*: `8:0 Read 123` lines -> (read, write) totals."""
    read = write = 0
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] == "Read":
            read += int(parts[2])
        elif len(parts) == 3 and parts[1] == "Write":
            write += int(parts[2])
    return read, write


def parse_io_stat_v2(text: str) -> tuple[int, int]:
    """io.stat: `8:0 rbytes=1 wbytes=2 ...` lines -> (read, write) totals."""
    read = write = 0
    for line in text.splitlines():
        for item in line.split()[1:]:
            key, _, value = item.partition("=")
            if key == "rbytes":
                read += int(value)
            elif key == "wbytes":
                write += int(value)
    return read, write
