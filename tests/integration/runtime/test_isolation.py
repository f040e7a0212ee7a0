"""The built-in runtime through real containers: namespaces, identity, limits, capabilities."""

import os

import pytest

from dockyard.cgroups import open_cgroup

pytestmark = [pytest.mark.root,
              pytest.mark.skipif(not os.path.exists("/bin/busybox"), reason="needs busybox-static")]


def test_shell_is_pid_1(run):
    r = run(["sh", "-c", "echo $$"])
    assert (r.code, r.out.strip()) == (0, "1"), r.err


def test_proc_shows_only_the_containers_processes(run):
    r = run(["sh", "-c", "ls /proc | grep '^[0-9]'"])
    pids = sorted(int(p) for p in r.out.split())
    assert pids[0] == 1 and len(pids) <= 3, r.out


def test_hostname_user_workdir_env(run):
    r = run(["sh", "-c", "hostname; id; pwd; echo $FOO"], config_Hostname="web",
            config_User="1000:1000", config_WorkingDir="/work", config_Env=["FOO=bar"])
    assert r.code == 0, r.err
    assert r.out.split("\n")[:4] == ["web", "uid=1000 gid=1000", "/work", "bar"]


def test_named_user_with_supplementary_groups(run):
    r = run(["id"], config_User="nobody")
    assert r.out.strip() == "uid=65534(nobody) gid=65534(nobody) groups=65534(nobody)", r.out


def test_memory_limit_kills_a_hog_and_the_oom_is_seen(run):
    seen = {}

    def record(bundle):
        cgroup = open_cgroup(bundle.cgroup_path)
        seen["oom_kills"], seen["limit"] = cgroup.oom_kills(), cgroup.stats().memory_limit
    r = run(["sh", "-c", "tail /dev/zero"], Memory=32 * 1024 * 1024, before_delete=record)
    assert r.code == 137, (r.code, r.err)
    assert seen == {"oom_kills": 1, "limit": 32 * 1024 * 1024}


def test_pids_limit_stops_a_fork_bomb(run):
    r = run(["sh", "-c", "for i in $(seq 1 40); do sleep 3 & done 2>&1; wait"], PidsLimit=10)
    assert "can't fork" in r.out + r.err, (r.out, r.err)


def test_readonly_rootfs_with_tmpfs(run):
    r = run(["sh", "-c", "touch /x; echo rc=$?; touch /tmp/x && echo tmp-ok"],
            ReadonlyRootfs=True, Tmpfs={"/tmp": "rw,size=1m"})
    assert "Read-only file system" in r.err and "rc=1" in r.out and "tmp-ok" in r.out, r


def test_default_caps_cannot_mount_but_sys_admin_can(run):
    denied = run(["sh", "-c", "mount -t tmpfs none /mnt && echo mounted"])
    assert "mounted" not in denied.out and denied.code != 0
    allowed = run(["sh", "-c", "mount -t tmpfs none /mnt && echo mounted"], CapAdd=["SYS_ADMIN"])
    assert allowed.out.strip() == "mounted", allowed.err


def test_cap_drop_all_cannot_chown(run):
    r = run(["chown", "1", "/tmp"], CapDrop=["ALL"])
    assert r.code == 1 and "Operation not permitted" in r.err, r
    assert run(["chown", "1", "/tmp"]).code == 0


def test_ulimit_nofile(run):
    r = run(["sh", "-c", "ulimit -n; ulimit -Hn"], Ulimits=[{"Name": "nofile", "Soft": 512, "Hard": 512}])
    assert r.out.split() == ["512", "512"], r


def test_privileged_gets_the_hosts_bounding_set_and_devices(run):
    with open("/proc/self/status") as f:
        host_bnd = next(line.split()[1] for line in f if line.startswith("CapBnd:"))
    r = run(["sh", "-c", "grep -E 'CapEff|Seccomp:' /proc/self/status; ls /dev | wc -l; "
                         "mount -t tmpfs none /mnt && echo mounted"], Privileged=True)
    lines = r.out.split("\n")
    assert lines[0].split()[1] == host_bnd and lines[1].split()[1] == "0", r
    assert int(lines[2]) > 20 and "mounted" in r.out, r


def test_seccomp_is_on_by_default_and_off_when_unconfined(run):
    assert "Seccomp:\t2" in run(["cat", "/proc/self/status"]).out
    assert "Seccomp:\t0" in run(["cat", "/proc/self/status"], SecurityOpt=["seccomp=unconfined"]).out


def test_sysctl_oom_score_adj_and_masked_paths(run):
    r = run(["sh", "-c", "cat /proc/sys/net/ipv4/ip_forward /proc/self/oom_score_adj; "
                         "wc -c < /proc/timer_list; "
                         "(echo 0 > /proc/sys/net/ipv4/ip_forward) 2>&1 | grep -c Read-only"],
            Sysctls={"net.ipv4.ip_forward": "1"}, OomScoreAdj=500)
    assert r.out.split() == ["1", "500", "0", "1"], r


def test_init_reaper_is_pid_1_and_passes_the_exit_code(run):
    r = run(["sh", "-c", "echo $$; exit 3"], Init=True)
    assert (r.code, r.out.strip()) == (3, "2"), r


def test_no_new_privileges_keeps_seccomp(run):
    r = run(["grep", "-E", "NoNewPrivs|Seccomp:", "/proc/self/status"],
            SecurityOpt=["no-new-privileges"])
    assert r.out.split() == ["NoNewPrivs:", "1", "Seccomp:", "2"], r


def test_a_spec_asking_for_every_capability_still_runs(runtime, bundle_factory):
    """Specs made elsewhere (e.g. by dockerd) may list capabilities this host's bounding set
    lacks; runc fails on them, we leave them out."""
    import json
    from dockyard.oci.capabilities import CAPABILITY_NAMES
    from tests.integration.runtime.support import run_captured
    bundle = bundle_factory(["grep", "CapEff", "/proc/self/status"], Privileged=True)
    spec = json.loads((bundle.path / "config.json").read_text())
    spec["process"]["capabilities"] = {k: list(CAPABILITY_NAMES) for k in ("bounding", "effective", "permitted")}
    (bundle.path / "config.json").write_text(json.dumps(spec))
    r = run_captured(runtime, "allcaps", bundle)
    with open("/proc/self/status") as f:
        host_bnd = next(line.split()[1] for line in f if line.startswith("CapBnd:"))
    assert r.code == 0 and r.out.split()[1] == host_bnd, r


def test_device_flag_adds_a_usable_node_and_the_cgroup_denies_others(runtime, workdir):
    from dockyard.runtime.host import device_for
    from tests.integration.runtime.support import docker_body, run_captured, write_bundle
    base, cgroup_parent = workdir
    body = docker_body(["sh", "-c", "exec 3</dev/loop-control && echo opened; "
                                    "mknod /dev/mem2 c 1 1 && cat /dev/mem2"])
    bundle = write_bundle(base, cgroup_parent, body,
                          devices=[device_for("/dev/loop-control", "", "rw")])
    r = run_captured(runtime, "dev", bundle)
    assert r.out == "opened\n" and "Operation not permitted" in r.err, r
