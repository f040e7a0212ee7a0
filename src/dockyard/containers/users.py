"""A container's `User` resolved against its own /etc/passwd and /etc/group (blocking I/O).

The files are read with paths resolved inside the container's root, so a symlinked
/etc/passwd cannot make the daemon read a host file."""

from dockyard.oci.user import ResolvedUser, resolve_user
from dockyard.confined.paths import resolve_in_root


def user_in_root(root: str, user: str, group_add: list | None = None) -> ResolvedUser:
    texts = []
    for name in ("/etc/passwd", "/etc/group"):
        try:
            with open(resolve_in_root(str(root), name), errors="replace") as f:
                texts.append(f.read())
        except OSError:
            texts.append("")
    return resolve_user(user, texts[0], texts[1], group_add or [])
