"""Single-layer images from a tar: `docker import` (a rootfs) and commit (a container's diff)."""

from __future__ import annotations

from contextlib import ExitStack
from datetime import datetime, timezone
from typing import Any, BinaryIO, Sequence

from dockyard.errors import InvalidArgument
from dockyard.images.changes import apply_changes
from dockyard.images.service import ImageService
from dockyard.oci import image as oci_image
from dockyard.oci import reference
from dockyard.wire import tar_stream


def parse_platform(value: str | None) -> tuple[str, str | None, str]:
    """`linux/amd64[/v8]` → (os, architecture or None for the host's, variant)."""
    if not value:
        return "linux", None, ""
    parts = value.lower().split("/")
    if parts[0] != "linux" or len(parts) > 3:
        raise InvalidArgument(f'"{value}": unsupported platform: only linux images are supported')
    arch = parts[1] if len(parts) > 1 and parts[1] else None
    return "linux", arch, parts[2] if len(parts) > 2 else ""


def ingest_uncompressed(service: ImageService, stream: tar_stream.ByteReader,
                        expected: str | None = None) -> tuple[str, bool]:
    """Store the uncompressed bytes of a (possibly compressed) layer tar as a blob.

    Returns (diff ID, whether this call created the blob).
    """
    if expected is not None and service.content.has(expected):
        return expected, False
    try:
        digest, _ = service.content.ingest_file(tar_stream.decompressed(stream), expected=expected)
    except tar_stream.STREAM_ERRORS as exc:
        raise InvalidArgument(f"invalid layer archive: {exc}") from None
    return digest, True


def import_rootfs(service: ImageService, stream: BinaryIO, repo: str | None = None,
                  tag: str | None = None, changes: Sequence[str] = (), message: str = "",
                  platform: str | None = None, source: str = "-") -> str:
    """`POST /images/create?fromSrc=-`: a one-layer image from a rootfs tar."""
    ref = reference.parse_repository_tag(repo, tag) if repo else None
    os_, arch, variant = parse_platform(platform)
    container_config = apply_changes({}, list(changes))
    with ExitStack() as pins:
        # One pass: the tar is unpacked as it arrives, keeping a tar split where layers stand
        # alone (overlay), else its bytes copied to the blob meanwhile.
        writer = None if service.snapshots.layers_stand_alone else service.content.writer()
        try:
            layer = service.snapshots.apply_layer(
                stream, None, tee=writer,
                before_commit=lambda chain: pins.enter_context(service.pinned([chain])))
            diff_id = layer.diff_id         # a base layer's chain ID is its diff ID
            if writer is not None:
                writer.commit(diff_id)
        finally:
            if writer is not None:
                writer.abort()
        now = datetime.now(timezone.utc)
        history = [{"created": oci_image.rfc3339(now), "comment": message or f"Imported from {source}"}]
        config = oci_image.new_config([diff_id], container_config, now, history, comment=message,
                                      architecture=arch, os_=os_, variant=variant)
        image_id, _ = service.create_image(oci_image.encode(config), [ref] if ref else [])
    service.emit("import", image_id)
    return image_id


def commit_container(service: ImageService, container_id: str, image_id: str | None,
                     container_config: dict[str, Any], *, repo: str | None = None,
                     tag: str | None = None, author: str = "", comment: str = "",
                     changes: Sequence[str] = (), created_by: str = "") -> str:
    """`POST /commit`: the container's changes as a new layer on its image's layers."""
    ref = reference.parse_repository_tag(repo, tag) if repo else None
    base = service.config(image_id) if image_id else {}
    parent_chain = service.store.get(image_id).top_chain if image_id else None
    layer = service.layer_from_snapshot(container_id, parent_chain)
    now = datetime.now(timezone.utc)
    history = [*(base.get("history") or []),
               {"created": oci_image.rfc3339(now), "created_by": created_by, "author": author,
                "comment": comment}]
    config = oci_image.new_config(
        [*oci_image.diff_ids(base), layer.diff_id], apply_changes(container_config, list(changes)),
        now, history, author=author, comment=comment,
        architecture=base.get("architecture"), os_=base.get("os", "linux"))
    config["container"] = container_id
    config["container_config"] = oci_image.full_container_config(container_config)  # as it ran, as dockerd
    new_id, _ = service.create_image(oci_image.encode(config), [ref] if ref else [],
                                     parent=image_id or "")
    return new_id
