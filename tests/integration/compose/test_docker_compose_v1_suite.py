"""Behaviours docker-compose 1.29's own suite checks (tests/peers/compose_v1.sh runs all of it),
pinned here through docker-compose v1 itself and the docker CLI, each as dockerd 20.10 answers."""

import json

import pytest

from tests.integration.compose.helpers import NEEDS_DOCKER_COMPOSE_V1, Compose

pytestmark = [pytest.mark.root, NEEDS_DOCKER_COMPOSE_V1]


def _inspect(daemon, name: str) -> dict:
    return json.loads(daemon.docker("inspect", name).stdout)[0]


def test_inspect_shows_what_dockerd_shows_for_a_compose_v1_service(busybox, tmp_path):
    (tmp_path / "docker-compose.yml").write_text(  # compose sends null for the healthcheck keys not given
        "services:\n  web:\n    image: busybox\n    command: [sleep, '1000']\n    stop_grace_period: 1s\n"
        "    healthcheck: {test: [CMD, 'true'], interval: 1s}\n")
    compose = Compose(busybox, tmp_path, ours=False)
    try:
        compose("-p", "insp", "up", "-d")
        web = _inspect(busybox, "insp_web_1")
        assert web["Config"]["Healthcheck"] == {"Test": ["CMD", "true"], "Interval": 1_000_000_000}
        host = web["HostConfig"]
        assert host["Dns"] is None and host["DnsSearch"] is None and host["DnsOptions"] is None
        assert host["Runtime"] == "dockyard"   # the daemon's default runtime, recorded at create
        assert "Init" not in host and "Tmpfs" not in host and host["OomKillDisable"] is False

        started = web["State"]["StartedAt"]
        compose("-p", "insp", "restart", "-t", "1")
        restarted = _inspect(busybox, "insp_web_1")["State"]
        assert restarted["StartedAt"] != started and not restarted["FinishedAt"].startswith("0001")

        one_off = busybox.docker("create", "--entrypoint", "", "busybox", "true").stdout.strip()
        config = _inspect(busybox, one_off)["Config"]
        assert config["Entrypoint"] is None and config["Cmd"] == ["true"]
        busybox.docker("rm", one_off)
    finally:
        compose("-p", "insp", "down", "-t", "0", check=False)


def test_ipc_mode_defaults_to_shareable_below_api_1_40_and_env_stays_null(busybox):
    """docker-compose's suite speaks API 1.38 (docker-py): dockerd gives older clients `shareable`."""
    import docker
    for version, ipc in (("1.38", "shareable"), ("1.41", "private")):
        api = docker.APIClient(base_url=busybox.host, version=version)
        try:
            created = api.create_container("busybox", ["true"], host_config=api.create_host_config(), name="ipc")
            inspected = api.inspect_container(created["Id"])
            assert inspected["HostConfig"]["IpcMode"] == ipc, version
            assert inspected["Config"]["Env"] is None and "ExposedPorts" not in inspected["Config"]
            assert inspected["HostConfig"]["PortBindings"] is None
        finally:
            api.remove_container("ipc", force=True)
            api.close()
