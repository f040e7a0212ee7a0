"""CRI configurations → Engine API create bodies (pure).

A pod is its sandbox container: it holds the pod's network (joined by CNI after it starts, or
the host's), IPC, UTS and (when shared) PID namespaces, its cgroup parent, DNS and hostname.
The pod's containers join those namespaces through the `container:<id>` modes.
"""

from __future__ import annotations

from dockyard.cri import labels, security
from dockyard.cri.generated import api_pb2 as cri
from dockyard.errors import InvalidArgument, NotImplementedYet

SANDBOX_OOM_SCORE_ADJ = -998      # containerd's: the pod's infrastructure dies last


def namespace_options(linux) -> cri.NamespaceOption:
    return linux.security_context.namespace_options


def host_network(config: cri.PodSandboxConfig) -> bool:
    return namespace_options(config.linux).network == cri.NODE


def sandbox_body(config: cri.PodSandboxConfig, image: str, min_oom_score_adj: int) -> dict:
    meta = _metadata(config.metadata)
    options = namespace_options(config.linux)
    _check_user_namespace(options)
    sc = config.linux.security_context
    on_host = options.network == cri.NODE
    host = {
        "NetworkMode": "host" if on_host else "none",
        "IpcMode": "host" if options.ipc == cri.NODE else "shareable",
        "PidMode": "host" if options.pid == cri.NODE else "",
        "UTSMode": "host" if on_host else "",
        "CgroupParent": config.linux.cgroup_parent,
        "Sysctls": dict(config.linux.sysctls) or None,
        "Dns": list(config.dns_config.servers), "DnsSearch": list(config.dns_config.searches),
        "DnsOptions": list(config.dns_config.options),
        "OomScoreAdj": max(SANDBOX_OOM_SCORE_ADJ, min_oom_score_adj),
        **security.host_config(sc),
    }
    body = {"Image": image, "User": security.user(sc),
            "Labels": labels.encode(labels.SANDBOX_KIND, meta, dict(config.labels), dict(config.annotations)),
            "HostConfig": {k: v for k, v in host.items() if v not in (None, "", [])}}
    if config.hostname and not on_host:
        body["Hostname"] = config.hostname
    return body


def container_body(config: cri.ContainerConfig, sandbox_id: str, sandbox: cri.PodSandboxConfig,
                   log_path: str, min_oom_score_adj: int) -> dict:
    if not config.image.image:
        raise InvalidArgument("container config must name an image")
    linux = config.linux
    sc = linux.security_context
    options = sc.namespace_options
    _check_user_namespace(options)
    pod_options = namespace_options(sandbox.linux)
    joined = f"container:{sandbox_id}"
    on_host = pod_options.network == cri.NODE
    host = {
        "NetworkMode": "host" if on_host else joined,
        "UTSMode": "host" if on_host else joined,
        "IpcMode": "host" if pod_options.ipc == cri.NODE else joined,
        "PidMode": _pid_mode(options, joined),
        "CgroupParent": sandbox.linux.cgroup_parent,
        "Mounts": [_mount(m) for m in config.mounts] or None,
        "Devices": [{"PathOnHost": d.host_path, "PathInContainer": d.container_path,
                     "CgroupPermissions": d.permissions or "rwm"} for d in config.devices] or None,
        **security.host_config(sc),
        **security.resources(linux.resources, min_oom_score_adj),
    }
    if config.CDI_devices:
        raise NotImplementedYet("CDI devices are not supported by dockyard")
    body = {
        "Image": config.image.image,
        "Entrypoint": list(config.command) or None,
        "Cmd": list(config.args) or None,
        "WorkingDir": config.working_dir,
        "Env": [f"{e.key}={e.value.decode() if isinstance(e.value, bytes) else e.value}" for e in config.envs],
        "Tty": config.tty, "OpenStdin": config.stdin, "StdinOnce": config.stdin_once,
        "AttachStdin": config.stdin, "User": security.user(sc),
        "Labels": labels.encode(labels.CONTAINER_KIND, _metadata(config.metadata), dict(config.labels),
                                dict(config.annotations), sandbox_id=sandbox_id, log_path=log_path),
        "HostConfig": {k: v for k, v in host.items() if v not in (None, "", [])},
    }
    if config.stop_signal:
        body["StopSignal"] = cri.Signal.Name(config.stop_signal).removeprefix("SIGNAL_")
    if config.command and not config.args:
        body["Cmd"] = []                  # the image's CMD goes with its ENTRYPOINT, as in Kubernetes
    return body


def _pid_mode(options, joined: str) -> str:
    """The container's own option decides, as in containerd (the kubelet sets it from the pod's)."""
    if options.pid == cri.NODE:
        return "host"
    if options.pid == cri.TARGET:
        if not options.target_id:
            raise InvalidArgument("PID namespace mode TARGET needs a target container ID")
        return f"container:{options.target_id}"
    return joined if options.pid == cri.POD else ""


def _mount(mount: cri.Mount) -> dict:
    if mount.image.image:
        raise NotImplementedYet("image volumes are not supported by dockyard")
    if mount.recursive_read_only:
        raise NotImplementedYet("recursive read-only mounts are not supported by dockyard")
    if mount.uidMappings or mount.gidMappings:
        raise NotImplementedYet("ID-mapped mounts are not supported by dockyard")
    if not mount.host_path or not mount.container_path:
        raise InvalidArgument("a mount needs a host path and a container path")
    return {"Type": "bind", "Source": mount.host_path, "Target": mount.container_path,
            "ReadOnly": mount.readonly,
            "BindOptions": {"Propagation": security.PROPAGATIONS.get(mount.propagation, "rprivate")}}


def _check_user_namespace(options) -> None:
    if options.HasField("userns_options") and options.userns_options.mode != cri.NODE:
        raise NotImplementedYet("user namespaces are not supported by dockyard")


def _metadata(meta) -> dict:
    if not meta.name:
        raise InvalidArgument("metadata.name must not be empty")
    fields = {"name": meta.name, "attempt": meta.attempt}
    for key in ("uid", "namespace"):
        if hasattr(meta, key):
            fields[key] = getattr(meta, key)
    return fields
