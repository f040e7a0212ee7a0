"""The volume record: what is persisted per volume, and its Engine API shape."""

from dataclasses import dataclass, field
from datetime import datetime, timezone

ANONYMOUS_LABEL = "com.docker.volume.anonymous"
TRANSIENT_USER = "copy-up-"  # prefix of users of a device-backed mount that never outlive a call


@dataclass
class Volume:
    name: str
    created_at: str                          # RFC3339, seconds, UTC
    labels: dict[str, str] | None = None     # None when created without any (shown as null)
    options: dict[str, str] | None = None
    # ids of containers using it: kept in memory, rebuilt at boot from the containers' mount records
    references: set[str] = field(default_factory=set)
    mounted_by: set[str] = field(default_factory=set)   # users of a device-backed volume's mount

    @property
    def anonymous(self) -> bool:
        return ANONYMOUS_LABEL in (self.labels or {})

    @property
    def device_backed(self) -> bool:
        """`--opt type=... --opt device=...`: mounted at `_data` while a container uses it."""
        return bool((self.options or {}).get("type") or (self.options or {}).get("device"))

    def to_record(self) -> dict:
        return {"Name": self.name, "CreatedAt": self.created_at, "Labels": self.labels,
                "Options": self.options, "MountedBy": sorted(self.mounted_by)}

    @classmethod
    def from_record(cls, record: dict) -> "Volume":
        return cls(record["Name"], record["CreatedAt"], record.get("Labels"), record.get("Options"),
                   mounted_by=set(record.get("MountedBy") or ()))


def now_rfc3339() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def volume_json(volume: Volume, mountpoint: str) -> dict:
    """The body of `GET /volumes/{name}` and of each entry of `GET /volumes`."""
    return {
        "CreatedAt": volume.created_at,
        "Driver": "local",
        "Labels": volume.labels,
        "Mountpoint": mountpoint,
        "Name": volume.name,
        "Options": volume.options,
        "Scope": "local",
    }
