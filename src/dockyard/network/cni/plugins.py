"""Running CNI plugin binaries: the one module that does (as `firewall.iptables` is for iptables).

A plugin reads its configuration on stdin and its arguments from CNI_* variables, and answers
a result or an error (`{"code", "msg", "details"}`) on stdout."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from dockyard.errors import InternalError, NotFound

TIMEOUT = 60


def find(plugin_type: str, bin_dirs: list[str]) -> str:
    for directory in bin_dirs:
        path = Path(directory) / plugin_type
        if os.access(path, os.X_OK):
            return str(path)
    raise NotFound(f"failed to find plugin {plugin_type!r} in path {bin_dirs}")


def invoke(command: str, config: dict, bin_dirs: list[str], container_id: str, netns: str,
           ifname: str, args: dict[str, str]) -> dict:
    """Run `config`'s plugin for ADD, DEL or CHECK; its result (empty for DEL and CHECK)."""
    env = {"PATH": os.environ.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"), "CNI_COMMAND": command,
           "CNI_CONTAINERID": container_id, "CNI_NETNS": netns, "CNI_IFNAME": ifname,
           "CNI_PATH": os.pathsep.join(bin_dirs),
           "CNI_ARGS": ";".join(["IgnoreUnknown=1", *(f"{k}={v}" for k, v in args.items())])}
    binary = find(config["type"], bin_dirs)
    try:
        done = subprocess.run([binary], input=json.dumps(config).encode(), env=env, capture_output=True,
                              timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        raise InternalError(f"CNI plugin {config['type']} {command} timed out") from None
    if done.returncode != 0:
        raise InternalError(f"plugin type={config['type']!r} failed ({command}): {_error_text(done)}")
    if command != "ADD" or not done.stdout.strip():
        return {}
    try:
        return json.loads(done.stdout)
    except ValueError:
        raise InternalError(f"CNI plugin {config['type']} answered no JSON: {done.stdout[:200]!r}") from None


def _error_text(done: subprocess.CompletedProcess) -> str:
    try:
        error = json.loads(done.stdout)
        text = error.get("msg", "")
        return f"{text}: {error['details']}" if error.get("details") else text
    except (ValueError, AttributeError):
        return (done.stderr or done.stdout).decode(errors="replace").strip()
