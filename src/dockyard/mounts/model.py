"""A planned mount point: what the container sees at `destination` and where it comes from."""

from dataclasses import asdict, dataclass, field

BIND, VOLUME, TMPFS = "bind", "volume", "tmpfs"


@dataclass(frozen=True)
class PlannedMount:
    type: str                       # bind | volume | tmpfs
    destination: str                # clean absolute path in the container
    source: str = ""                # bind: host path; volume: name ("" until an anonymous one is named)
    read_only: bool = False
    mode: str = ""                  # `Mounts[].Mode` as Docker shows it ("z", "ro", "rw,nocopy", "")
    propagation: str = ""           # bind: rprivate unless given; volume and tmpfs: ""
    non_recursive: bool = False     # bind: plain bind instead of rbind
    create_source: bool = False     # bind from `-v`: create a missing host directory at start
    copy_data: bool = False         # volume: seed a new, empty volume from the image
    anonymous: bool = False         # volume: nameless in the request, removed by `rm -v`
    inherited: bool = False         # from `--volumes-from`: the volume must exist already
    subpath: str = ""               # volume: mount this relative path of the volume
    driver: str = ""                # volume: driver name ("local")
    volume_options: dict[str, str] = field(default_factory=dict)   # used when the volume is created
    volume_labels: dict[str, str] = field(default_factory=dict)
    tmpfs_options: tuple[str, ...] = ()   # tmpfs: options as given (merged with defaults in `oci`)
    listed: bool = True             # appears in inspect `Mounts` (`--tmpfs` entries do not)

    def to_json(self) -> dict:
        body = asdict(self)
        body["tmpfs_options"] = list(self.tmpfs_options)
        return body

    @classmethod
    def from_json(cls, body: dict) -> "PlannedMount":
        known = {k: v for k, v in body.items() if k in cls.__dataclass_fields__}
        known["tmpfs_options"] = tuple(known.get("tmpfs_options", ()))
        return cls(**known)


def mounts_to_json(mounts: list[PlannedMount]) -> list[dict]:
    return [m.to_json() for m in mounts]


def mounts_from_json(bodies: list[dict]) -> list[PlannedMount]:
    return [PlannedMount.from_json(b) for b in bodies]
