"""(project, observed) → the API calls that converge them, as data (pure).

Each Step is one call through the client (or one wait on a dependency's condition); the
executor performs them in order. `up` creates missing networks and volumes, then walks the
services in dependency order: wait for the conditions its dependencies promise, remove
containers beyond the scale, recreate those whose config hash changed, create missing ones,
start what is not running."""

from __future__ import annotations

from dataclasses import dataclass, field

from dockyard.compose import file_refs, labels as L
from dockyard.compose.container_spec import config_hash, container_body, container_name
from dockyard.compose.model.types import Project, Service
from dockyard.compose.observe import Observed, Seen
from dockyard.errors import InvalidArgument, NotFound


@dataclass(frozen=True)
class Step:
    action: str  # build_image, create_network, create_volume, create_container, start_container, stop_container,
    #              restart_container, remove_container, remove_network, remove_volume, wait_healthy,
    #              wait_completed, wait_running, remove_image, keep_running (reported only)
    target: str  # the object's name
    body: dict | None = field(default=None, compare=True)
    service: str = ""
    platform: str = ""  # create_container: the `platform` query (the service's `platform:`)
    files: tuple = ()  # create_container: secrets and configs written in before the start (file_refs.Injected)


@dataclass(frozen=True)
class UpOptions:
    services: tuple[str, ...] = ()  # () = all
    scale: dict = field(default_factory=dict)
    force_recreate: bool = False
    no_recreate: bool = False
    no_start: bool = False
    no_deps: bool = False
    remove_orphans: bool = False
    timeout: int | None = None  # stop grace in seconds (default: the service's stop_grace_period)
    build: bool = False  # build images even when they exist (`up --build`)
    wait: bool = False  # `up --wait`: then wait for every container to run (healthy if it has a check)
    all_resources: bool = False  # `--all-resources`: networks and volumes no service uses too
    no_build: bool = False  # `--no-build`: a missing image is pulled (or an error), never built
    pull: str = ""  # `--pull always|missing|never|build` (empty: the services' pull_policy)
    recreate_deps: bool = False  # `--always-recreate-deps`: the dependencies of the services named too
    renew_anon_volumes: bool = False  # `-V`: recreated containers get fresh anonymous volumes


def dependency_order(project: Project, names: list[str] | None = None, with_deps: bool = True) -> list[str]:
    """Services with every dependency before its dependents; a cycle is an error."""
    order: list[str] = []
    visiting: set[str] = set()

    def visit(name: str, path: tuple[str, ...]) -> None:
        if name in order:
            return
        if name in visiting:
            raise InvalidArgument(f"dependency cycle detected: {' -> '.join((*path, name))}")
        visiting.add(name)
        for dep in project.service(name).depends_on:  # without deps they still order what is wanted
            if dep.service in project.services:
                visit(dep.service, (*path, name))
        visiting.discard(name)
        order.append(name)

    wanted = set(names or project.services)
    for name in names or list(project.services):
        project.service(name)  # unknown names fail here
        visit(name, ())
    return order if with_deps else [n for n in order if n in wanted]


def plan_up(project: Project, observed: Observed, options: UpOptions = UpOptions()) -> list[Step]:
    order = dependency_order(project, list(options.services) or None, not options.no_deps)
    services = [project.services[n] for n in order]
    steps = _resources(project, observed, services, options.all_resources)
    if options.remove_orphans:
        steps += _remove(project, orphans(project, observed), False, options.timeout)
    waited: set[str] = set()
    for service in services:
        built = service.build is not None and not options.no_build and (
            options.build or options.pull == "build" or not observed.has_image(service.image))
        if options.pull == "always" or (options.pull == "missing" and not built
                                        and not observed.has_image(service.image)):
            steps.append(Step("pull_image", service.image, service=service.name))
        if built:
            steps.append(build_step(service))
        if not options.no_start:
            steps += _waits(project, service, observed, waited, order)
        steps += _converge(project, service, observed, options, rebuilt=built)
    if options.wait and not options.no_start:
        steps += [Step("wait_running", container_name(project, service, n), {"completed": _completes(project, service)},
                       service.name)
                  for service in services for n in _numbers(service, observed, options)]
    return steps


def _completes(project: Project, service: Service) -> bool:
    """compose v2: a service another waits on to complete successfully is waited on for that."""
    return any(d.service == service.name and d.condition == "service_completed_successfully"
               for other in project.services.values() for d in other.depends_on)


def _numbers(service: Service, observed: Observed, options: UpOptions) -> list[int]:
    """The container numbers a service has once `up` converged it."""
    scale = int(options.scale.get(service.name, service.scale))
    kept = [c.number for c in observed.of_service(service.name)][:scale]
    free = (n for n in range(1, scale + len(kept) + 1) if n not in kept)
    return sorted(kept + [next(free) for _ in range(scale - len(kept))])


def build_step(service: Service, no_cache: bool = False, args: dict | None = None, pull: bool = False,
               memory: int = 0, quiet: bool = False) -> Step:
    """`args` (`--build-arg`) override the service's build args."""
    spec = service.build
    if spec is None:
        raise InvalidArgument(f"service {service.name} has no build section")
    return Step("build_image", service.image, {"context": spec.context, "dockerfile": spec.dockerfile,
                                               "args": {**dict(spec.args), **(args or {})}, "target": spec.target,
                                               "labels": dict(spec.labels), "no_cache": no_cache, "pull": pull,
                                               "memory": memory, "quiet": quiet}, service.name)


def plan_run(project: Project, observed: Observed, name: str, no_deps: bool = False) -> list[Step]:
    """What a one-off container of `name` needs first: its networks and volumes, its dependencies up."""
    service = project.service(name)
    deps = [] if no_deps else [n for n in dependency_order(project, [name]) if n != name]
    up = plan_up(project, observed, UpOptions(tuple(deps), no_recreate=True)) if deps else []
    planned = {s.target for s in up}
    own = [s for s in _resources(project, observed, [service]) if s.target not in planned]
    if service.build is not None and not observed.has_image(service.image):
        own.append(build_step(service))
    return own + up + _waits(project, service, observed, set(), deps)


def _resources(project: Project, observed: Observed, services: list[Service], every: bool = False) -> list[Step]:
    networks = dict.fromkeys(k for s in services for k in s.networks)
    volumes = dict.fromkeys(m.source for s in services for m in s.volumes if m.type == "volume" and m.source)
    if every:
        networks.update(dict.fromkeys(project.networks))
        volumes.update(dict.fromkeys(project.volumes))
    return (_create_missing(project, "network", networks, project.networks, observed.networks, _network_body)
            + _create_missing(project, "volume", volumes, project.volumes, observed.volumes, _volume_body))


_EXTERNAL_MISSING = {"network": "network {} declared as external, but could not be found",
                     "volume": "external volume \"{}\" not found"}


def _create_missing(project: Project, kind: str, keys, defined: dict, existing: set[str], body) -> list[Step]:
    """Create steps for the networks or volumes the daemon lacks; a missing external one is an error."""
    steps = []
    for key in keys:
        wanted = defined[key]
        if wanted.name in existing:
            continue
        if wanted.external:
            raise NotFound(_EXTERNAL_MISSING[kind].format(wanted.name))
        steps.append(Step(f"create_{kind}", wanted.name, body(project, key)))
    return steps


def _network_body(project: Project, key: str) -> dict:
    net = project.networks[key]
    body = {"Name": net.name, "Driver": net.driver or "bridge", "Internal": net.internal,
            "Options": net.driver_opts, "Attachable": False, "CheckDuplicate": True,
            "Labels": {**net.labels, L.PROJECT: project.name, L.NETWORK: key, L.VERSION: L.COMPOSE_VERSION}}
    if net.subnets:
        body["IPAM"] = {"Driver": "default", "Config": [{"Subnet": s} for s in net.subnets]}
    return _hashed(body)


def _hashed(body: dict) -> dict:
    """compose v2 labels networks and volumes with a hash of their definition too."""
    return {**body, "Labels": {**body["Labels"], L.CONFIG_HASH: config_hash(body)}}


def _volume_body(project: Project, key: str) -> dict:
    vol = project.volumes[key]
    return _hashed({"Name": vol.name, "Driver": vol.driver or "local", "DriverOpts": vol.driver_opts,
                    "Labels": {**vol.labels, L.PROJECT: project.name, L.VOLUME: key, L.VERSION: L.COMPOSE_VERSION}})


def _waits(project: Project, service: Service, observed: Observed, waited: set[str], order: list[str]) -> list[Step]:
    steps = []
    for dep in service.depends_on:
        if dep.condition == "service_started" or dep.service not in order or dep.service in waited:
            continue
        waited.add(dep.service)
        action = "wait_healthy" if dep.condition == "service_healthy" else "wait_completed"
        dependency = project.services[dep.service]
        scale = max(dependency.scale, 1)
        steps += [Step(action, container_name(project, dependency, n), service=dep.service)
                  for n in range(1, scale + 1)]
    return steps


def _converge(project: Project, service: Service, observed: Observed, options: UpOptions,
              rebuilt: bool = False) -> list[Step]:
    scale = int(options.scale.get(service.name, service.scale))
    existing = observed.of_service(service.name)
    keep, extra = existing[:scale], existing[scale:]
    steps = _remove(project, list(reversed(extra)), False, options.timeout)
    wanted_hash = config_hash_of(project, service)
    used = {c.number for c in keep}
    for seen in keep:
        dependency = bool(options.services) and service.name not in options.services
        stale = seen.config_hash != wanted_hash or options.force_recreate or rebuilt or (
            options.recreate_deps and dependency)
        if stale and not options.no_recreate:
            steps += _remove(project, [seen], False, options.timeout)
            inherit = None if options.renew_anon_volumes else seen
            steps.append(_create(project, service, seen.number, inherit))  # compose v2's name, whoever made it
            if not options.no_start:
                steps.append(Step("start_container", container_name(project, service, seen.number),
                                  service=service.name))
        elif not seen.running and not options.no_start:
            steps.append(Step("start_container", seen.name, service=service.name))
        elif seen.running and not options.no_start:
            steps.append(Step("keep_running", seen.name, service=service.name))
    free = (n for n in range(1, scale + len(used) + 1) if n not in used)
    for _ in range(scale - len(keep)):
        number = next(free)
        steps.append(_create(project, service, number))
        if not options.no_start:
            steps.append(Step("start_container", container_name(project, service, number), service=service.name))
    return steps


def config_hash_of(project: Project, service: Service) -> str:
    return container_body(project, service, 0)["Labels"][L.CONFIG_HASH]


def _create(project: Project, service: Service, number: int, replaces: Seen | None = None) -> Step:
    name = container_name(project, service, number)
    body = container_body(project, service, number, inherited=replaces.volumes if replaces else ())
    return Step("create_container", name, body, service.name, service.platform,
                file_refs.injected(project, service))


def _stop(project: Project, seen: Seen, timeout: int | None) -> Step:
    service = project.services.get(seen.service)
    grace = timeout if timeout is not None else (service.stop_grace_period if service else None)
    return Step("stop_container", seen.name, {"timeout": grace}, seen.service)


def _remove(project: Project, containers: list[Seen], volumes: bool, timeout: int | None = None) -> list[Step]:
    steps = []
    for seen in containers:
        if seen.running:
            steps.append(_stop(project, seen, timeout))
        steps.append(Step("remove_container", seen.name, {"volumes": volumes}, seen.service))
    return steps


def orphans(project: Project, observed: Observed) -> list[Seen]:
    """The project's containers of services its files no longer define."""
    known = set(project.services) | set(project.disabled)
    return [c for c in observed.containers if c.service not in known]


def plan_down(project: Project, observed: Observed, volumes: bool = False, remove_orphans: bool = False,
              timeout: int | None = None, rmi: str = "") -> list[Step]:
    """Containers in reverse dependency order (one-off ones too), then networks, then (-v) volumes,
    then (`--rmi local`) the images built under compose's default name or (`--rmi all`) every
    service's image."""
    order = dependency_order(project)
    rank = {name: i for i, name in enumerate(order)}
    ours = [c for c in observed.containers if c.service in rank or c.service in project.disabled]
    ours.sort(key=lambda c: (-rank.get(c.service, -1), c.oneoff, -c.number))
    leftover = orphans(project, observed) if remove_orphans else []
    steps = _remove(project, ours + leftover, volumes, timeout)
    steps += [Step("remove_network", n.name) for n in project.networks.values()
              if not n.external and n.name in observed.networks]
    if volumes:
        steps += [Step("remove_volume", v.name) for v in project.volumes.values()
                  if not v.external and v.name in observed.volumes]
    if rmi not in ("", "local", "all"):
        raise InvalidArgument(f"invalid value for --rmi: {rmi}")
    if rmi:
        local = [s.image for s in project.services.values()
                 if s.build is not None and s.image == f"{project.name}-{s.name}"]
        named = [s.image for s in project.services.values()] if rmi == "all" else []
        steps += [Step("remove_image", image) for image in dict.fromkeys(named + local)
                  if observed.has_image(image)]
    return steps


def plan_lifecycle(action: str, project: Project, observed: Observed, services: tuple[str, ...] = (),
                   timeout: int | None = None, signal: str | None = None, with_deps: bool = False) -> list[Step]:
    """start, stop, restart, kill, pause and unpause of the containers a project already has
    (dependencies first for start and unpause, dependents first otherwise; `with_deps`: the
    named services' dependencies too, as `restart` without `--no-deps`)."""
    order = dependency_order(project, list(services) or None, with_deps=with_deps)
    if action not in ("start", "unpause"):
        order.reverse()
    steps = []
    for name in order:
        for seen in observed.of_service(name):
            steps += _lifecycle_step(action, project, seen, timeout, signal)
    return steps


def _lifecycle_step(action: str, project: Project, seen: Seen, timeout: int | None, signal: str | None) -> list[Step]:
    applies = {"start": not seen.running, "stop": seen.running, "restart": True, "kill": seen.running,
               "pause": seen.state == "running", "unpause": seen.state == "paused"}
    if not applies[action]:
        return []
    if action == "stop":
        return [_stop(project, seen, timeout)]
    body = {"restart": lambda: {"timeout": (_stop(project, seen, timeout).body or {})["timeout"]},
            "kill": lambda: {"signal": signal}}.get(action, lambda: None)()
    return [Step(f"{action}_container", seen.name, body, seen.service)]


def plan_rm(project: Project, observed: Observed, services: tuple[str, ...] = (), stop: bool = False,
            volumes: bool = False) -> list[Step]:
    """`rm`: the stopped containers of the services (running ones too, stopped first, with -s)."""
    order = dependency_order(project, list(services) or None, with_deps=False)
    chosen = [c for name in reversed(order) for c in observed.of_service(name) if stop or not c.running]
    return _remove(project, chosen, volumes)
