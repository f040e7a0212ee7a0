"""What the container service needs from images, in the shape it calls (containers/service.py).

    layers = ImagesForContainers(image_service)
    image = layers.for_container("busybox")          # .id, .config (Env, Cmd, ...), 404 if missing
    layers.prepare_container_layer(cid, image.id)    # writable layer on the image
    mounter.mount_all(layers.mounts(cid), rootfs)    # mount it; unmount before removing
    layers.remove_container_layer(cid)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dockyard.disk.usage import tree_size
from dockyard.errors import DockyardError
from dockyard.images.service import ImageService
from dockyard.oci.reference import is_full_id
from dockyard.snapshots.mount import Mount


@dataclass(frozen=True)
class ImageForContainer:
    id: str
    config: dict[str, Any]      # the image config's `config` section: Env, Cmd, Entrypoint, ...


class ImagesForContainers:
    def __init__(self, images: ImageService):
        self.images = images

    def for_container(self, name: str) -> ImageForContainer:
        record = self.images.resolve(name)  # NotFound "No such image: x:latest" → 404 → CLI pulls
        return ImageForContainer(record.id, self.config_of(record.id))

    def config_of(self, image_id: str) -> dict[str, Any]:
        return dict(self.images.config(image_id).get("config") or {})

    def prepare_container_layer(self, container_id: str, image_id: str | None, init: bool = True) -> list[Mount]:
        return self.images.prepare_container_layer(container_id, image_id, init)

    def mounts(self, container_id: str) -> list[Mount]:
        return self.images.rootfs_mounts(container_id)

    def remove_container_layer(self, container_id: str) -> None:
        self.images.remove_container_layer(container_id)

    def container_layer_ids(self) -> list[str]:
        """Containers that have a writable layer (build steps' layers are keyed otherwise)."""
        return [key for key in self.images.snapshots.active_keys() if is_full_id(key)]

    def graph_driver(self, container_id: str, image_id: str | None = None) -> dict[str, Any]:
        return self.images.container_graph_driver(container_id)

    def matches(self, container, pattern: str) -> bool:
        """`ancestor=` filter: the container's image is `pattern` or built on it."""
        try:
            wanted = self.images.resolve(pattern).id
        except DockyardError:
            return False
        image_id = getattr(container, "image_id", None)
        while image_id:
            if image_id == wanted:
                return True
            record = self.images.store.images.get(image_id)
            image_id = record.parent if record else None
        return False

    def layer_size(self, container_id: str) -> int:
        """Bytes in a container's writable layer (what removing it reclaims), 0 if it has none."""
        try:
            return self.container_sizes(container_id)[0]
        except (DockyardError, OSError):
            return 0

    def container_sizes(self, container_id: str) -> tuple[int, int]:
        """(SizeRw, SizeRootFs): bytes in the container layer, and that plus the image."""
        data = self.images.container_graph_driver(container_id)["Data"]
        parent = self.images.snapshots.parent_of(container_id)
        image = sum(layer.size for layer in self.images.snapshots.chain(parent))
        if "UpperDir" in data:
            rw = tree_size(data["UpperDir"])
        else:  # a full copy: what it holds beyond the image (an estimate; deletions hide growth)
            rw = max(0, tree_size(data.get("Dir") or "") - image)
        return rw, rw + image
