"""The CRI as its users drive it: crictl (the kubelet's own debugging tool) against dockyardd,
and a Docker user looking at the same engine."""

import json
import os
import pty
import select
import socket
import subprocess
import time
import urllib.request
import uuid

import pytest

pytestmark = pytest.mark.root

WEB = "registry.k8s.io/e2e-test-images/nginx:1.14-2"
BUSYBOX = "registry.k8s.io/e2e-test-images/busybox:1.29-2"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url: str, timeout: float = 30) -> str:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.read().decode()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def pod_config(cri, name: str, **extra) -> str:
    uid = uuid.uuid4().hex[:8]
    config = {"metadata": {"name": name, "namespace": "test", "uid": uid, "attempt": 0}, "hostname": name,
              "log_directory": str(cri.base / "pods" / f"test_{name}_{uid}"), "linux": {}, **extra}
    return cri.write_json(f"pod-{name}.json", config)


def container_config(cri, name: str, image: str, **extra) -> str:
    config = {"metadata": {"name": name}, "image": {"image": image}, "log_path": f"{name}/0.log",
              "labels": {"io.kubernetes.container.name": name}, **extra}
    return cri.write_json(f"ctr-{name}.json", config)


def run_pod(cri, name: str, image: str, container: dict | None = None, **pod) -> tuple[str, str, str]:
    """runp, pull, create, start: (pod id, container id, pod config path)."""
    pod_path = pod_config(cri, name, **pod)
    pod_id = cri.crictl("runp", pod_path).stdout.strip()
    cri.crictl("pull", image)
    ctr_path = container_config(cri, name, image, **(container or {}))
    container_id = cri.crictl("create", pod_id, ctr_path, pod_path).stdout.strip()
    cri.crictl("start", container_id)
    return pod_id, container_id, pod_path


def remove_pod(cri, pod_id: str) -> None:
    cri.crictl("stopp", pod_id)
    cri.crictl("rmp", pod_id)


def test_images_the_kubelet_pulls_are_the_engines_images(cri):
    pulled = cri.crictl("pull", BUSYBOX).stdout
    image_id = cri.crictl("inspecti", "-o", "go-template", "--template", "{{.status.id}}", BUSYBOX).stdout.strip()
    assert image_id in pulled and image_id.startswith("sha256:")
    assert BUSYBOX.split(":")[0] in cri.crictl("images").stdout
    docker = cri.daemon.docker("images", "--no-trunc", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}").stdout
    assert f"{BUSYBOX} {image_id}" in docker.splitlines()
    cri.daemon.docker("tag", BUSYBOX, "example.com/mine:1")            # a Docker user's tag: the kubelet sees it
    assert "example.com/mine" in cri.crictl("images").stdout
    cri.crictl("rmi", image_id)                                        # by ID: every tag goes, as containerd does
    assert image_id not in cri.daemon.docker("images", "--no-trunc", "-q").stdout
    failed = cri.crictl("pull", "registry.k8s.io/no-such-image:1", check=False)   # not on the mirror: the
    assert failed.returncode != 0 and "registry.k8s.io" in failed.stderr          # registry's own answer


def test_a_pod_runs_serves_and_is_a_docker_users_containers_too(cri):
    host_port = free_port()
    pod_id, container_id, _ = run_pod(
        cri, "web", WEB, port_mappings=[{"container_port": 80, "host_port": host_port}],
        dns_config={"servers": ["10.10.10.10"], "searches": ["example.com"], "options": ["ndots:2"]},
        labels={"app": "web"})
    try:
        status = json.loads(cri.crictl("inspectp", pod_id).stdout)["status"]
        assert status["state"] == "SANDBOX_READY" and status["labels"] == {"app": "web"}
        address = status["network"]["ip"]
        assert fetch(f"http://{address}/") == "<html>welcome</html>\n"
        assert fetch(f"http://127.0.0.1:{host_port}/") == "<html>welcome</html>\n"
        listed = cri.crictl("ps", "-o", "json").stdout
        assert json.loads(listed)["containers"][0]["state"] == "CONTAINER_RUNNING"

        out = cri.crictl("exec", container_id, "sh", "-c", "hostname; cat /etc/resolv.conf; echo oops >&2; exit 3",
                         check=False)
        assert out.stdout.split("\n")[:4] == ["web", "nameserver 10.10.10.10", "search example.com", "options ndots:2"]
        assert "oops" in out.stderr and "exit code 3" in out.stderr and out.returncode != 0
        assert "nginx: listening on port 80" in cri.crictl("logs", container_id).stderr

        names = cri.daemon.docker("ps", "--format", "{{.Names}} {{.Label \"io.kubernetes.docker.type\"}}").stdout
        assert f"k8s_web_web_test_" in names and "k8s_POD_web_test_" in names and "podsandbox" in names
        assert "nginx: listening on port 80" in cri.daemon.docker("logs", container_id).stderr
        inspect = json.loads(cri.daemon.docker("inspect", container_id).stdout)[0]
        assert inspect["Config"]["Labels"]["io.kubernetes.sandbox.id"] == pod_id
        assert inspect["HostConfig"]["NetworkMode"] == f"container:{pod_id}"
    finally:
        remove_pod(cri, pod_id)
    assert cri.crictl("ps", "-a", "-q").stdout.strip() == ""
    assert pod_id not in cri.crictl("pods", "-q").stdout
    assert cri.daemon.docker("ps", "-a", "-q").stdout.strip() == ""
    with pytest.raises(OSError):
        urllib.request.urlopen(f"http://127.0.0.1:{host_port}/", timeout=2)


def test_exec_and_attach_with_a_terminal(cri):
    pod_id, container_id, _ = run_pod(cri, "shell", BUSYBOX, {"command": ["sh"], "tty": True, "stdin": True})
    try:
        assert _through_a_terminal(cri, ["exec", "-it", container_id, "sh"], b"echo $((6*7)); exit\n") \
            .count(b"42") >= 1
        assert b"attached" in _through_a_terminal(cri, ["attach", "-it", container_id], b"echo attached\n",
                                                  stop=b"attached\r\n")
    finally:
        remove_pod(cri, pod_id)


def _through_a_terminal(cri, args: list[str], typed: bytes, stop: bytes | None = None, timeout: float = 30) -> bytes:
    """Run crictl on a pseudo-terminal, type, and collect the output until it exits (or `stop`)."""
    from tests.support.critest import tool
    primary, secondary = pty.openpty()
    process = subprocess.Popen([tool("crictl"), "--config", str(cri.base / "crictl.yaml"), *args],
                               stdin=secondary, stdout=secondary, stderr=secondary, close_fds=True)
    os.close(secondary)
    output = b""
    deadline = time.monotonic() + timeout
    time.sleep(0.5)
    os.write(primary, typed)
    try:
        while time.monotonic() < deadline and (stop is None or output.count(stop) < 1):
            ready, _, _ = select.select([primary], [], [], 0.5)
            if ready:
                try:
                    chunk = os.read(primary, 4096)
                except OSError:
                    break
                if not chunk:
                    break
                output += chunk
            elif process.poll() is not None:
                break
    finally:
        process.kill()
        process.wait()
        os.close(primary)
    return output


def test_logs_follow_and_the_kubelets_rotation(cri):
    pod_id, container_id, _ = run_pod(
        cri, "talker", BUSYBOX, {"command": ["sh", "-c", "i=0; while true; do echo line $i; i=$((i+1)); sleep 0.2; done"]})
    runtime, _, api = cri.client()
    try:
        from tests.support.critest import tool
        follower = subprocess.Popen([tool("crictl"), "--config", str(cri.base / "crictl.yaml"), "logs", "-f",
                                     container_id], stdout=subprocess.PIPE, text=True)
        seen = [follower.stdout.readline() for _ in range(3)]
        follower.kill()
        follower.wait()
        assert seen[0].startswith("line ") and seen[2] != seen[1]

        path = runtime.ContainerStatus(api.ContainerStatusRequest(container_id=container_id)).status.log_path
        text = open(path).read()
        assert text.splitlines()[0].split(" ")[1:4] == ["stdout", "F", "line"]      # the kubelet's format
        os.rename(path, path + ".1")
        runtime.ReopenContainerLog(api.ReopenContainerLogRequest(container_id=container_id))
        time.sleep(1)
        assert "line" in open(path).read() and os.path.getsize(path + ".1") >= len(text)
    finally:
        remove_pod(cri, pod_id)


def test_port_forward_into_a_pod(cri):
    pod_id, _, _ = run_pod(cri, "forwarded", WEB)
    local = free_port()
    from tests.support.critest import tool
    forward = subprocess.Popen([tool("crictl"), "--config", str(cri.base / "crictl.yaml"), "port-forward", pod_id,
                                f"{local}:80"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert fetch(f"http://127.0.0.1:{local}/") == "<html>welcome</html>\n"
        assert fetch(f"http://127.0.0.1:{local}/") == "<html>welcome</html>\n"    # a second connection
    finally:
        forward.kill()
        forward.wait()
        remove_pod(cri, pod_id)


def test_resources_stats_and_the_oom_killers_reason(cri):
    pod_id, container_id, pod_path = run_pod(cri, "limits", BUSYBOX, {"command": ["sleep", "1000"]})
    runtime, _, api = cri.client()
    try:
        resources = api.LinuxContainerResources(memory_limit_in_bytes=48 << 20, cpu_shares=512)
        runtime.UpdateContainerResources(api.UpdateContainerResourcesRequest(container_id=container_id, linux=resources))
        status = runtime.ContainerStatus(api.ContainerStatusRequest(container_id=container_id)).status
        assert status.resources.linux.memory_limit_in_bytes == 48 << 20
        stats = runtime.ContainerStats(api.ContainerStatsRequest(container_id=container_id)).stats
        assert stats.attributes.id == container_id and stats.memory.working_set_bytes.value > 0
        pod_stats = runtime.PodSandboxStats(api.PodSandboxStatsRequest(pod_sandbox_id=pod_id)).stats
        assert [c.attributes.id for c in pod_stats.linux.containers] == [container_id]
        assert any(i.name == "eth0" for i in pod_stats.linux.network.interfaces)

        eater = cri.write_json("eater.json", {
            "metadata": {"name": "eater"}, "image": {"image": BUSYBOX}, "command": ["tail", "/dev/zero"],
            "linux": {"resources": {"memory_limit_in_bytes": 16 << 20, "memory_swap_limit_in_bytes": 16 << 20}}})
        eater_id = cri.crictl("create", pod_id, eater, pod_path).stdout.strip()
        cri.crictl("start", eater_id)
        deadline = time.monotonic() + 60
        while True:
            eaten = runtime.ContainerStatus(api.ContainerStatusRequest(container_id=eater_id)).status
            if eaten.state == api.CONTAINER_EXITED or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert (eaten.state, eaten.reason, eaten.exit_code) == (api.CONTAINER_EXITED, "OOMKilled", 137)
    finally:
        remove_pod(cri, pod_id)


def test_a_host_network_pod_shares_the_hosts_network(cri):
    pod_id, container_id, _ = run_pod(
        cri, "hostnet", BUSYBOX, {"command": ["sleep", "1000"]},
        linux={"security_context": {"namespace_options": {"network": 2}}})
    try:
        status = json.loads(cri.crictl("inspectp", pod_id).stdout)["status"]
        assert status["linux"]["namespaces"]["options"]["network"] == "NODE" and status["network"]["ip"] == ""
        inside = cri.crictl("exec", container_id, "readlink", "/proc/1/ns/net").stdout.strip()
        host_pid = cri.daemon.docker("inspect", "-f", "{{.State.Pid}}", container_id).stdout.strip()
        assert inside == os.readlink(f"/proc/{host_pid}/ns/net") == os.readlink("/proc/self/ns/net")
        assert cri.crictl("exec", container_id, "hostname").stdout.strip() == socket.gethostname()
    finally:
        remove_pod(cri, pod_id)
