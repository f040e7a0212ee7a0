"""The container record as stored under the data root (pure data, JSON round-trip)."""

from dataclasses import dataclass, field


@dataclass
class State:
    status: str = "created"  # created, running, paused, restarting, removing, exited, dead
    pid: int = 0
    exit_code: int = 0
    error: str = ""
    oom_killed: bool = False
    started_at: int = 0  # ns since the epoch; 0 = never
    finished_at: int = 0
    health: dict | None = None
    stopped_by_user: bool = False  # `unless-stopped` and `always` must not undo a user's stop

    @property
    def running(self) -> bool:
        return self.status in ("running", "paused", "restarting")


@dataclass
class Container:
    id: str
    name: str
    created: int  # ns
    image_id: str
    config: dict  # the create body's container config (Image as given, Cmd, Env, Tty, ...)
    host_config: dict
    networking_config: dict = field(default_factory=dict)
    path: str = ""
    args: list[str] = field(default_factory=list)
    state: State = field(default_factory=State)
    restart_count: int = 0
    runtime: str = "dockyard"
    mounts: list[dict] = field(default_factory=list)  # inspect's Mounts
    network_settings: dict = field(default_factory=dict)
    log_path: str = ""
    hostname_path: str = ""
    hosts_path: str = ""
    resolv_conf_path: str = ""

    def to_dict(self) -> dict:
        """Shallow: written out at once, so no deep copy (asdict's cost several ms per save)."""
        return {**vars(self), "state": dict(vars(self.state))}

    @classmethod
    def from_dict(cls, raw: dict) -> "Container":
        raw = dict(raw)
        raw["state"] = State(**raw.get("state", {}))
        return cls(**raw)

    def set_endpoint_config(self, network: str, endpoint: dict | None) -> None:
        """`network connect`/`disconnect` of a stopped container: the endpoint it gets at its
        next start (None: none)."""
        endpoints = self.networking_config.setdefault("EndpointsConfig", {})
        if endpoint is None:
            endpoints.pop(network, None)
        else:
            endpoints[network] = endpoint

    @property
    def tty(self) -> bool:
        return bool(self.config.get("Tty"))
