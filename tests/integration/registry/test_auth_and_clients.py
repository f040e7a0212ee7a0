"""docker login against a registry with htpasswd auth, push/pull with credentials, docker-py."""

import json

import docker
import pytest

from tests.integration.registry.conftest import USERS

pytestmark = pytest.mark.root


def test_login_push_and_pull_with_credentials(d, auth_registry):
    ref = f"{auth_registry.address}/private/app:1"
    d.docker("tag", "app:1", ref)
    anonymous = d.docker("push", ref, check=False)
    assert anonymous.returncode == 1 and "no basic auth credentials" in anonymous.stderr

    wrong = d.docker("login", "-u", "tester", "--password-stdin", auth_registry.address,
                     input="wrong", check=False)
    assert wrong.returncode == 1
    assert f"login attempt to http://{auth_registry.address}/v2/ failed with status: 401 Unauthorized" in wrong.stderr

    ok = d.docker("login", "-u", "tester", "--password-stdin", auth_registry.address,
                  input=USERS["tester"])
    assert "Login Succeeded" in ok.stdout
    config = json.loads((d.base / "docker-config" / "config.json").read_text())
    assert auth_registry.address in config["auths"]

    assert ": Pushed\n" in d.docker("push", ref).stdout
    d.docker("rmi", ref, "app:1")
    assert "Downloaded newer image" in d.docker("pull", ref).stdout
    assert d.docker("run", "--rm", ref).stdout == "pulled-back\n"

    d.docker("logout", auth_registry.address)
    d.docker("rmi", ref)
    denied = d.docker("pull", ref, check=False)
    assert denied.returncode == 1 and "no basic auth credentials" in denied.stderr


def test_docker_py_push_and_pull(d, registry, auth_registry):
    client = d.client()
    repo = f"{registry.address}/py/app"
    client.images.get("app:1").tag(repo, "2")
    lines = list(client.images.push(repo, "2", stream=True, decode=True))
    aux = [line["aux"] for line in lines if "aux" in line]
    assert aux and aux[0]["Tag"] == "2" and aux[0]["Digest"].startswith("sha256:")
    client.images.remove(f"{repo}:2")
    client.images.remove("app:1")
    image = client.images.pull(repo, tag="2")
    assert f"{repo}:2" in image.tags and image.attrs["RepoDigests"] == [f"{repo}@{aux[0]['Digest']}"]

    with pytest.raises(docker.errors.NotFound):
        client.images.pull(f"{registry.address}/py/none", tag="1")
    data = client.images.get_registry_data(f"{repo}:2")          # GET /distribution/{name}/json
    assert data.id == aux[0]["Digest"] and data.has_platform("linux/amd64") == (image.attrs["Architecture"] == "amd64")
    assert data.attrs["Descriptor"]["mediaType"] == "application/vnd.docker.distribution.manifest.v2+json"
    assert data.attrs["Platforms"] == [{"architecture": image.attrs["Architecture"], "os": "linux"}]
    with pytest.raises(docker.errors.NotFound):
        client.images.get_registry_data(f"{registry.address}/py/none:1")
    assert client.login("tester", USERS["tester"], registry=auth_registry.address)["Status"] == "Login Succeeded"
    with pytest.raises(docker.errors.APIError) as denied:
        client.login("tester", "nope", registry=auth_registry.address, reauth=True)
    assert denied.value.status_code == 401
    private = f"{auth_registry.address}/py/app"
    image.tag(private, "3")
    creds = {"username": "tester", "password": USERS["tester"]}
    pushed = list(client.images.push(private, "3", stream=True, decode=True, auth_config=creds))
    assert not [line for line in pushed if "error" in line], pushed
