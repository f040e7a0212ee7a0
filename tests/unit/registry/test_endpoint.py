import ipaddress

import pytest

from dockyard.errors import InvalidArgument
from dockyard.registry.endpoint import InsecureRegistries, endpoint_for, parse_insecure_registry
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


@pytest.mark.parametrize("entry, message", [
    ("::bad::", 'insecure registry ::bad:: is not valid: invalid host "::bad::"'),
    ("foo/bar", 'insecure registry foo/bar is not valid: invalid host "foo/bar"'),
    ("10.0.0.0/33", 'insecure registry 10.0.0.0/33 is not valid: invalid host "10.0.0.0/33"'),
    (":5000", 'insecure registry :5000 is not valid: invalid host ""'),
    ("reg:99999", 'insecure registry reg:99999 is not valid: invalid port "99999"'),
    ("ftp://reg", "insecure registry ftp://reg should not contain '://'"),
    ("-reg", "invalid index name (-reg). Cannot begin or end with a hyphen."),
])
def test_a_malformed_insecure_registry_is_refused_with_dockerds_message(entry, message):
    """The messages dockerd 20.10 stops with (`failed to start daemon: ...`), asked of it."""
    with pytest.raises(InvalidArgument) as err:
        parse_insecure_registry(entry)
    assert str(err.value) == message


def test_insecure_registry_entries_dockerd_accepts():
    assert parse_insecure_registry("http://reg.example:5000") == "reg.example:5000"
    assert parse_insecure_registry("10.0.0.0/8") == ipaddress.ip_network("10.0.0.0/8")
    assert parse_insecure_registry("[::1]:5000") == "[::1]:5000"
    insecure = InsecureRegistries(["10.9.0.0/16", "https://reg.example"])
    assert insecure.allows("10.9.3.4:5000", _no_dns) and insecure.allows("reg.example", _no_dns)
