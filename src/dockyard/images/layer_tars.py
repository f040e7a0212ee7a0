"""A layer's tar, wherever this daemon keeps it: a blob in the content store (layers a build
step adopted, and all layers where they do not stand alone) or rebuilt from the layer's tar
split (`snapshots.layer_tar`). Save, push, `--cache-to`, load and pull ask here."""

from __future__ import annotations

from typing import BinaryIO, cast

from dockyard.errors import NotFound
from dockyard.images.service import ImageService
from dockyard.snapshots.store import Layer


def has_layer(images: ImageService, chain_id: str, diff_id: str) -> bool:
    """Whether the layer is unpacked and its tar can be had."""
    return images.snapshots.has(chain_id) and (images.content.has(diff_id)
                                               or images.snapshots.has_tar(chain_id))


def open_tar(images: ImageService, diff_id: str, chain_id: str) -> tuple[int, BinaryIO]:
    """(size, reader) of a layer's tar; the caller closes the reader."""
    try:
        return images.content.size(diff_id), images.content.open(diff_id)
    except NotFound:
        if not images.snapshots.has_tar(chain_id):
            raise
    tar = images.snapshots.layer_tar(chain_id)
    return tar.size, cast(BinaryIO, tar)      # read and close: what the callers use


def apply_known(images: ImageService, diff_id: str, parent: str | None) -> Layer:
    """A layer whose tar is here (a blob, or another layer's split: the same layer on another
    parent) put on `parent`."""
    if images.content.has(diff_id):
        return images.snapshots.apply_layer_file(images.content.path(diff_id), diff_id, parent)
    source = next((layer.chain_id for layer in images.snapshots.layers()
                   if layer.diff_id == diff_id and images.snapshots.has_tar(layer.chain_id)), None)
    if source is None:
        raise NotFound(f"content {diff_id}: not found")
    with images.snapshots.layer_tar(source) as tar:
        return images.snapshots.apply_layer(tar, parent, diff_id)   # with a split of its own
