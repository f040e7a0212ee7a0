"""Container records (and sandbox records) → the CRI's status messages (pure)."""

from __future__ import annotations

from google.protobuf import json_format

from dockyard.cri import labels, security
from dockyard.cri.generated import api_pb2 as cri

_STATES = {"created": cri.CONTAINER_CREATED, "running": cri.CONTAINER_RUNNING, "paused": cri.CONTAINER_RUNNING,
           "restarting": cri.CONTAINER_RUNNING, "exited": cri.CONTAINER_EXITED, "dead": cri.CONTAINER_EXITED}
_PROPAGATIONS = {v: k for k, v in security.PROPAGATIONS.items()}


def container_state(container) -> cri.ContainerState:
    return _STATES.get(container.state.status, cri.CONTAINER_UNKNOWN)


def container_metadata(container) -> cri.ContainerMetadata:
    meta = labels.metadata(container.config.get("Labels") or {})
    return cri.ContainerMetadata(name=meta.get("name", ""), attempt=int(meta.get("attempt", 0)))


def container(container) -> cri.Container:
    docker_labels = container.config.get("Labels") or {}
    return cri.Container(
        id=container.id, pod_sandbox_id=docker_labels.get(labels.SANDBOX_ID, ""),
        metadata=container_metadata(container), image=cri.ImageSpec(image=container.config.get("Image", "")),
        image_ref=container.image_id, image_id=container.image_id, state=container_state(container),
        created_at=container.created, labels=labels.user_labels(docker_labels),
        annotations=labels.annotations(docker_labels))


def container_status(container) -> cri.ContainerStatus:
    docker_labels = container.config.get("Labels") or {}
    state = container.state
    status = cri.ContainerStatus(
        id=container.id, metadata=container_metadata(container), state=container_state(container),
        created_at=container.created, started_at=state.started_at, finished_at=state.finished_at,
        exit_code=state.exit_code if state.finished_at or state.error else 0,
        image=cri.ImageSpec(image=container.config.get("Image", "")), image_ref=container.image_id,
        image_id=container.image_id, labels=labels.user_labels(docker_labels),
        annotations=labels.annotations(docker_labels),
        mounts=[_mount(m) for m in container.host_config.get("Mounts") or []],
        log_path=container.log_path if docker_labels.get(labels.LOG_PATH) else "")
    status.reason, status.message = _reason(container)
    status.resources.linux.CopyFrom(security.resources_view(container.host_config))
    return status


def _reason(container) -> tuple[str, str]:
    state = container.state
    if state.status in ("exited", "dead"):
        if state.oom_killed:
            return "OOMKilled", ""
        if state.error:
            return "ContainerCannotRun", state.error
        return ("Completed" if state.exit_code == 0 else "Error"), ""
    if state.status == "created" and state.error:
        return "ContainerCannotRun", state.error
    return "", ""


def _mount(mount: dict) -> cri.Mount:
    propagation = ((mount.get("BindOptions") or {}).get("Propagation")) or "rprivate"
    return cri.Mount(container_path=mount.get("Target", ""), host_path=mount.get("Source", ""),
                     readonly=bool(mount.get("ReadOnly")),
                     propagation=_PROPAGATIONS.get(propagation, cri.PROPAGATION_PRIVATE))


def sandbox_config(record: dict) -> cri.PodSandboxConfig:
    return json_format.ParseDict(record["config"], cri.PodSandboxConfig(), ignore_unknown_fields=True)


def sandbox_state(record: dict, pause) -> cri.PodSandboxState:
    running = pause is not None and pause.state.running
    return cri.SANDBOX_READY if record.get("ready") and running else cri.SANDBOX_NOTREADY


def sandbox(record: dict, pause) -> cri.PodSandbox:
    config = sandbox_config(record)
    return cri.PodSandbox(id=record["id"], metadata=config.metadata, state=sandbox_state(record, pause),
                          created_at=record["created"], labels=config.labels, annotations=config.annotations,
                          runtime_handler=record.get("runtime_handler", ""))


def sandbox_status(record: dict, pause) -> cri.PodSandboxStatus:
    config = sandbox_config(record)
    ips = record.get("ips") or []
    status = cri.PodSandboxStatus(
        id=record["id"], metadata=config.metadata, state=sandbox_state(record, pause),
        created_at=record["created"], labels=config.labels, annotations=config.annotations,
        runtime_handler=record.get("runtime_handler", ""),
        network=cri.PodSandboxNetworkStatus(ip=ips[0] if ips else "",
                                            additional_ips=[cri.PodIP(ip=ip) for ip in ips[1:]]))
    status.linux.namespaces.options.CopyFrom(config.linux.security_context.namespace_options)
    return status
