from dockyard.registry.endpoint import InsecureRegistries, endpoint_for
from dockyard.registry.hosts import Registries


def _no_dns(name: str) -> str:
    raise OSError("no DNS in unit tests")


def test_loopback_is_insecure_and_others_use_https():
    insecure = InsecureRegistries()
    loopback = endpoint_for("127.0.0.1:5000", insecure, _no_dns)
    assert loopback.url == "https://127.0.0.1:5000" and loopback.insecure and not loopback.secure
    assert loopback.fallback.url == "http://127.0.0.1:5000" and loopback.fallback.fallback is None
    assert not endpoint_for("127.9.9.9", insecure, _no_dns).secure
    remote = endpoint_for("registry.example:5000", insecure, _no_dns)
    assert remote.url == "https://registry.example:5000" and remote.secure and remote.fallback is None
    assert endpoint_for("docker.io", insecure, _no_dns).url == "https://registry-1.docker.io"


def test_names_resolving_to_loopback_are_insecure():
    insecure = InsecureRegistries()
    assert endpoint_for("localhost:5000", insecure, lambda name: "127.0.0.1").insecure


def test_insecure_registry_flag_takes_cidrs_and_names():
    insecure = InsecureRegistries(["10.1.0.0/16", "myreg:5000", "http://other.example"])
    assert not endpoint_for("10.1.2.3:5000", insecure, _no_dns).secure
    assert endpoint_for("10.2.0.1:5000", insecure, _no_dns).secure
    assert not endpoint_for("myreg:5000", insecure, _no_dns).secure
    assert endpoint_for("myreg:6000", insecure, _no_dns).secure
    assert not endpoint_for("other.example", insecure, _no_dns).secure
    assert not endpoint_for("[::1]:5000", InsecureRegistries(["::1/128"]), _no_dns).secure


def test_registry_config_for_info_lists_insecure_registries():
    config = Registries(["myreg:5000", "10.0.0.0/8"]).config()
    assert config["InsecureRegistryCIDRs"] == ["127.0.0.0/8", "10.0.0.0/8"]
    assert config["IndexConfigs"]["myreg:5000"]["Secure"] is False
    assert config["IndexConfigs"]["docker.io"]["Official"] is True
