"""A build step's result as an image: the parent's config with the new container config, one
more history entry (`empty_layer` for metadata-only steps) and, maybe, one more layer."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from dockyard.images.service import ImageService
from dockyard.oci import image as oci_image

_REPLACED = ("config", "created", "history", "rootfs", "container", "container_config")


def commit_step(images: ImageService, parent_id: str | None, container_config: dict[str, Any],
                step_cmd: list[str], diff_id: str | None, author: str = "", container_id: str = "") -> str:
    """`step_cmd`: the command of the step's container as dockerd records it (`/bin/sh -c
    #(nop) ...` for steps that run nothing); the history line is its words joined. The image's
    `container_config` is that container's config (compose reads its Volumes and Cmd); a RUN
    step's (`container_id`) has no entrypoint. Both name the parent as `Image`, as dockerd's."""
    container_config = {**container_config, "Image": parent_id or ""}
    base = images.config(parent_id) if parent_id else {}
    now = datetime.now(timezone.utc)
    entry: dict[str, Any] = {"created": oci_image.rfc3339(now), "created_by": " ".join(step_cmd)}
    if author:
        entry["author"] = author
    if diff_id is None:
        entry["empty_layer"] = True
    diff_ids = oci_image.diff_ids(base) + ([diff_id] if diff_id else [])
    config = oci_image.new_config(diff_ids, container_config, now, [*(base.get("history") or []), entry],
                                  author=author or base.get("author", ""),
                                  architecture=base.get("architecture"), os_=base.get("os", "linux"),
                                  variant=base.get("variant", ""))
    for key, value in base.items():
        if key not in _REPLACED and key not in config:
            config[key] = value
    step = {**container_config, "Cmd": list(step_cmd)}
    if container_id:
        config["container"] = container_id
        step["Entrypoint"] = None
    config["container_config"] = oci_image.full_container_config(step)
    image_id, _ = images.create_image(oci_image.encode(config), parent=parent_id or "")
    return image_id
