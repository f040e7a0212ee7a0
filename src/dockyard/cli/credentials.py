"""Registry credentials kept as the docker CLI keeps them: `auths` in
`$DOCKER_CONFIG/config.json` (default `~/.docker/config.json`), so `docker login` and
`dockyard login` share them. Credential helpers (`credsStore`) are not consulted."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

HUB_SERVER = "https://index.docker.io/v1/"


def config_path() -> Path:
    directory = os.environ.get("DOCKER_CONFIG") or os.path.join(os.path.expanduser("~"), ".docker")
    return Path(directory) / "config.json"


def server_of(domain: str) -> str:
    """The key docker uses for a registry: the Hub's legacy URL, else host[:port]."""
    return HUB_SERVER if domain in ("docker.io", "index.docker.io", "") else domain


def lookup(server: str) -> dict | None:
    entry = (_read().get("auths") or {}).get(server) or {}
    if not entry.get("auth"):
        return None
    user, _, password = base64.b64decode(entry["auth"]).decode().partition(":")
    return {"username": user, "password": password, "serveraddress": server}


def store(server: str, username: str, password: str) -> None:
    config = _read()
    auth = base64.b64encode(f"{username}:{password}".encode()).decode()
    config.setdefault("auths", {})[server] = {"auth": auth}
    _write(config)


def erase(server: str) -> bool:
    config = _read()
    if server not in (config.get("auths") or {}):
        return False
    del config["auths"][server]
    _write(config)
    return True


def _read() -> dict:
    try:
        return json.loads(config_path().read_text())
    except FileNotFoundError:
        return {}


def _write(config: dict) -> None:
    path = config_path()
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(config, indent="\t"))
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)
