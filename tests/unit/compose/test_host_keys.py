"""Service keys that become HostConfig/Config fields: parsed as compose-go does, mapped as
compose v2's create.go does, hashed so a change recreates."""

import json

import pytest

from dockyard.compose import labels as L
from dockyard.compose.container_spec import container_body
from dockyard.compose.model import load_project
from dockyard.compose.model.host import byte_size, nano_cpus
from dockyard.compose.model.types import Dependency
from dockyard.compose.observe import Observed
from dockyard.compose.plan import plan_up
from dockyard.errors import InvalidArgument

MIB = 1 << 20

FULL = """
services:
  db:
    image: busybox
  app:
    image: busybox
    logging: {driver: json-file, options: {max-size: 1m, max-file: 3}}
    ulimits: {nofile: {soft: 1024, hard: 2048}, nproc: 512}
    security_opt: ["no-new-privileges:true", "label:disable"]
    devices: ["/dev/null:/dev/mynull:r", "/dev/zero"]
    dns_search: example.test
    dns_opt: ["ndots:2"]
    shm_size: 128m
    mem_limit: 64m
    memswap_limit: 128m
    mem_reservation: 32m
    cpus: 0.5
    cpu_shares: 512
    cpuset: "0"
    pids_limit: 100
    pid: host
    ipc: shareable
    domainname: example.test
    mac_address: "02:42:ac:11:00:99"
    oom_score_adj: 200
    userns_mode: host
    group_add: [audio, 1234]
    cgroup_parent: mygroup
    volumes_from: ["db:ro", "container:other"]
    links: ["db:database"]
    external_links: ["outside:ext", "lonely"]
    platform: linux/amd64
"""


def project(text: str, environ=None, files=None):
    files = {"/p/compose.yaml": text, **(files or {})}

    def read(path):
        if path not in files:
            raise FileNotFoundError(path)
        return files[path]
    return load_project(["/p/compose.yaml"], read, environ or {})


def test_every_key_lands_where_compose_v2_puts_it():
    proj = project(FULL)
    assert proj.warnings == []
    body = container_body(proj, proj.services["app"], 2)
    host = body["HostConfig"]
    assert {k: host[k] for k in host if k not in ("NetworkMode", "Binds", "Mounts", "PortBindings",
                                                   "RestartPolicy", "Privileged", "ReadonlyRootfs")} == {
        "LogConfig": {"Type": "json-file", "Config": {"max-size": "1m", "max-file": "3"}},
        "Ulimits": [{"Name": "nofile", "Hard": 2048, "Soft": 1024}, {"Name": "nproc", "Hard": 512, "Soft": 512}],
        "SecurityOpt": ["no-new-privileges:true", "label:disable"],
        "Devices": [{"PathOnHost": "/dev/null", "PathInContainer": "/dev/mynull", "CgroupPermissions": "r"},
                    {"PathOnHost": "/dev/zero", "PathInContainer": "/dev/zero", "CgroupPermissions": "rwm"}],
        "DnsSearch": ["example.test"], "DnsOptions": ["ndots:2"],
        "ShmSize": 128 * MIB, "Memory": 64 * MIB, "MemorySwap": 128 * MIB, "MemoryReservation": 32 * MIB,
        "NanoCpus": 500_000_000, "CpuShares": 512, "CpusetCpus": "0", "PidsLimit": 100,
        "PidMode": "host", "IpcMode": "shareable", "OomScoreAdj": 200, "UsernsMode": "host",
        "GroupAdd": ["audio", "1234"], "CgroupParent": "mygroup",
        "VolumesFrom": ["p-db-1:ro", "other"],
        "Links": ["p-db-1:database", "p-db-1:db-2", "p-db-1:p-db-2", "outside:ext", "lonely:lonely"],
    }
    assert body["Domainname"] == "example.test" and "MacAddress" not in body
    assert body["NetworkingConfig"]["EndpointsConfig"]["p_default"] == {
        "Aliases": ["p-app-2", "app"], "Links": host["Links"], "MacAddress": "02:42:ac:11:00:99"}
    # links and volumes_from make db a dependency, as compose-go's normalisation does
    assert proj.services["app"].depends_on == [Dependency("db")]
    assert body["Labels"][L.DEPENDS_ON] == "db:service_started:false"


def test_more_cgroup_and_namespace_keys_the_daemon_runs():
    proj = project("""
services:
  app:
    image: busybox
    cpu_quota: 50000
    cpu_period: 100000
    mem_swappiness: 10
    oom_kill_disable: true
    blkio_config: {weight: 300, device_read_bps: [{path: /dev/sda, rate: 1mb}]}
    device_cgroup_rules: ["c 1:3 mr"]
    uts: host
    runtime: runc
""")
    host = container_body(proj, proj.services["app"], 1)["HostConfig"]
    assert {k: host[k] for k in ("CpuQuota", "CpuPeriod", "MemorySwappiness", "OomKillDisable", "BlkioWeight",
                                 "DeviceCgroupRules", "UTSMode", "Runtime")} == {
        "CpuQuota": 50000, "CpuPeriod": 100000, "MemorySwappiness": 10, "OomKillDisable": True,
        "BlkioWeight": 300, "DeviceCgroupRules": ["c 1:3 mr"], "UTSMode": "host", "Runtime": "runc"}
    assert proj.warnings == ["services.app.blkio_config.device_read_bps is not supported by dockyard compose; "
                             "ignored"]


def test_unused_keys_add_nothing_so_old_hashes_hold():
    proj = project("services: {web: {image: busybox}}")
    host = container_body(proj, proj.services["web"], 1)["HostConfig"]
    assert set(host) == {"NetworkMode", "Binds", "Mounts", "PortBindings", "RestartPolicy", "Privileged",
                         "ReadonlyRootfs"}


def test_links_differ_per_container_but_the_hash_does_not():
    proj = project(FULL)
    first, second = (container_body(proj, proj.services["app"], n) for n in (1, 2))
    assert "p-db-1:db-1" in first["HostConfig"]["Links"] and "p-db-1:db-2" in second["HostConfig"]["Links"]
    assert first["Labels"][L.CONFIG_HASH] == second["Labels"][L.CONFIG_HASH]


@pytest.mark.parametrize("change", ["ulimits: {nofile: 99}", "mem_limit: 65m", "logging: {driver: none}",
                                    "platform: linux/arm64", "links: [db]", "cpus: 0.25"])
def test_a_changed_key_changes_the_config_hash(change):
    base = "services:\n  db: {image: busybox}\n  app:\n    image: busybox\n"
    before, after = project(base), project(base + "    " + change + "\n")
    assert (container_body(before, before.services["app"], 1)["Labels"][L.CONFIG_HASH]
            != container_body(after, after.services["app"], 1)["Labels"][L.CONFIG_HASH])


def test_sizes_and_cpus_as_compose_go_reads_them():
    assert [byte_size(v, "x") for v in (1024, "1k", "1.5g", "2GiB", "64MB", "10 m", -1)] == \
        [1024, 1024, 3 << 29, 2 << 30, 64 * MIB, 10 * MIB, -1]
    assert [nano_cpus(v, "x") for v in (0.5, "1.5", 2, "0.1")] == [500_000_000, 1_500_000_000, 2_000_000_000,
                                                                   100_000_000]
    for bad in ("lots", "12q", True):
        with pytest.raises(InvalidArgument):
            byte_size(bad, "services.a.mem_limit")
    with pytest.raises(InvalidArgument, match="services.a.cpus"):
        project("services: {a: {image: busybox, cpus: many}}")


def test_deploy_resources_and_restart_policy_override_the_service_keys():
    proj = project("""
services:
  app:
    image: busybox
    mem_limit: 1g
    restart: always
    deploy:
      replicas: 2
      placement: {constraints: ["node.role==manager"]}
      restart_policy: {condition: on-failure, max_attempts: 3}
      resources:
        limits: {memory: 50M, cpus: "0.75", pids: 20}
        reservations: {memory: 20M, devices: [{capabilities: [gpu]}]}
""")
    app = proj.services["app"]
    host = container_body(proj, app, 1)["HostConfig"]
    assert (app.scale, host["Memory"], host["NanoCpus"], host["PidsLimit"], host["MemoryReservation"]) == \
        (2, 50 * MIB, 750_000_000, 20, 20 * MIB)
    assert host["RestartPolicy"] == {"Name": "on-failure", "MaximumRetryCount": 3}
    assert proj.warnings == ["services.app.deploy.placement is not supported by dockyard compose; ignored",
                             "services.app.deploy.resources.reservations.devices is not supported by dockyard "
                             "compose; ignored"]


def test_what_cannot_work_here_is_still_warned_about():
    proj = project("""
services:
  app:
    image: busybox
    userns_mode: "ns:/proc/1/ns/user"
    isolation: process
""")
    assert proj.warnings == [
        "services.app.isolation is not supported by dockyard compose; ignored",
        "services.app.userns_mode 'ns:/proc/1/ns/user' is not supported by dockyard (it has no user namespace "
        "remapping); ignored"]
    assert "UsernsMode" not in container_body(proj, proj.services["app"], 1)["HostConfig"]


def test_security_opt_reads_seccomp_files_and_unconfined_lifts_masked_paths():
    profile = '{\n  "defaultAction": "SCMP_ACT_ALLOW",\n  "syscalls": []\n}\n'
    proj = project("""
services:
  app:
    image: busybox
    security_opt: ["seccomp=./profile.json", "seccomp:unconfined", "systempaths=unconfined", "no-new-privileges"]
""", files={"/p/profile.json": profile})
    host = container_body(proj, proj.services["app"], 1)["HostConfig"]
    assert host["SecurityOpt"] == ['seccomp={"defaultAction":"SCMP_ACT_ALLOW","syscalls":[]}',
                                   "seccomp:unconfined", "no-new-privileges"]
    assert (host["MaskedPaths"], host["ReadonlyPaths"]) == ([], [])
    with pytest.raises(InvalidArgument, match="invalid security-opt: 'nonsense'"):
        project("services: {app: {image: busybox, security_opt: [nonsense]}}")
    with pytest.raises(InvalidArgument, match=r"opening seccomp profile \(missing.json\) failed"):
        project("services: {app: {image: busybox, security_opt: [seccomp=missing.json]}}")


def test_service_namespaces_and_volumes_from_name_the_first_container_and_order_the_plan():
    proj = project("""
services:
  app:
    image: busybox
    pid: "service:data"
    ipc: "service:data"
    volumes_from: [data]
  data:
    image: busybox
    container_name: the-data
""")
    host = container_body(proj, proj.services["app"], 1)["HostConfig"]
    assert (host["PidMode"], host["IpcMode"], host["VolumesFrom"]) == \
        ("container:the-data", "container:the-data", ["the-data"])
    creates = [s.target for s in plan_up(proj, Observed()) if s.action == "create_container"]
    assert creates == ["the-data", "p-app-1"]


def test_platform_goes_to_the_create_query_and_defaults_from_the_environment():
    proj = project("services: {app: {image: busybox}, pinned: {image: busybox, platform: linux/arm64}}",
                   {"DOCKER_DEFAULT_PLATFORM": "linux/amd64"})
    platforms = {s.target: s.platform for s in plan_up(proj, Observed()) if s.action == "create_container"}
    assert platforms == {"p-app-1": "linux/amd64", "p-pinned-1": "linux/arm64"}


def test_one_off_containers_link_to_their_service():
    proj = project("services: {web: {image: busybox}}")
    links = container_body(proj, proj.services["web"], 1, oneoff=True)["HostConfig"]["Links"]
    assert links == ["p-web-1:web", "p-web-1:web-1", "p-web-1:p-web-1"]
    assert json.dumps(links)  # plain data
