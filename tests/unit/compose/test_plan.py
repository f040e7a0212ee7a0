"""Plans as data: a project and what the daemon has → the API calls, without a daemon."""

import pytest

from dockyard.compose import labels as L
from dockyard.compose.container_spec import container_body
from dockyard.compose.model import load_project
from dockyard.compose.observe import Observed, seen
from dockyard.compose.plan import (UpOptions, dependency_order, plan_down, plan_lifecycle, plan_rm, plan_run,
                                   plan_up)
from dockyard.errors import InvalidArgument, NotFound

COMPOSE = """
services:
  web:
    image: busybox
    ports: ["8080:80"]
    depends_on: {db: {condition: service_healthy}}
    environment: {MODE: "${MODE:-prod}"}
  db:
    image: busybox
    volumes: ["data:/var/lib/db"]
    healthcheck: {test: [CMD, "true"], interval: 1s}
    stop_grace_period: 3s
volumes:
  data:
"""


def project(environ=None, text=COMPOSE):
    return load_project(["/srv/shop/compose.yaml"], lambda p: text if p.endswith(".yaml") else _missing(p),
                        environ or {})


def _missing(path):
    raise FileNotFoundError(path)


def running(proj, service, number, state="running", **changes):
    body = container_body(proj, proj.services[service], number)
    labels = {**body["Labels"], **changes}
    return seen({"Id": f"id-{service}-{number}", "Names": [f"/shop-{service}-{number}"], "Labels": labels,
                 "State": state})


def actions(steps, reported: bool = False):
    """(action, target) of the steps that act; `keep_running` only reports, shown with `reported`."""
    return [(s.action, s.target) for s in steps if reported or s.action != "keep_running"]


def test_first_up_creates_everything_in_dependency_order():
    proj = project()
    steps = plan_up(proj, Observed(networks={"bridge"}))
    assert actions(steps) == [
        ("create_network", "shop_default"), ("create_volume", "shop_data"),
        ("create_container", "shop-db-1"), ("start_container", "shop-db-1"),
        ("wait_healthy", "shop-db-1"),
        ("create_container", "shop-web-1"), ("start_container", "shop-web-1")]
    network = steps[0].body
    hash_ = network["Labels"].pop(L.CONFIG_HASH)
    assert network["Labels"] == {L.PROJECT: "shop", L.NETWORK: "default", L.VERSION: L.COMPOSE_VERSION}
    assert len(hash_) == 64
    web = steps[5].body
    assert web["Labels"][L.SERVICE] == "web" and web["Labels"][L.NUMBER] == "1"
    assert web["Labels"][L.ONEOFF] == "False" and web["Labels"][L.WORKING_DIR] == "/srv/shop"
    assert web["Env"] == ["MODE=prod"]
    assert web["HostConfig"]["NetworkMode"] == "shop_default"
    assert web["HostConfig"]["PortBindings"] == {"80/tcp": [{"HostIp": "", "HostPort": "8080"}]}
    assert web["NetworkingConfig"] == {"EndpointsConfig": {"shop_default": {"Aliases": ["shop-web-1", "web"]}}}
    db = steps[2].body
    assert db["HostConfig"]["Mounts"] == [{"Type": "volume", "Target": "/var/lib/db", "ReadOnly": False,
                                           "Source": "shop_data"}]
    assert db["Healthcheck"] == {"Test": ["CMD", "true"], "Interval": 1_000_000_000}
    assert db["StopTimeout"] == 3


def test_up_again_changes_nothing_and_starts_what_stopped():
    proj = project()
    observed = Observed([running(proj, "db", 1), running(proj, "web", 1, state="exited")],
                        {"shop_default"}, {"shop_data"})
    assert actions(plan_up(proj, observed), reported=True) == [
        ("keep_running", "shop-db-1"), ("wait_healthy", "shop-db-1"), ("start_container", "shop-web-1")]


def test_config_change_recreates_only_that_service():
    old = project()
    observed = Observed([running(old, "db", 1), running(old, "web", 1)], {"shop_default"}, {"shop_data"})
    steps = plan_up(project({"MODE": "dev"}), observed)
    assert actions(steps) == [("wait_healthy", "shop-db-1"), ("stop_container", "shop-web-1"),
                              ("remove_container", "shop-web-1"), ("create_container", "shop-web-1"),
                              ("start_container", "shop-web-1")]
    assert [s for s in steps if s.action == "create_container"][0].body["Env"] == ["MODE=dev"]
    assert actions(plan_up(project({"MODE": "dev"}), observed, UpOptions(no_recreate=True))) == \
        [("wait_healthy", "shop-db-1")]
    forced = plan_up(old, observed, UpOptions(force_recreate=True))
    assert ("create_container", "shop-db-1") in actions(forced)


def test_scale_up_and_down():
    proj = project()
    observed = Observed([running(proj, "db", 1), running(proj, "web", 1), running(proj, "web", 3)],
                        {"shop_default"}, {"shop_data"})
    up = plan_up(proj, observed, UpOptions(scale={"web": 3}, services=("web",), no_deps=True))
    assert actions(up) == [("create_container", "shop-web-2"), ("start_container", "shop-web-2")]
    down = plan_up(proj, observed, UpOptions(scale={"web": 1}, services=("web",), no_deps=True))
    assert actions(down) == [("stop_container", "shop-web-3"), ("remove_container", "shop-web-3")]


def test_down_removes_in_reverse_order_and_volumes_only_with_v():
    proj = project()
    orphan = seen({"Id": "o", "Names": ["/shop-old-1"], "State": "exited",
                   "Labels": {L.PROJECT: "shop", L.SERVICE: "old", L.NUMBER: "1"}})
    observed = Observed([running(proj, "db", 1), running(proj, "web", 1), orphan],
                        {"shop_default", "bridge"}, {"shop_data"})
    steps = plan_down(proj, observed)
    assert actions(steps) == [("stop_container", "shop-web-1"), ("remove_container", "shop-web-1"),
                              ("stop_container", "shop-db-1"), ("remove_container", "shop-db-1"),
                              ("remove_network", "shop_default")]
    assert steps[2].body == {"timeout": 3}
    with_v = plan_down(proj, observed, volumes=True, remove_orphans=True, timeout=0)
    assert ("remove_container", "shop-old-1") in actions(with_v)
    assert actions(with_v)[-1] == ("remove_volume", "shop_data")
    assert with_v[0].body == {"timeout": 0} and with_v[1].body == {"volumes": True}


def test_lifecycle_and_run_plans():
    proj = project()
    observed = Observed([running(proj, "db", 1), running(proj, "web", 1, state="exited")],
                        {"shop_default"}, {"shop_data"})
    assert actions(plan_lifecycle("stop", proj, observed)) == [("stop_container", "shop-db-1")]
    assert actions(plan_lifecycle("start", proj, observed)) == [("start_container", "shop-web-1")]
    assert actions(plan_lifecycle("restart", proj, observed, ("web",))) == [("restart_container", "shop-web-1")]
    killed = plan_lifecycle("kill", proj, observed, signal="SIGTERM")
    assert actions(killed) == [("kill_container", "shop-db-1")] and killed[0].body == {"signal": "SIGTERM"}
    assert actions(plan_lifecycle("pause", proj, observed)) == [("pause_container", "shop-db-1")]
    assert actions(plan_rm(proj, observed)) == [("remove_container", "shop-web-1")]
    assert actions(plan_rm(proj, observed, stop=True)) == [
        ("remove_container", "shop-web-1"), ("stop_container", "shop-db-1"), ("remove_container", "shop-db-1")]
    fresh = plan_run(proj, Observed(), "web")
    assert actions(fresh)[:2] == [("create_network", "shop_default"), ("create_volume", "shop_data")]
    assert actions(fresh)[-1] == ("wait_healthy", "shop-db-1")
    assert actions(plan_run(proj, observed, "web", no_deps=True)) == []


def test_external_resources_must_exist_and_cycles_fail():
    text = "services: {a: {image: x, networks: [ext]}}\nnetworks: {ext: {external: true}}"
    with pytest.raises(NotFound, match="network ext declared as external"):
        plan_up(project(text=text), Observed())
    steps = plan_up(project(text=text), Observed(networks={"ext"}))
    assert actions(steps) == [("create_container", "shop-a-1"), ("start_container", "shop-a-1")]
    assert steps[0].body["HostConfig"]["NetworkMode"] == "ext"
    cyclic = "services: {a: {image: x, depends_on: [b]}, b: {image: x, depends_on: [a]}}"
    with pytest.raises(InvalidArgument, match="dependency cycle"):
        dependency_order(project(text=cyclic))


def test_build_when_the_image_is_missing_or_asked_and_recreate_what_was_built():
    text = "services: {app: {build: ./app}, db: {image: busybox}}"
    proj = project(text=text)
    first = plan_up(proj, Observed(networks={"shop_default"}))
    assert actions(first)[0] == ("build_image", "shop-app")
    assert first[0].body == {"context": "/srv/shop/app", "dockerfile": "Dockerfile", "args": {}, "target": "",
                             "labels": {}, "no_cache": False, "pull": False, "memory": 0, "quiet": False}
    observed = Observed([running(proj, "app", 1), running(proj, "db", 1)], {"shop_default"},
                        images={"shop-app:latest", "busybox:latest"})
    assert actions(plan_up(proj, observed)) == []
    rebuilt = plan_up(proj, observed, UpOptions(build=True))
    assert actions(rebuilt) == [("build_image", "shop-app"), ("stop_container", "shop-app-1"),
                                ("remove_container", "shop-app-1"), ("create_container", "shop-app-1"),
                                ("start_container", "shop-app-1")]


def test_containers_docker_compose_v1_made_are_recreated_under_v2_names():
    proj = project()
    legacy = seen({"Id": "v1", "Names": ["/shop_web_1"], "State": "running",
                   "Labels": {L.PROJECT: "shop", L.SERVICE: "web", L.NUMBER: "1", L.ONEOFF: "False",
                              L.CONFIG_HASH: "v1-hash"}})
    observed = Observed([running(proj, "db", 1), legacy], {"shop_default"}, {"shop_data"})
    assert actions(plan_up(proj, observed))[1:] == [
        ("stop_container", "shop_web_1"), ("remove_container", "shop_web_1"),
        ("create_container", "shop-web-1"), ("start_container", "shop-web-1")]


def test_recreate_keeps_anonymous_volumes_and_not_the_named_ones():
    text = "services: {db: {image: busybox, volumes: [data:/named, /scratch], environment: {V: '${V:-1}'}}}\nvolumes: {data: }"
    old = project(text=text)
    previous = seen({"Id": "x", "Names": ["/shop-db-1"], "State": "running",
                     "Labels": container_body(old, old.services["db"], 1)["Labels"],
                     "Mounts": [{"Type": "volume", "Name": "shop_data", "Destination": "/named"},
                                {"Type": "volume", "Name": "a" * 64, "Destination": "/scratch"},
                                {"Type": "volume", "Name": "b" * 64, "Destination": "/image-volume"},
                                {"Type": "bind", "Source": "/host", "Destination": "/bind"}]})
    steps = plan_up(project({"V": "2"}, text=text), Observed([previous], {"shop_default"}, {"shop_data"}))
    create = next(s for s in steps if s.action == "create_container")
    assert create.body["HostConfig"]["Mounts"] == [
        {"Type": "volume", "Target": "/named", "ReadOnly": False, "Source": "shop_data"},
        {"Type": "volume", "Source": "a" * 64, "Target": "/scratch", "ReadOnly": False},
        {"Type": "volume", "Source": "b" * 64, "Target": "/image-volume", "ReadOnly": False}]
