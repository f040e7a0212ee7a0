import pytest

from dockyard.errors import InvalidArgument
from dockyard.oci.capabilities import (DEFAULT_CAPABILITIES, CAPABILITY_NAMES,
                                       capabilities_from_mask, mask_from_capabilities,
                                       tweak_capabilities)
from dockyard.oci.process_args import resolve_args, resolve_env
from dockyard.oci.seccomp_profile import default_seccomp_profile
from dockyard.oci.user import resolve_user

PASSWD = "root:x:0:0:root:/root:/bin/sh\nwww:x:33:33:www:/var/www:/bin/false\nbob:x:1000:100::/home/bob:/bin/sh\n"
GROUP = "root:x:0:\nwww:x:33:\nusers:x:100:\nwheel:x:10:bob,alice\naudio:x:29:bob\n"


def test_user_by_name_gets_primary_and_supplementary_groups():
    u = resolve_user("bob", PASSWD, GROUP)
    assert (u.uid, u.gid, u.additional_gids, u.home) == (1000, 100, [100, 10, 29], "/home/bob")


def test_numeric_user_and_group_need_no_entries():
    u = resolve_user("1234:5678", PASSWD, GROUP)
    assert (u.uid, u.gid, u.additional_gids) == (1234, 5678, [])


def test_numeric_uid_of_known_user_takes_its_gid():
    assert resolve_user("33", PASSWD, GROUP).gid == 33


def test_empty_user_is_root_and_group_override_by_name():
    assert resolve_user("", PASSWD, GROUP).uid == 0
    assert resolve_user("www:users", PASSWD, GROUP).gid == 100


def test_unknown_names_are_named_in_the_error():
    with pytest.raises(InvalidArgument, match="unable to find user nobody"):
        resolve_user("nobody", PASSWD, GROUP)
    with pytest.raises(InvalidArgument, match="unable to find group staff"):
        resolve_user("bob:staff", PASSWD, GROUP)


def test_group_add():
    assert resolve_user("www", PASSWD, GROUP, group_add=["audio", "777"]).additional_gids == [33, 29, 777]
    assert resolve_user("www:www", PASSWD, GROUP).additional_gids == []


IMAGE = {"Entrypoint": ["/entry"], "Cmd": ["serve"], "Env": ["PATH=/img", "A=1", "B=2"]}


def test_args_resolution_like_docker():
    assert resolve_args(IMAGE, {}) == ["/entry", "serve"]
    assert resolve_args(IMAGE, {"Cmd": ["x"]}) == ["/entry", "x"]
    assert resolve_args(IMAGE, {"Entrypoint": ["/other"]}) == ["/other"]
    assert resolve_args(IMAGE, {"Entrypoint": ["/other"], "Cmd": ["y"]}) == ["/other", "y"]
    assert resolve_args(IMAGE, {"Entrypoint": [""], "Cmd": ["ls"]}) == ["ls"]
    with pytest.raises(InvalidArgument, match="No command specified"):
        resolve_args({}, {"Cmd": None})


def test_env_merge_overrides_by_key_and_defaults_path():
    env = resolve_env(IMAGE, {"Env": ["B=3", "C=4"], "Tty": True}, "h1")
    assert env == ["PATH=/img", "HOSTNAME=h1", "TERM=xterm", "A=1", "B=3", "C=4"]
    assert resolve_env({}, {}, "h")[0].startswith("PATH=/usr/local/sbin:")


def test_cap_arithmetic():
    host = list(CAPABILITY_NAMES)
    assert tweak_capabilities(None, None, host) == list(DEFAULT_CAPABILITIES)
    assert tweak_capabilities(["sys_admin"], ["CAP_CHOWN", "kill"], host)[-1] == "CAP_SYS_ADMIN"
    assert "CAP_CHOWN" not in tweak_capabilities(None, ["chown"], host)
    assert tweak_capabilities(["NET_ADMIN"], ["ALL"], host) == ["CAP_NET_ADMIN"]
    assert tweak_capabilities(["ALL"], ["MKNOD"], host) == [c for c in host if c != "CAP_MKNOD"]
    without = [c for c in host if c != "CAP_SYS_RESOURCE"]
    assert "CAP_SYS_RESOURCE" not in tweak_capabilities(["ALL"], None, without)
    with pytest.raises(InvalidArgument):
        tweak_capabilities(["NOPE"], None, host)


def test_masks_round_trip():
    assert capabilities_from_mask(0xA80425FB) == sorted(DEFAULT_CAPABILITIES, key=CAPABILITY_NAMES.index)
    assert mask_from_capabilities(list(DEFAULT_CAPABILITIES)) == 0xA80425FB


def test_seccomp_profile_is_an_allowlist_that_follows_capabilities():
    plain = default_seccomp_profile(list(DEFAULT_CAPABILITIES))
    names = plain["syscalls"][0]["names"]
    assert plain["defaultAction"] == "SCMP_ACT_ERRNO"
    assert {"read", "execve", "openat", "ptrace"} <= set(names)
    assert not {"mount", "unshare", "setns", "reboot", "kexec_load", "clone"} & set(names)
    clone_rule = next(r for r in plain["syscalls"] if r["names"] == ["clone"])
    assert clone_rule["args"][0]["op"] == "SCMP_CMP_MASKED_EQ"
    admin = default_seccomp_profile(["CAP_SYS_ADMIN"])["syscalls"][0]["names"]
    assert {"mount", "umount2", "unshare", "clone"} <= set(admin)


def test_devices_and_device_cgroup_rules():
    from dockyard.oci.resources import parse_device_cgroup_rule
    from dockyard.oci.spec import SpecContext, generate_spec
    fuse = {"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229, "fileMode": 0o666,
            "uid": 0, "gid": 0, "access": "rw"}
    spec = generate_spec({"Cmd": ["sh"]}, {"HostConfig": {"DeviceCgroupRules": ["c 42:* rmw"]}},
                         SpecContext(rootfs="r", hostname="h", devices=[fuse]))
    assert spec["linux"]["devices"] == [{k: v for k, v in fuse.items() if k != "access"}]
    rules = spec["linux"]["resources"]["devices"]
    assert rules[-2:] == [{"allow": True, "type": "c", "major": 10, "minor": 229, "access": "rw"},
                          {"allow": True, "type": "c", "major": 42, "access": "rmw"}]
    assert parse_device_cgroup_rule("a *:* rwm") == {"allow": True, "type": "a", "access": "rwm"}
    with pytest.raises(InvalidArgument, match="invalid device cgroup rule"):
        parse_device_cgroup_rule("x 1:2 q")
