"""Our own CLI: dockyard login, push and pull against a registry with htpasswd auth."""

import json

import pytest

from tests.integration.registry.conftest import USERS

pytestmark = pytest.mark.root


def test_login_push_pull_with_our_cli(d, auth_registry):
    ref = f"{auth_registry.address}/ours/app:1"
    d.dockyard("tag", "app:1", ref)
    denied = d.dockyard("push", ref, check=False)
    assert denied.returncode == 1 and "no basic auth credentials" in denied.stderr

    wrong = d.dockyard("login", "-u", "tester", "-p", "wrong", auth_registry.address, check=False)
    assert wrong.returncode == 1 and "401 Unauthorized" in wrong.stderr
    assert "Login Succeeded" in d.dockyard("login", "-u", "tester", "-p", USERS["tester"],
                                           auth_registry.address).stdout
    config = json.loads((d.base / "docker-config" / "config.json").read_text())
    assert auth_registry.address in config["auths"]    # shared with the docker CLI

    pushed = d.dockyard("push", ref).stdout
    assert f"The push refers to repository [{auth_registry.address}/ours/app]" in pushed
    assert pushed.count(": Pushed") == 2 and "1: digest: sha256:" in pushed
    d.dockyard("rmi", ref, "app:1")
    pulled = d.dockyard("pull", ref).stdout
    assert pulled.count(": Pull complete") == 1 and pulled.count(": Already exists") == 1
    assert pulled.endswith(f"Status: Downloaded newer image for {ref}\n{ref}\n")
    assert d.docker("run", "--rm", ref).stdout == "pulled-back\n"

    assert "Removing login credentials" in d.dockyard("logout", auth_registry.address).stdout
    assert "no basic auth credentials" in d.dockyard("push", ref, check=False).stderr
