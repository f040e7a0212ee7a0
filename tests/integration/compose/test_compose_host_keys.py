"""`dockyard compose up` with the service keys that become HostConfig settings: docker inspect
shows what compose v2 would send, and the container really runs with them."""

import json
import uuid
from pathlib import Path

import pytest

from dockyard.cgroups import open_cgroup
from tests.integration.compose.helpers import Compose, project_dir

pytestmark = pytest.mark.root

MIB = 1 << 20
TUNED = """
services:
  data:
    image: busybox
    command: ["sh", "-c", "echo shared > /shared/f && exec sleep 1000"]
    volumes: ["/shared"]
    stop_grace_period: 1s
  app:
    image: busybox
    command: ["sleep", "1000"]
    stop_grace_period: 1s
    ulimits: {nofile: {soft: 1024, hard: 2048}}
    mem_limit: 64m
    memswap_limit: 128m
    cpus: 0.5
    pids_limit: 100
    shm_size: 32m
    dns_search: [example.test]
    dns_opt: ["ndots:2"]
    domainname: example.test
    oom_score_adj: 200
    group_add: ["1234"]
    security_opt: ["no-new-privileges:true"]
    devices: ["/dev/null:/dev/mynull:rw"]
    logging: {driver: json-file, options: {max-size: 1m, max-file: "2"}}
    mac_address: "02:42:ac:11:00:99"
    volumes_from: ["data:ro"]
    links: ["data:database"]
    deploy: {resources: {limits: {pids: 50}}}
    cgroup_parent: ${CGROUP_PARENT}
  quiet:
    image: busybox
    command: ["sh", "-c", "echo unseen; exec sleep 1000"]
    stop_grace_period: 1s
    logging: {driver: none}
"""


def test_up_applies_limits_logging_dns_devices_volumes_from_and_links(busybox, tmp_path):
    project, _ = project_dir(tmp_path, "tuned", "compose.yaml", TUNED)
    parent = f"dockyard-compose-{uuid.uuid4().hex[:8]}"
    with (project / ".env").open("a") as env:
        env.write(f"CGROUP_PARENT={parent}\n")
    compose = Compose(busybox, project)
    try:
        up = compose("up", "-d")
        assert "not supported" not in up.stderr
        host, config, networks = (json.loads(busybox.docker("inspect", "-f", "{{json .%s}}" % part,
                                                            "tuned-app-1").stdout)
                                  for part in ("HostConfig", "Config", "NetworkSettings.Networks"))
        assert {k: host[k] for k in ("Memory", "MemorySwap", "NanoCpus", "PidsLimit", "ShmSize", "DnsSearch",
                                     "DnsOptions", "OomScoreAdj", "GroupAdd", "SecurityOpt", "VolumesFrom",
                                     "LogConfig", "CgroupParent")} == {
            "Memory": 64 * MIB, "MemorySwap": 128 * MIB, "NanoCpus": 500_000_000, "PidsLimit": 50,
            "ShmSize": 32 * MIB, "DnsSearch": ["example.test"], "DnsOptions": ["ndots:2"], "OomScoreAdj": 200,
            "GroupAdd": ["1234"], "SecurityOpt": ["no-new-privileges:true"], "VolumesFrom": ["tuned-data-1:ro"],
            "LogConfig": {"Type": "json-file", "Config": {"max-size": "1m", "max-file": "2"}},
            "CgroupParent": parent}
        assert host["Ulimits"] == [{"Name": "nofile", "Hard": 2048, "Soft": 1024}]
        assert host["Devices"] == [{"PathOnHost": "/dev/null", "PathInContainer": "/dev/mynull",
                                    "CgroupPermissions": "rw"}]
        assert config["Domainname"] == "example.test"
        endpoint = networks["tuned_default"]
        assert (endpoint["MacAddress"], endpoint["Links"][0]) == ("02:42:ac:11:00:99", "tuned-data-1:database")

        def inside(script: str) -> str:
            return compose("exec", "-T", "app", "sh", "-c", script).stdout

        assert inside("ulimit -n; ulimit -Hn").split() == ["1024", "2048"]
        limit = inside("cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max")
        assert limit.strip() == str(64 * MIB)
        assert inside("cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max").strip() == "50"
        quota = inside("cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us 2>/dev/null || cat /sys/fs/cgroup/cpu.max")
        assert quota.split()[0] == "50000"  # cpus: 0.5 of a 100 ms period
        resolv = inside("cat /etc/resolv.conf")
        assert "search example.test" in resolv and "options ndots:2" in resolv
        assert inside("cat /shared/f; touch /shared/g 2>/dev/null || echo read-only") == "shared\nread-only\n"
        assert inside("test -c /dev/mynull && echo dev; id -G; cat /sys/class/net/eth0/address").split() == \
            ["dev", "0", "1234", "02:42:ac:11:00:99"]
        data_ip = busybox.docker("inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}",
                                 "tuned-data-1").stdout.strip()
        assert f"Address: {data_ip}" in inside("nslookup database.")  # the link's alias
        pid, container_id = busybox.docker("inspect", "-f", "{{.State.Pid}} {{.Id}}", "tuned-app-1").stdout.split()
        assert f"/{parent}/{container_id}" in Path(f"/proc/{pid}/cgroup").read_text()
        logs = busybox.docker("logs", "tuned-quiet-1", check=False)
        assert "unseen" not in logs.stdout

        (project / "compose.yaml").write_text(TUNED.replace("mem_limit: 64m", "mem_limit: 80m"))
        compose("up", "-d")
        assert json.loads(busybox.docker("inspect", "-f", "{{json .HostConfig.Memory}}", "tuned-app-1").stdout) \
            == 80 * MIB

        (project / "compose.yaml").write_text(TUNED.replace("driver: none", "driver: syslog"))
        refused = compose("up", "-d", "quiet", check=False)
        assert refused.returncode != 0
        assert "log driver 'syslog' is not supported" in refused.stderr
    finally:
        compose("down", "-v", "-t", "1", check=False)
        open_cgroup(f"/{parent}").delete()
