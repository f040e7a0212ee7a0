"""What the daemon has of a project: its containers, and which networks and volumes exist."""

from __future__ import annotations

from dataclasses import dataclass, field

from dockyard.client import Client
from dockyard.client import containers, images, networks, volumes
from dockyard.compose import labels as L


@dataclass(frozen=True)
class Seen:
    """One container of the project, as `GET /containers/json` lists it."""
    id: str
    name: str
    service: str
    number: int
    oneoff: bool
    config_hash: str
    state: str  # created, running, paused, restarting, exited, dead
    image: str = ""
    status: str = ""
    command: str = ""
    created: int = 0
    ports: tuple = ()
    volumes: tuple[tuple[str, str], ...] = ()  # (destination, volume name) of its volume mounts

    @property
    def running(self) -> bool:
        return self.state in ("running", "paused", "restarting")


@dataclass
class Observed:
    containers: list[Seen] = field(default_factory=list)
    networks: set[str] = field(default_factory=set)
    volumes: set[str] = field(default_factory=set)
    images: set[str] = field(default_factory=set)  # repo:tag of local images (looked at only for builds)

    def has_image(self, image: str) -> bool:
        tagged = image if ":" in image.rsplit("/", 1)[-1] or "@" in image else f"{image}:latest"
        return tagged in self.images

    def of_service(self, service: str, oneoff: bool = False) -> list[Seen]:
        found = [c for c in self.containers if c.service == service and c.oneoff == oneoff]
        return sorted(found, key=lambda c: c.number)


def seen(summary: dict) -> Seen:
    labels = summary.get("Labels") or {}
    number = labels.get(L.NUMBER, "")
    return Seen(id=summary["Id"], name=(summary.get("Names") or ["/"])[0].lstrip("/"),
                service=labels.get(L.SERVICE, ""), number=int(number) if number.isdigit() else 0,
                oneoff=labels.get(L.ONEOFF) == "True", config_hash=labels.get(L.CONFIG_HASH, ""),
                state=summary.get("State", ""), image=summary.get("Image", ""), status=summary.get("Status", ""),
                command=summary.get("Command", ""), created=int(summary.get("Created") or 0),
                ports=tuple(tuple(sorted(p.items())) for p in summary.get("Ports") or []),
                volumes=tuple((m.get("Destination", ""), m.get("Name", "")) for m in summary.get("Mounts") or []
                              if m.get("Type") == "volume" and m.get("Name")))


def observe(client: Client, project: str, with_images: bool = False) -> Observed:
    listed = containers.list_containers(client, all_=True, filters=L.project_filter(project))
    tags = {t for i in images.list_images(client) for t in i.get("RepoTags") or []} if with_images else set()
    return Observed(containers=[seen(c) for c in listed],
                    networks={n["Name"] for n in networks.list_networks(client)},
                    volumes={v["Name"] for v in volumes.list_volumes(client)}, images=tags)
