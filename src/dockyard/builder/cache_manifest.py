"""BuildKit's cache manifest, as `--cache-to type=local` writes it and `--cache-from type=local`
reads it (pure): an OCI image index listing the blobs and, last, the cache config
(`application/vnd.buildkit.cacheconfig.v0`: layers with their parent layer, and records keyed by
cache key, each naming the layer it produced and the record it follows).

BuildKit keys its records by LLB digests; this builder keys them by its step keys and adds to
each record the config of the step's image (`dockyard.config`, also a blob), from which the
image is made again. A cache config whose records lack it was written by BuildKit: none of its
keys could ever match here, so it is refused rather than read as an empty cache."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from dockyard.errors import InvalidArgument
from dockyard.oci import digest as digests
from dockyard.oci import image as oci_image

CACHE_CONFIG_MEDIA = "application/vnd.buildkit.cacheconfig.v0"
_CONFIG_FIELD = "dockyard.config"


@dataclass(frozen=True)
class CachedStep:
    key: str                     # the step key (hex)
    config: str                  # the digest of the step image's config
    diff_ids: list[str] = field(default_factory=list)
    parent: str | None = None    # the key of the step it follows, when that one is in the cache too
    created: str = ""            # when the step's image was made (RFC 3339)


def documents(steps: list[CachedStep], sizes: dict[str, int]) -> tuple[bytes, bytes]:
    """(cache config, manifest index) for `steps` (parents first); `sizes`: each blob's size."""
    layers: list[dict] = []
    layer_at: dict[str, int] = {}      # chain ID → its index in `layers`
    records: list[dict] = []
    record_at: dict[str, int] = {}
    for step in steps:
        top = -1
        for chain, diff_id in zip(digests.chain_ids(step.diff_ids), step.diff_ids):
            if chain not in layer_at:
                layer_at[chain] = len(layers)
                layers.append({"blob": diff_id, "parent": top, "annotations": {
                    "mediaType": oci_image.MEDIA_OCI_LAYER, "diffID": diff_id, "size": sizes[diff_id],
                    "createdAt": step.created}})
            top = layer_at[chain]
        record: dict = {"digest": digests.from_hex(step.key), _CONFIG_FIELD: step.config}
        if top >= 0:
            record["layers"] = [{"layer": top, "createdAt": step.created}]
        if step.parent in record_at:
            record["inputs"] = [[{"selector": "", "link": record_at[step.parent]}]]
        record_at[step.key] = len(records)
        records.append(record)
    config = json.dumps({"layers": layers, "records": records}, separators=(",", ":")).encode()
    blobs = {layer["blob"]: oci_image.MEDIA_OCI_LAYER for layer in layers}
    blobs.update({step.config: oci_image.MEDIA_OCI_CONFIG for step in steps})
    manifests = [{"mediaType": media, "digest": digest, "size": sizes[digest]} for digest, media in blobs.items()]
    manifests.append({"mediaType": CACHE_CONFIG_MEDIA, "digest": digests.sha256_digest(config), "size": len(config)})
    index = {"schemaVersion": 2, "mediaType": oci_image.MEDIA_OCI_INDEX, "manifests": manifests}
    return config, json.dumps(index, separators=(",", ":")).encode()


def config_of(index: bytes, where: str) -> str:
    """The digest of the cache config a manifest index names."""
    document = _json(index, where)
    for descriptor in document.get("manifests") or [] if isinstance(document, dict) else []:
        if isinstance(descriptor, dict) and descriptor.get("mediaType") == CACHE_CONFIG_MEDIA:
            return digests.validate(str(descriptor.get("digest", "")))
    raise InvalidArgument(f"{where} is not a BuildKit cache: its manifest names no {CACHE_CONFIG_MEDIA}")


def steps_of(config: bytes, where: str) -> dict[str, CachedStep]:
    """The cached steps of a cache config, by step key."""
    document = _json(config, where)
    try:
        layers, records = document.get("layers") or [], document.get("records") or []
        found: dict[str, CachedStep] = {}
        keys: list[str | None] = []
        for record in records:
            if _CONFIG_FIELD not in record:
                keys.append(None)
                continue
            key = digests.hex_of(digests.validate(record["digest"]))
            results = record.get("layers") or []
            chain = _layer_chain(layers, results[0]["layer"]) if results else []
            inputs = record.get("inputs") or []
            link = inputs[0][0]["link"] if inputs and inputs[0] else None
            parent = keys[link] if isinstance(link, int) and 0 <= link < len(keys) else None
            found[key] = CachedStep(key, digests.validate(record[_CONFIG_FIELD]), chain, parent,
                                    str(results[0].get("createdAt", "")) if results else "")
            keys.append(key)
    except (AttributeError, KeyError, IndexError, TypeError) as err:
        raise InvalidArgument(f"{where} holds a cache config that cannot be read: {err!r}") from None
    if records and not found:
        raise InvalidArgument(f"{where} holds BuildKit's own cache, keyed by LLB digests this daemon's builder "
                              "does not make: only a cache exported by dockyard (--cache-to) can be imported")
    return found


def _layer_chain(layers: list[dict], index: int) -> list[str]:
    """The diff IDs of a layer and those below it, bottom first."""
    chain: list[str] = []
    while index >= 0:
        if len(chain) > len(layers):
            raise InvalidArgument("the cache config's layers form a loop")
        layer = layers[index]
        chain.append(digests.validate(layer["annotations"]["diffID"] if layer.get("annotations") else layer["blob"]))
        index = layer.get("parent", -1)
    return chain[::-1]


def _json(data: bytes, where: str):
    try:
        return json.loads(data)
    except ValueError:
        raise InvalidArgument(f"{where}: the cache manifest is not valid JSON") from None
