"""Bad input gets dockerd's 4xx and error body and loses nothing (issue 12 §2).

Every answer here was taken from dockerd 20.10 on this machine, case by case. Where dockerd
answers a malformed JSON body with 500 (it does not wrap Go's decode errors before 23.0) we
answer 400 with the same message, as later dockerd releases do.
"""

import json
from urllib.parse import quote

import pytest

from tests.support.busybox import import_busybox
from tests.support.raw_http import exchange, request

pytestmark = pytest.mark.root


def _filters(value: dict) -> str:
    return "filters=" + quote(json.dumps(value))


def ask(daemon, method: str, target: str, body=None, **kwargs):
    return exchange(str(daemon.socket), request(method, target, body, **kwargs))


@pytest.mark.parametrize("method, path", [
    ("GET", "/containers/json"), ("POST", "/containers/prune"), ("GET", "/images/json"),
    ("POST", "/images/prune"), ("GET", "/networks"), ("POST", "/networks/prune"),
    ("GET", "/volumes"), ("POST", "/volumes/prune")])
def test_unknown_filter_keys_are_refused_by_every_list_and_prune(busybox, method, path):
    answer = ask(busybox, method, f"{path}?{_filters({'x': ['y']})}")
    assert (answer.status, answer.json()) == (400, {"message": "Invalid filter 'x'"})


def test_build_cache_prune_refuses_unknown_filters(busybox):
    answer = ask(busybox, "POST", f"/build/prune?{_filters({'x': ['y']})}")
    assert (answer.status, answer.json()) == (400, {"message": "failed to prune build cache: Invalid filter 'x'"})


def test_container_prune_with_an_unknown_filter_prunes_nothing(fresh_daemon):
    daemon = fresh_daemon.start()
    import_busybox(daemon)
    daemon.docker("create", "--name", "precious", "busybox", "true")
    answer = ask(daemon, "POST", f"/containers/prune?{_filters({'lable': ['x']})}")
    assert (answer.status, answer.json()) == (400, {"message": "Invalid filter 'lable'"})
    assert daemon.docker("ps", "-a", "--format", "{{.Names}}").stdout.split() == ["precious"]


def test_container_prune_honours_label_negation_and_until(fresh_daemon):
    daemon = fresh_daemon.start()
    import_busybox(daemon)
    daemon.docker("create", "--name", "kept", "--label", "keep=yes", "busybox", "true")
    daemon.docker("create", "--name", "gone", "busybox", "true")
    daemon.docker("container", "prune", "-f", "--filter", "until=1h")  # all created just now: none
    daemon.docker("container", "prune", "-f", "--filter", "label!=keep=yes")
    assert daemon.docker("ps", "-a", "--format", "{{.Names}}").stdout.split() == ["kept"]
