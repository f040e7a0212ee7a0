"""BuildKit's cache manifest as the builder writes and reads it: a round trip keeps every step
(its config, layers and the step it follows), and what cannot be read is refused by name."""

import json

import pytest

from dockyard.builder import cache_manifest
from dockyard.builder.cache_manifest import CachedStep
from dockyard.errors import InvalidArgument

A, B, C = ("sha256:" + c * 64 for c in "abc")
CONFIGS = ["sha256:" + c * 64 for c in "def"]


def _steps() -> list[CachedStep]:
    return [CachedStep("1" * 64, CONFIGS[0], [A], None, "2026-12-07T00:00:00Z"),
            CachedStep("2" * 64, CONFIGS[1], [A], "1" * 64, "2026-12-07T00:00:01Z"),   # a metadata step
            CachedStep("3" * 64, CONFIGS[2], [A, B, C], "2" * 64, "2026-12-07T00:00:02Z")]


def test_documents_round_trip():
    sizes = dict.fromkeys([A, B, C, *CONFIGS], 10)
    config, index = cache_manifest.documents(_steps(), sizes)
    manifests = json.loads(index)["manifests"]
    assert manifests[-1]["mediaType"] == cache_manifest.CACHE_CONFIG_MEDIA
    assert {m["digest"] for m in manifests[:-1]} == {A, B, C, *CONFIGS}
    assert cache_manifest.config_of(index, "here") == manifests[-1]["digest"]
    layers = json.loads(config)["layers"]
    assert [(layer["blob"], layer["parent"]) for layer in layers] == [(A, -1), (B, 0), (C, 1)]
    assert cache_manifest.steps_of(config, "here") == {step.key: step for step in _steps()}


def test_unreadable_caches_are_refused():
    with pytest.raises(InvalidArgument, match=r"names no application/vnd\.buildkit\.cacheconfig\.v0"):
        cache_manifest.config_of(b'{"manifests":[]}', "--cache-from local:/c")
    with pytest.raises(InvalidArgument, match="not valid JSON"):
        cache_manifest.config_of(b"{", "--cache-from local:/c")
    buildkit_own = json.dumps({"layers": [{"blob": A}], "records": [{"digest": B, "layers": [{"layer": 0}]}]})
    with pytest.raises(InvalidArgument, match="holds BuildKit's own cache"):
        cache_manifest.steps_of(buildkit_own.encode(), "--cache-from local:/c")
    broken = json.dumps({"records": [{"digest": B, "dockyard.config": C, "layers": [{"layer": 4}]}]})
    with pytest.raises(InvalidArgument, match="cannot be read"):
        cache_manifest.steps_of(broken.encode(), "--cache-from local:/c")
    assert cache_manifest.steps_of(b"{}", "x") == {}
