"""`RUN --mount=...` values → mount descriptions, with BuildKit's options, defaults and errors
(pure).

A value is CSV of `key=value` fields (and the bare `ro`, `rw`, `required`); its values are
expanded with the variables in effect at the RUN, except `from`, which names a stage or image
and may not hold variables. Types: bind (the default: the context or a stage, read-only unless
`rw`, writes discarded), cache (a directory kept between builds), tmpfs, secret (a file, or an
environment variable, from the build's secrets) and ssh (the client's agent socket).
"""

from __future__ import annotations

import csv
import posixpath
import re
from dataclasses import dataclass, replace
from typing import Callable

from dockyard.errors import InvalidArgument

BIND, CACHE, TMPFS, SECRET, SSH = "bind", "cache", "tmpfs", "secret", "ssh"
TYPES = (BIND, CACHE, TMPFS, SECRET, SSH)
SHARED, PRIVATE, LOCKED = "shared", "private", "locked"
SHARING = (SHARED, PRIVATE, LOCKED)
_KEYS = ("type", "from", "source", "target", "readonly", "id", "sharing", "required", "size", "mode", "uid",
         "gid", "src", "dst", "destination", "ro", "rw", "readwrite", "env")
_SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*([kmgtp]?)(i?b)?", re.IGNORECASE)


@dataclass(frozen=True)
class RunMount:
    type: str = BIND
    from_: str = ""              # a stage name or index, or an image; "" = the build context
    source: str = ""
    target: str = ""
    read_only: bool = True
    size: int = 0                # tmpfs: bytes, 0 = no limit
    id: str = ""
    sharing: str = SHARED
    required: bool = False
    env: str | None = None       # secret: also (or only) as this environment variable
    mode: int | None = None
    uid: int | None = None
    gid: int | None = None


def parse_mount(value: str, expand: Callable[[str], str] | None = None) -> RunMount:
    """One `--mount` value. Without `expand` (parse time), fields holding `$` are left to the
    RUN itself, where the value is read again with them expanded."""
    try:
        fields = next(csv.reader([value]), [])
    except csv.Error as err:
        raise InvalidArgument(f"failed to parse csv mounts: {err}") from None
    found: dict = {"type": BIND}
    read_only_given = False
    for field_text in fields:
        key, eq, raw = field_text.partition("=")
        key = key.lower()
        if not eq:
            read_only_given |= _bare(found, key, field_text)
            continue
        if key == "from" and "$" in raw[:-1]:
            raise InvalidArgument(f"'{key}' doesn't support variable expansion, define alias stage instead")
        if expand is None and "$" in raw:
            continue
        read_only_given |= _keyed(found, key, expand(raw) if expand else raw, field_text)
    mount = RunMount(**found)
    _check(mount)
    if not read_only_given:
        mount = replace(mount, read_only=mount.type not in (CACHE, TMPFS))
    return mount


def _bare(found: dict, key: str, field_text: str) -> bool:
    if key in ("readonly", "ro", "readwrite", "rw"):
        found["read_only"] = key in ("readonly", "ro")
        return True
    if key == "required":
        if found["type"] not in (SECRET, SSH):
            raise InvalidArgument(f"unexpected key '{key}' for mount type '{found['type']}'")
        found["required"] = True
        return False
    raise InvalidArgument(f"invalid field '{field_text}' must be a key=value pair")


def _keyed(found: dict, key: str, value: str, field_text: str) -> bool:
    """Apply one `key=value`; returns whether it decided read-only-ness."""
    if key == "type":
        if value.lower() not in TYPES:
            raise InvalidArgument(f'unsupported mount type "{value}"')
        found["type"] = value.lower()
    elif key == "from":
        found["from_"] = value
    elif key in ("source", "src"):
        found["source"] = value
    elif key in ("target", "dst", "destination"):
        found["target"] = value
    elif key in ("readonly", "ro", "readwrite", "rw"):
        flag = _bool(key, value)
        found["read_only"] = flag if key in ("readonly", "ro") else not flag
        return True
    elif key == "required":
        if found["type"] not in (SECRET, SSH):
            raise InvalidArgument(f"unexpected key '{key}' for mount type '{found['type']}'")
        found["required"] = _bool(key, value)
    elif key == "size":
        if found["type"] != TMPFS:
            raise InvalidArgument(f"unexpected key '{key}' for mount type '{found['type']}'")
        found["size"] = _ram_bytes(key, value)
    elif key == "id":
        found["id"] = value
    elif key == "sharing":
        if value.lower() not in SHARING:
            raise InvalidArgument(f'unsupported sharing value "{value}"')
        found["sharing"] = value.lower()
    elif key == "mode":
        found["mode"] = _number(key, value, 8)
    elif key in ("uid", "gid"):
        found[key] = _number(key, value, 10)
    elif key == "env":
        found["env"] = value
    else:
        raise InvalidArgument(f"unexpected key '{key}' in '{field_text}'")
    return False


def _check(mount: RunMount) -> None:
    if mount.type not in (SECRET, SSH, CACHE):
        for name in ("mode", "uid", "gid"):
            if getattr(mount, name) is not None:
                raise InvalidArgument(f'{name} not allowed for "{mount.type}" type mounts')
    if mount.type == SECRET:
        if mount.from_:
            raise InvalidArgument("secret mount should not have a from")
        if not mount.source and not mount.target and not mount.id:
            raise InvalidArgument("invalid secret mount. one of source, target required")
        if mount.source and mount.id:
            raise InvalidArgument("both source and id can't be set")
    if mount.type == SSH and mount.source:
        raise InvalidArgument("ssh does not support source")
    if mount.sharing != SHARED and mount.type != CACHE:
        raise InvalidArgument(f"invalid cache sharing set for {mount.type} mount")


def resolve(mount: RunMount, workdir: str, ssh_index: int = 0) -> RunMount:
    """The mount with BuildKit's defaults filled in: ids, default targets, the target made
    absolute against WORKDIR."""
    target = mount.target
    ident = mount.id
    if mount.type == CACHE and not ident:
        ident = posixpath.normpath(target) if target else ""
    elif mount.type == SECRET:
        ident = mount.source or ident or posixpath.basename(target)
        if not target and mount.env is None:
            target = "/run/secrets/" + posixpath.basename(ident)
    elif mount.type == SSH:
        ident = ident or "default"
        target = target or f"/run/buildkit/ssh_agent.{ssh_index}"
    if target and not target.startswith("/"):
        target = posixpath.join("/", workdir or "/", target)
    if target:
        target = posixpath.normpath(target)
    if mount.type != SECRET or mount.env is None or target:
        if not target or target == "/":
            raise InvalidArgument(f'invalid mount target "{target or "/"}"')
    return replace(mount, target=target, id=ident)


def _bool(key: str, value: str) -> bool:
    lowered = value.lower()
    if lowered in ("1", "t", "true"):
        return True
    if lowered in ("0", "f", "false"):
        return False
    raise InvalidArgument(f"invalid value for {key}: {value}")


def _number(key: str, value: str, base: int) -> int:
    try:
        number = int(value, base)
    except ValueError:
        number = -1
    if not 0 <= number < 1 << 32:
        raise InvalidArgument(f"invalid value {value} for {key}")
    return number


def _ram_bytes(key: str, value: str) -> int:
    """go-units RAMInBytes: `64m`, `1g`, `512k`, `100` (binary multiples)."""
    match = _SIZE.fullmatch(value.strip())
    if not match:
        raise InvalidArgument(f"invalid value for {key}: {value}")
    power = " kmgtp".index(match.group(2).lower() or " ")
    return int(float(match.group(1)) * (1024 ** power))
