"""Blobs and layers no image refers to: what an interrupted pull, load or build left.

A pull or a load stores verified layer tars and unpacks layers before it records the image
that refers to them. A failure undoes that; a daemon killed meanwhile cannot (an interrupted
pull of a few layers left 58-86 MB). At start, with nothing in flight, `collect` deletes what
no image refers to; while such content exists (a pull in flight, say) `system df` counts it
(`unreferenced_blob_bytes`, on top of the layers, which it counts all).
"""

from __future__ import annotations

import logging

from dockyard.errors import Conflict

log = logging.getLogger(__name__)


def collect(images) -> int:
    """Delete unreferenced blobs and layers (children first); returns the bytes freed."""
    blobs, chains = images.references()
    freed = 0
    for digest in list(images.content.digests()):
        if digest not in blobs:
            freed += images.content.size(digest)
            images.content.delete(digest)
    layers = {layer.chain_id: layer for layer in images.snapshots.layers()}
    for layer in sorted(layers.values(), key=lambda layer: _depth(layer.chain_id, layers), reverse=True):
        if layer.chain_id in chains:
            continue
        try:
            images.snapshots.remove_layer(layer.chain_id)
        except Conflict:                  # a container's layer or a kept child sits on it
            continue
        freed += layer.size
    if freed:
        log.info("collected %d bytes of content and layers no image refers to", freed)
    return freed


def unreferenced_blob_bytes(images) -> int:
    blobs, _ = images.references()
    return sum(images.content.size(d) for d in images.content.digests() if d not in blobs)


def _depth(chain_id: str, layers: dict) -> int:
    depth = 0
    while (chain_id := layers[chain_id].parent) in layers:
        depth += 1
    return depth
