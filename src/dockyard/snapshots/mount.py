"""Mount values: what a snapshot needs mounted to become a root filesystem (pure data)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Mount:
    """One mount(2) call: `mount -t <type> <source> <target> -o <options>`."""

    type: str
    source: str
    options: tuple[str, ...] = field(default_factory=tuple)

    def to_json(self) -> dict:
        return {"Type": self.type, "Source": self.source, "Options": list(self.options)}

    @classmethod
    def from_json(cls, obj: dict) -> "Mount":
        return cls(obj["Type"], obj["Source"], tuple(obj.get("Options") or ()))

    def option_string(self) -> str:
        """The data argument of mount(2), without the flag-like options."""
        return ",".join(o for o in self.options if o not in _FLAG_OPTIONS)

    def flags(self) -> set[str]:
        return {o for o in self.options if o in _FLAG_OPTIONS}


def for_daemon(mounts: list[Mount]) -> list[Mount]:
    """The same mounts with nosuid,nodev: for the daemon's own work on a root (a build step,
    `docker cp` of a stopped container), where nothing needs a setuid bit or a device to act."""
    return [Mount(m.type, m.source, (*m.options, "nosuid", "nodev")) for m in mounts]


_FLAG_OPTIONS = {"ro", "rw", "bind", "rbind", "nosuid", "nodev", "noexec"}
