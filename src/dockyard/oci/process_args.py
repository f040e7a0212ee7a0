"""Docker's merge of image config and create request into argv and environment (pure)."""

from typing import Sequence

from dockyard.errors import InvalidArgument
from dockyard.oci.defaults import DEFAULT_PATH


def resolve_args(image_config: dict, create: dict) -> list[str]:
    """A create Entrypoint replaces the image's Entrypoint and Cmd; a create Cmd replaces
    the image Cmd. `--entrypoint ""` (sent as [""]) means: no entrypoint at all."""
    entrypoint = create.get("Entrypoint")
    cmd = create.get("Cmd")
    if entrypoint:
        entrypoint = [] if entrypoint == [""] else list(entrypoint)
        args = entrypoint + list(cmd or [])
    else:
        entrypoint = list(image_config.get("Entrypoint") or [])
        args = entrypoint + list(cmd if cmd else image_config.get("Cmd") or [])
    if not args:
        raise InvalidArgument("No command specified")
    return args


def _env_key(item: str) -> str:
    return item.split("=", 1)[0]


def resolve_env(image_config: dict, create: dict, hostname: str, linked: Sequence[str] = ()) -> list[str]:
    """PATH (default) and HOSTNAME first, TERM with a tty, legacy links' variables, then the
    image env overridden key by key by the create env, as dockerd does."""
    merged: list[str] = []
    for item in list(image_config.get("Env") or []) + list(create.get("Env") or []):
        _replace_or_append(merged, item)
    env = [f"PATH={DEFAULT_PATH}", f"HOSTNAME={hostname}"]
    if create.get("Tty"):
        env.append("TERM=xterm")
    for item in [*linked, *merged]:
        _replace_or_append(env, item)
    return env


def _replace_or_append(env: list[str], item: str) -> None:
    key = _env_key(item)
    if "=" not in item:
        return  # `-e NAME` without a value and not set on the client: Docker drops it
    for i, existing in enumerate(env):
        if _env_key(existing) == key:
            env[i] = item
            return
    env.append(item)
