"""Container and sandbox records as the kubelet sees them (pure)."""

from dockyard.containers.model import Container, State
from dockyard.cri import labels, views
from dockyard.cri.generated import api_pb2 as cri


def record(status="running", **state):
    docker_labels = labels.encode("container", {"name": "app", "attempt": 1}, {"k": "v"}, {"a": "b"},
                                  sandbox_id="p" * 64, log_path="/var/log/pods/x/app/1.log")
    return Container(id="c" * 64, name="k8s_app", created=5, image_id="sha256:" + "i" * 64,
                     config={"Image": "busybox", "Labels": docker_labels},
                     host_config={"Memory": 1024, "OomScoreAdj": 5,
                                  "Mounts": [{"Type": "bind", "Source": "/s", "Target": "/t", "ReadOnly": True,
                                              "BindOptions": {"Propagation": "rshared"}}]},
                     state=State(status=status, **state), log_path="/var/log/pods/x/app/1.log")


def test_container_status_of_a_running_container():
    status = views.container_status(record(started_at=7))
    assert (status.state, status.started_at, status.metadata.name, status.metadata.attempt) == (cri.CONTAINER_RUNNING, 7, "app", 1)
    assert dict(status.labels) == {"k": "v"} and dict(status.annotations) == {"a": "b"}
    assert status.mounts[0].propagation == cri.PROPAGATION_BIDIRECTIONAL and status.mounts[0].readonly
    assert (status.log_path, status.image.image, status.image_ref) == ("/var/log/pods/x/app/1.log", "busybox", "sha256:" + "i" * 64)
    assert (status.resources.linux.memory_limit_in_bytes, status.resources.linux.oom_score_adj) == (1024, 5)
    assert views.container(record()).pod_sandbox_id == "p" * 64


def test_exit_reasons():
    def reason(**state):
        return views.container_status(record("exited", finished_at=9, **state)).reason
    assert (reason(exit_code=0), reason(exit_code=1), reason(exit_code=137, oom_killed=True)) == ("Completed", "Error", "OOMKilled")
    failed = views.container_status(record("created", error="exec: no such file", exit_code=127))
    assert (failed.state, failed.reason, failed.message, failed.exit_code) == (
        cri.CONTAINER_CREATED, "ContainerCannotRun", "exec: no such file", 127)


def test_a_sandbox_is_ready_while_its_container_runs_until_stopped():
    config = cri.PodSandboxConfig(metadata=cri.PodSandboxMetadata(name="web", namespace="ns", uid="u"))
    from google.protobuf import json_format
    stored = {"id": "p" * 64, "config": json_format.MessageToDict(config), "created": 3, "ready": True,
              "ips": ["10.88.0.5", "fd00::5"]}
    status = views.sandbox_status(stored, record())
    assert (status.state, status.network.ip, [ip.ip for ip in status.network.additional_ips]) == (
        cri.SANDBOX_READY, "10.88.0.5", ["fd00::5"])
    assert views.sandbox(stored, record("exited")).state == cri.SANDBOX_NOTREADY
    assert views.sandbox({**stored, "ready": False}, record()).state == cri.SANDBOX_NOTREADY
    assert views.sandbox(stored, None).state == cri.SANDBOX_NOTREADY


def test_label_selectors_see_only_the_kubelets_labels():
    docker_labels = record().config["Labels"]
    assert labels.matches(docker_labels, {"k": "v"}) and not labels.matches(docker_labels, {"a": "b"})
    assert labels.container_name("app", {"name": "web", "namespace": "ns", "uid": "u"}, 3) == "k8s_app_web_ns_u_3"
