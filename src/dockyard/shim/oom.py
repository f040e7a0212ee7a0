"""Did the container's memory cgroup OOM-kill something? (cgroup v1 and v2)

The cgroup is located once from the live init's /proc/<pid>/cgroup and its
`oom_kill` counter read again when the init has exited (before runtime delete).
"""

import os
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")


def _counter_files(proc_cgroup: str, root: Path) -> list[Path]:
    files = []
    for line in proc_cgroup.splitlines():
        _, controllers, path = line.split(":", 2)
        rel = path.lstrip("/")
        if "memory" in controllers.split(","):
            files.append(root / "memory" / rel / "memory.oom_control")
        elif controllers == "":
            for base in (root / "unified", root):
                files.append(base / rel / "memory.events")
    return files


def read_oom_kills(files: list[Path]) -> int:
    for file in files:
        try:
            text = file.read_text()
        except OSError:
            continue
        for line in text.splitlines():
            key, _, value = line.partition(" ")
            if key == "oom_kill":
                return int(value)
    return 0


class OomProbe:
    def __init__(self, files: list[Path]):
        self.files = files
        self.baseline = read_oom_kills(files)

    @classmethod
    def for_pid(cls, pid: int, root: Path = CGROUP_ROOT) -> "OomProbe":
        try:
            with open(f"/proc/{pid}/cgroup") as proc_cgroup:
                return cls(_counter_files(proc_cgroup.read(), root))
        except OSError:
            return cls([])

    def oom_killed(self) -> bool:
        return bool(self.files) and read_oom_kills(self.files) > self.baseline

    def to_json(self) -> dict:
        return {"files": [os.fspath(f) for f in self.files], "baseline": self.baseline}
