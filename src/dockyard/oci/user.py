"""Resolve a Docker `User` string against an image's /etc/passwd and /etc/group (pure)."""

from dataclasses import dataclass, field

from dockyard.errors import InvalidArgument


@dataclass(frozen=True)
class ResolvedUser:
    uid: int
    gid: int
    additional_gids: list[int] = field(default_factory=list)
    home: str = "/"


def _parse_passwd(text: str) -> list[tuple[str, int, int, str]]:
    entries = []
    for line in text.splitlines():
        parts = line.split(":")
        if len(parts) < 7 or line.startswith("#"):
            continue
        try:
            entries.append((parts[0], int(parts[2]), int(parts[3]), parts[5]))
        except ValueError:
            continue
    return entries


def _parse_group(text: str) -> list[tuple[str, int, list[str]]]:
    entries = []
    for line in text.splitlines():
        parts = line.split(":")
        if len(parts) < 4 or line.startswith("#"):
            continue
        try:
            members = [m for m in parts[3].split(",") if m]
            entries.append((parts[0], int(parts[2]), members))
        except ValueError:
            continue
    return entries


def resolve_user(
    user: str | None,
    passwd_text: str = "",
    group_text: str = "",
    group_add: list[str] | None = None,
) -> ResolvedUser:
    """`user` is `name|uid[:group|gid]`, as in `docker run -u`; empty means root.

    Numeric ids need no passwd entry (Docker allows them); names must exist. Without an
    explicit group the supplementary groups are the primary one and those of /etc/group
    listing the user by name; `group_add` (GroupAdd) always adds.
    """
    spec = (user or "").strip()
    user_part, _, group_part = spec.partition(":")
    passwd = _parse_passwd(passwd_text)
    groups = _parse_group(group_text)
    name, uid, gid, home = _lookup_user(user_part or "0", passwd)
    extra: list[int] = []
    if group_part:
        gid = _lookup_group(group_part, groups)
    else:
        # Implicit group (libcontainer's rule): the primary group, if it has an entry, and
        # every group listing the user.
        extra = [g for _, g, members in groups if g == gid or (name is not None and name in members)]
    for wanted in group_add or []:
        extra_gid = _lookup_group(wanted, groups)
        if extra_gid not in extra:
            extra.append(extra_gid)
    return ResolvedUser(uid=uid, gid=gid, additional_gids=sorted(set(extra), key=extra.index), home=home)


def _lookup_user(ref: str, passwd) -> tuple[str | None, int, int, str]:
    for name, uid, gid, home in passwd:
        if name == ref or (ref.isdigit() and uid == int(ref)):
            return name, uid, gid, home
    if ref.isdigit():
        return None, int(ref), 0, "/"
    raise InvalidArgument(f"unable to find user {ref}: no matching entries in passwd file")


def _lookup_group(ref: str, groups) -> int:
    for name, gid, _ in groups:
        if name == ref or (ref.isdigit() and gid == int(ref)):
            return gid
    if ref.isdigit():
        return int(ref)
    raise InvalidArgument(f"unable to find group {ref}: no matching entries in group file")
