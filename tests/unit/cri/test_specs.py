"""CRI configurations → Engine API create bodies (pure)."""

import json

import pytest

from dockyard.cri import labels, specs
from dockyard.cri.security import resources
from dockyard.cri.generated import api_pb2 as cri
from dockyard.errors import InvalidArgument, NotImplementedYet


def pod(**fields) -> cri.PodSandboxConfig:
    config = cri.PodSandboxConfig(metadata=cri.PodSandboxMetadata(name="web", namespace="ns", uid="u1", attempt=1),
                                  hostname="web-0", log_directory="/var/log/pods/ns_web_u1",
                                  labels={"app": "web"}, annotations={"note": "x"}, **fields)
    config.dns_config.servers.append("10.96.0.10")
    config.dns_config.searches.append("ns.svc.cluster.local")
    config.dns_config.options.append("ndots:5")
    config.linux.cgroup_parent = "/kubepods/besteffort/podu1"
    config.linux.sysctls["net.ipv4.ip_unprivileged_port_start"] = "0"
    return config


def test_a_pod_is_a_sandbox_container_holding_its_namespaces():
    body = specs.sandbox_body(pod(), "registry.k8s.io/pause:3.10", min_oom_score_adj=0)
    host = body["HostConfig"]
    assert (body["Image"], body["Hostname"]) == ("registry.k8s.io/pause:3.10", "web-0")
    assert (host["NetworkMode"], host["IpcMode"], host["CgroupParent"]) == ("none", "shareable", "/kubepods/besteffort/podu1")
    assert (host["Dns"], host["DnsSearch"], host["DnsOptions"]) == (["10.96.0.10"], ["ns.svc.cluster.local"], ["ndots:5"])
    assert host["Sysctls"] == {"net.ipv4.ip_unprivileged_port_start": "0"}
    assert host["OomScoreAdj"] == 0                      # -998 clamped to what the daemon may give
    assert host["SecurityOpt"] == ["seccomp=unconfined"]  # containerd's default when none is named
    assert labels.kind_of(body["Labels"]) == "podsandbox" and body["Labels"]["app"] == "web"
    assert labels.annotations(body["Labels"]) == {"note": "x"}
    assert labels.sandbox_name(labels.metadata(body["Labels"])) == "k8s_POD_web_ns_u1_1"


def test_a_host_network_pod_takes_the_hosts_network_uts_ipc_and_pid():
    config = pod()
    options = config.linux.security_context.namespace_options
    options.network = options.ipc = options.pid = cri.NODE
    host = specs.sandbox_body(config, "pause", -1000)["HostConfig"]
    assert (host["NetworkMode"], host["UTSMode"], host["IpcMode"], host["PidMode"]) == ("host", "host", "host", "host")
    assert host["OomScoreAdj"] == specs.SANDBOX_OOM_SCORE_ADJ
    assert "Hostname" not in specs.sandbox_body(config, "pause", 0)


def container(**fields) -> cri.ContainerConfig:
    return cri.ContainerConfig(metadata=cri.ContainerMetadata(name="app", attempt=2),
                               image=cri.ImageSpec(image="busybox"), log_path="app/2.log", **fields)


def test_a_container_joins_its_pod_and_keeps_the_kubelets_labels():
    config = container(command=["sh", "-c"], args=["echo hi"], working_dir="/w", tty=True, stdin=True,
                       labels={"io.kubernetes.container.name": "app"}, annotations={"hash": "1"},
                       envs=[cri.KeyValue(key="A", value=b"1")],
                       mounts=[cri.Mount(container_path="/data", host_path="/srv", readonly=True,
                                         propagation=cri.PROPAGATION_HOST_TO_CONTAINER)],
                       devices=[cri.Device(container_path="/dev/x", host_path="/dev/null", permissions="rw")],
                       stop_signal=cri.SIGNAL_SIGINT)
    config.linux.resources.cpu_quota, config.linux.resources.memory_limit_in_bytes = 50000, 1 << 26
    config.linux.resources.oom_score_adj = -997
    body = specs.container_body(config, "p" * 64, pod(), "/var/log/pods/ns_web_u1/app/2.log", min_oom_score_adj=-500)
    host = body["HostConfig"]
    joined = "container:" + "p" * 64
    assert (host["NetworkMode"], host["IpcMode"], host["UTSMode"], host["PidMode"]) == (joined,) * 4
    assert (body["Entrypoint"], body["Cmd"], body["Env"], body["StopSignal"]) == (["sh", "-c"], ["echo hi"], ["A=1"], "SIGINT")
    assert host["Mounts"] == [{"Type": "bind", "Source": "/srv", "Target": "/data", "ReadOnly": True,
                               "BindOptions": {"Propagation": "rslave"}}]
    assert host["Devices"] == [{"PathOnHost": "/dev/null", "PathInContainer": "/dev/x", "CgroupPermissions": "rw"}]
    assert (host["CpuQuota"], host["Memory"], host["OomScoreAdj"]) == (50000, 1 << 26, -500)
    assert body["Labels"]["io.kubernetes.container.name"] == "app"
    assert body["Labels"][labels.LOG_PATH] == "/var/log/pods/ns_web_u1/app/2.log"
    assert json.loads(body["Labels"][labels.METADATA]) == {"attempt": 2, "name": "app"}


def test_a_command_without_args_drops_the_images_cmd_as_kubernetes_does():
    assert specs.container_body(container(command=["sleep"]), "p", pod(), "", 0)["Cmd"] == []
    assert specs.container_body(container(args=["x"]), "p", pod(), "", 0)["Entrypoint"] is None


def test_pid_modes_pod_node_target():
    config = pod()
    config.linux.security_context.namespace_options.pid = cri.CONTAINER
    for mode, target, wanted in ((cri.POD, "", "container:p"), (cri.NODE, "", "host"), (cri.CONTAINER, "", ""),
                                 (cri.TARGET, "t1", "container:t1")):
        c = container()
        c.linux.security_context.namespace_options.pid, c.linux.security_context.namespace_options.target_id = mode, target
        assert specs.container_body(c, "p", config, "", 0)["HostConfig"].get("PidMode", "") == wanted


def test_security_contexts():
    c = container()
    sc = c.linux.security_context
    sc.run_as_user.value, sc.run_as_group.value = 1000, 3000
    sc.supplemental_groups.extend([4000])
    sc.privileged, sc.readonly_rootfs, sc.no_new_privs = False, True, True
    sc.capabilities.add_capabilities.append("NET_ADMIN")
    sc.capabilities.drop_capabilities.append("ALL")
    sc.masked_paths.append("/proc/kcore")
    sc.seccomp.profile_type = cri.SecurityProfile.RuntimeDefault
    body = specs.container_body(c, "p", pod(), "", 0)
    host = body["HostConfig"]
    assert body["User"] == "1000:3000" and host["GroupAdd"] == ["4000"] and host["ReadonlyRootfs"] is True
    assert (host["CapAdd"], host["CapDrop"], host["MaskedPaths"]) == (["NET_ADMIN"], ["ALL"], ["/proc/kcore"])
    assert host["SecurityOpt"] == ["no-new-privileges"]
    sc.seccomp.profile_type = cri.SecurityProfile.Unconfined
    assert specs.container_body(c, "p", pod(), "", 0)["HostConfig"]["SecurityOpt"][0] == "seccomp=unconfined"


def test_a_localhost_seccomp_profile_is_read_from_the_node(tmp_path):
    profile = tmp_path / "profile.json"
    profile.write_text('{"defaultAction": "SCMP_ACT_ALLOW",\n "syscalls": []}')
    c = container()
    c.linux.security_context.seccomp.profile_type = cri.SecurityProfile.Localhost
    c.linux.security_context.seccomp.localhost_ref = str(profile)
    assert specs.container_body(c, "p", pod(), "", 0)["HostConfig"]["SecurityOpt"] == [
        'seccomp={"defaultAction":"SCMP_ACT_ALLOW","syscalls":[]}']
    c.linux.security_context.seccomp.localhost_ref = str(tmp_path / "missing.json")
    with pytest.raises(InvalidArgument, match="cannot load seccomp profile"):
        specs.container_body(c, "p", pod(), "", 0)


@pytest.mark.parametrize("change", [
    lambda c: c.mounts.append(cri.Mount(container_path="/i", image=cri.ImageSpec(image="busybox"))),
    lambda c: c.mounts.append(cri.Mount(container_path="/r", host_path="/srv", readonly=True, recursive_read_only=True)),
    lambda c: c.linux.security_context.capabilities.add_ambient_capabilities.append("NET_RAW"),
    lambda c: setattr(c.linux.security_context.apparmor, "profile_type", cri.SecurityProfile.Localhost),
    lambda c: c.linux.resources.unified.update({"memory.high": "1"}),
    lambda c: setattr(c.linux.security_context.namespace_options.userns_options, "mode", cri.POD),
])
def test_what_dockyard_cannot_do_is_refused_not_ignored(change):
    config = container()
    change(config)
    with pytest.raises(NotImplementedYet):
        specs.container_body(config, "p", pod(), "", 0)


def test_metadata_and_image_are_required():
    with pytest.raises(InvalidArgument):
        specs.container_body(cri.ContainerConfig(metadata=cri.ContainerMetadata(name="x")), "p", pod(), "", 0)
    with pytest.raises(InvalidArgument):
        specs.sandbox_body(cri.PodSandboxConfig(), "pause", 0)


def test_a_memory_limit_without_a_swap_limit_allows_no_swap_as_containerd_does():
    """containerd's CRI sets swap = limit unless the kubelet names a swap limit (an Engine API
    body without MemorySwap would allow as much swap again, and `update` of the limit alone
    would then be refused past it)."""
    assert resources(cri.LinuxContainerResources(memory_limit_in_bytes=48 << 20), 0) == {
        "Memory": 48 << 20, "MemorySwap": 48 << 20}
    both = cri.LinuxContainerResources(memory_limit_in_bytes=16 << 20, memory_swap_limit_in_bytes=32 << 20)
    assert resources(both, 0) == {"Memory": 16 << 20, "MemorySwap": 32 << 20}
    assert resources(cri.LinuxContainerResources(cpu_shares=512), 0) == {"CpuShares": 512}
