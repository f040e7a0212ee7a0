"""What `docker rmi` and `docker image prune` decide, as dockerd decides it: which references a
removal takes, what refuses it (dockerd's conflict texts), which images a prune takes. Pure
over the image store's in-memory index; `service.ImageService` does the removing."""

from __future__ import annotations

from typing import Any, Callable

from dockyard.errors import Conflict, InvalidArgument
from dockyard.images import filters as image_filters
from dockyard.images import views
from dockyard.images.store import ImageRecord, ImageStore
from dockyard.oci import digest as digests
from dockyard.oci import reference


def matched_reference(store: ImageStore, name: str, image_id: str) -> str | None:
    """The tag or digest reference `name` resolved through, if it was not an ID."""
    if name.startswith("sha256:") or reference.is_full_id(name):
        return None
    try:
        ref = reference.parse(name)
    except InvalidArgument:
        return None
    if ref.digest:
        key = f"{ref.name}@{ref.digest}"
        return key if key in store.get(image_id).repo_digests else None
    key = str(ref.with_default_tag())
    return key if store.tags.get(key) == image_id else None


def digests_going_with(store: ImageStore, image_id: str, ref: str) -> list[str]:
    """As dockerd: the last tag of a repository takes that repository's digest references along."""
    if "@" in ref:
        return []
    name = reference.parse(ref).name
    if any(reference.parse(t).name == name for t in store.refs_of(image_id) if t != ref):
        return []
    return [d for d in store.get(image_id).repo_digests if d.split("@", 1)[0] == name]


def refuse_last_reference(ref: str, image_id: str, remaining: int, users: list[str], force: bool) -> None:
    """Untagging the last reference of an image a container uses needs force."""
    if remaining == 0 and users and not force:
        raise Conflict(
            f'conflict: unable to remove repository reference "{familiar(ref)}" (must force) '
            f"- container {users[0][:12]} is using its referenced image {digests.short_id(image_id)}")


def refuse_delete(image_id: str, refs: list[str], has_children: bool, users: list[str],
                  running: list[str], force: bool) -> None:
    """Deleting an image by ID: refused with children or a running user; needs force with
    several references or a stopped user."""
    short = digests.short_id(image_id)
    if has_children:
        raise Conflict(f"conflict: unable to delete {short} (cannot be forced) - image has dependent child images")
    if len(refs) > 1 and not force:
        raise Conflict(f"conflict: unable to delete {short} (must be forced) - "
                       "image is referenced in multiple repositories")
    if running:
        raise Conflict(f"conflict: unable to delete {short} (cannot be forced) - "
                       f"image is being used by running container {running[0][:12]}")
    if users and not force:
        raise Conflict(f"conflict: unable to delete {short} (must be forced) - "
                       f"image is being used by stopped container {users[0][:12]}")


def prunable(store: ImageStore, record: ImageRecord, dangling: bool, until: int | None,
             filters: dict[str, list[str]], in_use: Callable[[str], list[str]],
             config: Callable[[str], dict[str, Any]]) -> bool:
    if record.id not in store.images or store.children(record.id):
        return False
    if dangling and store.refs_of(record.id):
        return False
    if in_use(record.id):
        return False
    if until is not None and views.created_unix(record) >= until:
        return False
    labels = (config(record.id).get("config") or {}).get("Labels") or {}
    if "label" in filters and not image_filters.labels_match(labels, filters["label"]):
        return False
    if "label!" in filters and not image_filters.negated_labels_match(labels, filters["label!"]):
        return False
    return True


def familiar(ref: str) -> str:
    """A reference as dockerd's messages name it (`busybox:latest`, `x/y@sha256:...`)."""
    name, at, digest = ref.partition("@")
    try:
        parsed = reference.parse(name)
    except InvalidArgument:
        return ref
    return parsed.familiar() + (f"@{digest}" if at else "")
