"""The event record and its filters (pure)."""

from dataclasses import dataclass, field

# Container and image events also carry the legacy status/id/from keys.
_LEGACY_TYPES = {"container", "image"}


@dataclass(frozen=True)
class Event:
    type: str
    action: str
    actor_id: str
    attributes: dict[str, str] = field(default_factory=dict)
    time_nano: int = 0

    def to_json(self) -> dict:
        body = {
            "Type": self.type,
            "Action": self.action,
            "Actor": {"ID": self.actor_id, "Attributes": dict(self.attributes)},
            "scope": "local",
            "time": self.time_nano // 1_000_000_000,
            "timeNano": self.time_nano,
        }
        if self.type in _LEGACY_TYPES:
            body = {"status": self.action, "id": self.actor_id, **body}
            if "image" in self.attributes and self.type == "container":
                body["from"] = self.attributes["image"]
        return body

    @classmethod
    def from_json(cls, body: dict) -> "Event":
        actor = body.get("Actor", {})
        return cls(body["Type"], body["Action"], actor.get("ID", ""), actor.get("Attributes", {}), body["timeNano"])


def matches(event: Event, filters: dict[str, list[str]]) -> bool:
    """Docker's event filters: every given key must match one of its values (labels: all of them)."""
    checks = {
        "type": lambda v: event.type == v,
        "event": lambda v: event.action == v or event.action.split(":")[0] == v,
        "container": lambda v: event.type == "container" and _actor_is(event, v),
        "image": lambda v: event.attributes.get("image") == v or (event.type == "image" and _actor_is(event, v)),
        "network": lambda v: event.type == "network" and _actor_is(event, v),
        "volume": lambda v: event.type == "volume" and _actor_is(event, v),
        "label": lambda v: _has_label(event, v),
        "scope": lambda v: v == "local",
    }
    for key, values in filters.items():
        check = checks.get(key)
        if check is None:
            continue
        if not (all if key == "label" else any)(check(v) for v in values):
            return False
    return True


def _actor_is(event: Event, value: str) -> bool:
    return event.actor_id.startswith(value) or event.attributes.get("name") == value


def _has_label(event: Event, label: str) -> bool:
    key, sep, value = label.partition("=")
    return key in event.attributes and (not sep or event.attributes[key] == value)
