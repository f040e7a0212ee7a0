"""Registry mirrors: dockerd's `registry-mirrors` and per-host mirrors, and the order of tries."""

import pytest

from dockyard.errors import InvalidArgument, NotFound
from dockyard.oci.reference import parse
from dockyard.registry.credentials import Credentials
from dockyard.registry.hosts import Registries, first_answer
from dockyard.registry.mirrors import display, parse_mirrors


def test_a_bare_url_mirrors_docker_hub_and_host_equals_url_any_registry():
    mirrors = parse_mirrors(["https://mirror.example/", "gcr.io=http://127.0.0.1:5000",
                             "index.docker.io=https://second.example", "gcr.io=https://other:443"])
    assert mirrors == {"docker.io": ["https://mirror.example", "https://second.example"],
                       "gcr.io": ["http://127.0.0.1:5000", "https://other:443"]}
    assert display(mirrors) == ["https://mirror.example/", "https://second.example/"]


@pytest.mark.parametrize("entry", ["mirror.example", "ftp://m", "https://m/v2", "https://m?x=1",
                                   "a/b=https://m", "=https://m"])
def test_dockerds_rules_for_a_mirror(entry):
    with pytest.raises(InvalidArgument):
        parse_mirrors([entry])


def test_pulls_try_the_mirrors_first_and_credentials_go_only_where_they_name():
    registries = Registries(mirrors=["gcr.io=http://127.0.0.1:5000", "gcr.io=https://m2.example"])
    ref = parse("gcr.io/project/image:1")
    sources = registries.pull_sources(ref, Credentials("u", "p", server="m2.example"))
    endpoints = [(s.args[0].url, s.args[0].insecure, s.args[2].username) for s in sources[:-1]]
    assert endpoints == [("http://127.0.0.1:5000", True, ""), ("https://m2.example", False, "u")]
    assert sources[-1].args == (ref, Credentials("u", "p", server="m2.example"))
    assert len(registries.pull_sources(parse("quay.io/a/b"), Credentials())) == 1


def test_the_first_answer_wins_and_the_registrys_own_error_is_the_one_reported():
    def failing(message):
        def source():
            raise NotFound(message)
        return source
    assert first_answer([failing("mirror"), lambda: "registry client"], lambda client: client.upper()) == \
        "REGISTRY CLIENT"
    with pytest.raises(NotFound, match="registry"):
        first_answer([failing("mirror"), failing("registry")], lambda client: client)
