"""A compose project after loading: services, networks and volumes as plain data."""

from __future__ import annotations

from dataclasses import dataclass, field

from dockyard.errors import NotFound


@dataclass(frozen=True)
class Port:
    target: int
    published: str = ""  # host port ("" = any free port)
    host_ip: str = ""
    protocol: str = "tcp"


@dataclass(frozen=True)
class Mount:
    type: str  # volume, bind, tmpfs
    target: str
    source: str = ""  # volume key in the project (or "" = anonymous), or an absolute host path
    read_only: bool = False


@dataclass(frozen=True)
class Dependency:
    service: str
    condition: str = "service_started"  # service_healthy, service_completed_successfully
    required: bool = True
    restart: bool = False  # restart this service when the dependency is updated


@dataclass(frozen=True)
class Healthcheck:
    test: list[str]
    interval: int = 0  # ns; 0 = the daemon's default
    timeout: int = 0
    start_period: int = 0
    retries: int = 0


@dataclass(frozen=True)
class Attachment:
    """A service's membership of one project network."""
    aliases: tuple[str, ...] = ()
    ipv4_address: str = ""
    priority: int = 0  # the highest (then the first by name) is the container's main network


@dataclass(frozen=True)
class Build:
    context: str  # absolute directory
    dockerfile: str = "Dockerfile"
    args: tuple[tuple[str, str], ...] = ()
    target: str = ""
    labels: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Ulimit:
    name: str
    soft: int
    hard: int


@dataclass(frozen=True)
class Device:
    host: str
    container: str
    permissions: str = "rwm"


@dataclass(frozen=True)
class Logging:
    driver: str = ""  # "" = the daemon's
    options: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class FileObject:
    """A top-level secret or config."""
    name: str
    file: str = ""  # absolute host path: bind-mounted read-only
    environment: str = ""  # the variable its content comes from
    content: str | None = None  # inline or from `environment` (None: that variable is unset)
    external: bool = False
    driver: str = ""


@dataclass(frozen=True)
class FileReference:
    """A service's use of a secret or config: where it appears in the container."""
    source: str
    target: str  # absolute: /run/secrets/<source> and /<source> by default
    uid: str = ""
    gid: str = ""
    mode: int | None = None


@dataclass(frozen=True)
class WatchRule:
    """One `develop.watch` entry: what `compose watch` does when files under `path` change."""
    path: str  # absolute host path
    action: str  # sync, rebuild, restart, sync+restart, sync+exec
    target: str = ""  # where `sync` copies to in the container
    ignore: tuple[str, ...] = ()  # .dockerignore-style patterns, relative to `path`
    include: tuple[str, ...] = ()
    initial_sync: bool = False
    command: tuple[str, ...] = ()  # sync+exec: run in the container after syncing


@dataclass
class Limits:
    """Resource limits and kernel settings of a service's containers (0/"" = the daemon's default)."""
    memory: int = 0  # bytes
    memory_swap: int = 0
    memory_reservation: int = 0
    shm_size: int = 0
    nano_cpus: int = 0
    cpu_shares: int = 0
    cpuset: str = ""
    pids_limit: int = 0
    oom_score_adj: int = 0
    cgroup_parent: str = ""
    cpu_quota: int = 0
    cpu_period: int = 0
    mem_swappiness: int | None = None
    oom_kill_disable: bool = False
    blkio_weight: int = 0
    device_cgroup_rules: list[str] = field(default_factory=list)
    ulimits: list[Ulimit] = field(default_factory=list)
    devices: list[Device] = field(default_factory=list)


@dataclass
class Service:
    name: str
    image: str
    command: list[str] | None = None
    entrypoint: list[str] | None = None
    environment: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    ports: list[Port] = field(default_factory=list)
    expose: list[str] = field(default_factory=list)
    volumes: list[Mount] = field(default_factory=list)
    depends_on: list[Dependency] = field(default_factory=list)
    healthcheck: Healthcheck | None = None
    healthcheck_disabled: bool = False
    restart: str = ""
    networks: dict[str, Attachment] = field(default_factory=dict)  # project network key → attachment
    network_mode: str = ""
    container_name: str = ""
    hostname: str = ""
    user: str = ""
    working_dir: str = ""
    tty: bool = False
    stdin_open: bool = False
    privileged: bool = False
    init: bool = False
    read_only: bool = False
    cap_add: list[str] = field(default_factory=list)
    cap_drop: list[str] = field(default_factory=list)
    extra_hosts: list[str] = field(default_factory=list)
    dns: list[str] = field(default_factory=list)
    tmpfs: list[str] = field(default_factory=list)
    sysctls: dict[str, str] = field(default_factory=dict)
    stop_signal: str = ""
    stop_grace_period: int | None = None  # seconds
    scale: int = 1
    profiles: list[str] = field(default_factory=list)
    pull_policy: str = ""
    build: Build | None = None
    limits: Limits = field(default_factory=Limits)
    logging: Logging | None = None
    security_opt: list[str] = field(default_factory=list)  # seccomp files already read in
    unconfined_paths: bool = False  # security_opt systempaths=unconfined
    dns_search: list[str] = field(default_factory=list)
    dns_opt: list[str] = field(default_factory=list)
    group_add: list[str] = field(default_factory=list)
    pid: str = ""
    ipc: str = ""
    userns_mode: str = ""
    domainname: str = ""
    mac_address: str = ""
    platform: str = ""
    uts: str = ""
    runtime: str = ""
    volumes_from: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    external_links: list[str] = field(default_factory=list)
    secrets: list[FileReference] = field(default_factory=list)
    configs: list[FileReference] = field(default_factory=list)
    watch: list[WatchRule] = field(default_factory=list)


@dataclass
class NetworkDef:
    name: str  # the daemon's name: <project>_<key> unless `name:` or external
    external: bool = False
    driver: str = ""
    driver_opts: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    internal: bool = False
    subnets: list[str] = field(default_factory=list)


@dataclass
class VolumeDef:
    name: str
    external: bool = False
    driver: str = ""
    driver_opts: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)


@dataclass
class Project:
    name: str
    working_dir: str
    config_files: list[str]
    services: dict[str, Service]
    networks: dict[str, NetworkDef]
    volumes: dict[str, VolumeDef]
    disabled: dict[str, Service] = field(default_factory=dict)  # services left out by profiles
    warnings: list[str] = field(default_factory=list)
    secrets: dict[str, FileObject] = field(default_factory=dict)
    configs: dict[str, FileObject] = field(default_factory=dict)
    environment: dict[str, str] = field(default_factory=dict)  # what interpolation read (.env, then the process's)

    def service(self, name: str) -> Service:
        if name not in self.services:
            raise NotFound(f"no such service: {name}")
        return self.services[name]
