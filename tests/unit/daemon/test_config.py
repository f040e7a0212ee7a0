import json
from pathlib import Path

import pytest

from dockyard.daemon.config import load_config
from dockyard.errors import InvalidArgument


def test_defaults_match_dockerd_naming():
    config = load_config([])
    assert config.hosts == ["unix:///run/dockyard.sock"]
    assert config.data_root == Path("/var/lib/dockyard") and config.exec_root == Path("/run/dockyard")


def test_flags_override_the_config_file(tmp_path):
    path = tmp_path / "daemon.json"
    path.write_text(json.dumps({"data-root": "/srv/a", "hosts": ["unix:///tmp/x.sock"],
                                "runtimes": {"runc": {"path": "/usr/sbin/runc"}}}))
    config = load_config(["--config-file", str(path), "--data-root", "/srv/b", "--add-runtime", "crun=/usr/bin/crun"])
    assert config.data_root == Path("/srv/b")
    assert config.hosts == ["unix:///tmp/x.sock"]
    assert config.runtimes == {"runc": "/usr/sbin/runc", "crun": "/usr/bin/crun"}


@pytest.mark.parametrize("argv", [["-H", "http://x"], ["--add-runtime", "nopath"], ["--bip", "10.300.0.1/24"],
                                  ["--bip", "10.0.0.1"], ["--bip", "bridge"]])
def test_bad_flags_are_refused(argv):
    with pytest.raises(InvalidArgument):
        load_config(argv)


def test_booleans_read_as_go_reads_them(capsys):
    assert load_config(["--iptables", "false"]).iptables is False
    assert load_config(["--iptables", "T"]).iptables is True
    with pytest.raises(SystemExit):                 # before: read as false, silently
        load_config(["--iptables", "maybe"])
    assert 'strconv.ParseBool: parsing "maybe": invalid syntax' in capsys.readouterr().err


def test_unknown_config_file_keys_are_refused(tmp_path):
    path = tmp_path / "daemon.json"
    path.write_text('{"no-such-key": 1}')
    with pytest.raises(InvalidArgument, match="no-such-key"):
        load_config(["--config-file", str(path)])


def test_insecure_registries_from_the_file_and_repeated_flags(tmp_path):
    path = tmp_path / "daemon.json"
    path.write_text(json.dumps({"insecure-registries": ["10.0.0.0/8"]}))
    config = load_config(["--config-file", str(path), "--insecure-registry", "myreg:5000",
                          "--insecure-registry", "other:5000"])
    assert config.insecure_registries == ["10.0.0.0/8", "myreg:5000", "other:5000"]
    assert load_config([]).insecure_registries == []


def test_default_log_driver_and_options_from_flags_and_file(tmp_path):
    (tmp_path / "daemon.json").write_text(json.dumps({"log-driver": "json-file", "log-opts": {"max-size": "10m"}}))
    config = load_config(["--config-file", str(tmp_path / "daemon.json"), "--log-opt", "max-file=2"])
    assert config.log_default == {"Type": "json-file", "Config": {"max-size": "10m", "max-file": "2"}}
    assert load_config(["--log-driver", "none"]).log_default == {"Type": "none", "Config": {}}
    assert load_config([]).log_default == {"Type": "json-file", "Config": {}}
    for argv in (["--log-driver", "syslog"], ["--log-opt", "max-size"], ["--log-opt", "bogus=1"]):
        with pytest.raises(InvalidArgument):
            load_config(argv)


def test_the_cri_endpoint_and_registry_mirrors_from_flags_and_the_file(tmp_path):
    path = tmp_path / "daemon.json"
    path.write_text(json.dumps({"cri-socket": "unix:///run/dockyard/cri.sock", "cni-bin-dir": ["/opt/cni/bin"],
                                "registry-mirrors": ["https://mirror.example"]}))
    config = load_config(["--config-file", str(path), "--registry-mirror", "gcr.io=http://127.0.0.1:5000",
                          "--cni-conf-dir", "net.d"])
    assert config.cri_socket == "unix:///run/dockyard/cri.sock"
    assert config.cni_bin_dirs == ["/opt/cni/bin"] and config.cni_conf_dir == Path("net.d").absolute()
    assert config.registry_mirrors == ["https://mirror.example", "gcr.io=http://127.0.0.1:5000"]
    assert load_config([]).cri_socket is None and load_config([]).cni_bin_dirs == ["/usr/lib/cni", "/opt/cni/bin"]


@pytest.mark.parametrize("argv", [["--cri-socket", "tcp://127.0.0.1:1"], ["--registry-mirror", "ftp://m"],
                                  ["--registry-mirror", "https://m/path"]])
def test_a_bad_cri_socket_or_mirror_stops_the_daemon(argv):
    with pytest.raises(InvalidArgument):
        load_config(argv)


def test_default_address_pools_from_the_file_and_repeated_flags(tmp_path):
    path = tmp_path / "daemon.json"
    path.write_text('{"default-address-pools": [{"base": "10.10.0.0/16", "size": 24}]}')
    config = load_config(["--config-file", str(path), "--default-address-pool", "base=10.20.0.0/16,size=20"])
    assert config.default_address_pools == [("10.10.0.0/16", 24), ("10.20.0.0/16", 20)]
    assert load_config([]).default_address_pools == []
    path.write_text('{"default-address-pools": ["10.10.0.0/16"]}')
    with pytest.raises(InvalidArgument, match="default-address-pools"):
        load_config(["--config-file", str(path)])
