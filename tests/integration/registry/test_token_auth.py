"""A registry behind a token server (Bearer challenges, as Docker Hub): anonymous pulls get
an empty token and are denied, logged-in pushes and pulls get scoped tokens."""

import shutil
import tempfile
from pathlib import Path

import pytest

from tests.support.registry import Registry
from tests.support.token_server import SERVICE, TokenServer

pytestmark = pytest.mark.root
USERS = {"alice": "wonder-land"}


@pytest.fixture(scope="module")
def token_registry():
    reason = Registry.missing()
    if reason:
        pytest.skip(reason)
    base = Path(tempfile.mkdtemp(prefix="dockyard-token-", dir="/tmp"))
    tokens = TokenServer(base / "tokens", USERS).start()
    registry = Registry(base / "registry", token_server=tokens).start()
    yield registry, tokens
    registry.remove()
    tokens.stop()
    shutil.rmtree(base, ignore_errors=True)


def test_bearer_token_flow_for_login_push_and_pull(d, token_registry):
    registry, tokens = token_registry
    ref = f"{registry.address}/alice/app:1"
    d.docker("tag", "app:1", ref)
    denied = d.docker("push", ref, check=False)
    assert denied.returncode == 1 and "unauthorized: authentication required" in denied.stderr

    wrong = d.docker("login", "-u", "alice", "--password-stdin", registry.address, input="nope", check=False)
    assert wrong.returncode == 1 and "401" in wrong.stderr
    d.docker("login", "-u", "alice", "--password-stdin", registry.address, input=USERS["alice"])
    assert d.docker("push", ref).stdout.count(": Pushed\n") == 2
    assert {"user": "alice", "scope": ["repository:alice/app:pull,push"], "service": [SERVICE]} in tokens.requests

    d.docker("rmi", ref, "app:1")
    assert "Downloaded newer image" in d.docker("pull", ref).stdout
    assert d.docker("run", "--rm", ref).stdout == "pulled-back\n"
    assert {"user": "alice", "scope": ["repository:alice/app:pull"], "service": [SERVICE]} in tokens.requests
