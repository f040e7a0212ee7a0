"""Pure parts of pull and push: gzip of layers, progress lines, layer sources."""

import gzip
import random

from dockyard.images import push
from dockyard.images.layer_sources import LayerSource, LayerSources
from dockyard.images.progress import Meter, progress_message, status

DIFF = "sha256:" + "a" * 64


def _chunks(data: bytes, size: int = 1 << 20):
    return [data[i:i + size] for i in range(0, len(data), size)]


def test_compressible_layers_are_deflated_and_round_trip():
    data = b"hello layer " * 300_000
    packed = b"".join(push._gzip(iter(_chunks(data))))
    assert gzip.decompress(packed) == data and len(packed) < len(data) // 10


def test_incompressible_layers_are_stored_in_gzip_without_deflating():
    data = random.Random(7).randbytes(3 << 20)
    packed = b"".join(push._gzip(iter(_chunks(data))))
    assert gzip.decompress(packed) == data
    assert push._level(data[:push.SAMPLE]) == 0 and push._level(b"a" * 1000) == 1


def test_empty_layer_is_a_valid_gzip_stream():
    assert gzip.decompress(b"".join(push._gzip(iter([])))) == b""


def test_hashed_upload_counts_and_digests_what_went_up():
    upload = push._Hashed(iter([b"ab", b"c"]))
    assert b"".join(upload) == b"abc" and upload.size == 3
    assert upload.digest == "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_progress_lines_in_dockerd_shape():
    assert status("Pull complete", "abc") == {"status": "Pull complete", "progressDetail": {}, "id": "abc"}
    line = progress_message("Downloading", "abc", 1_000_000, 2_000_000)
    assert line["progressDetail"] == {"current": 1_000_000, "total": 2_000_000}
    assert line["progress"].endswith(" 1MB/2MB") and line["progress"].count("=") == 25


def test_meter_reports_at_most_every_interval_and_always_at_the_end():
    lines = []
    meter = Meter(lines.append, "Pushing", "r", 300, interval=3600)
    for _ in range(3):
        meter.add(100)
    assert [l["progressDetail"]["current"] for l in lines] == [100, 300]


def test_layer_sources_newest_first_per_registry(tmp_path):
    sources = LayerSources(str(tmp_path))
    first = LayerSource("127.0.0.1:5000", "a", "sha256:" + "1" * 64, 10, "gz")
    second = LayerSource("127.0.0.1:5000", "b", "sha256:" + "2" * 64, 11, "gz")
    elsewhere = LayerSource("reg.example", "a", "sha256:" + "3" * 64, 12, "gz")
    for source in (first, second, elsewhere, first):
        sources.add(DIFF, source)
    assert sources.of(DIFF) == [first, elsewhere, second]
    assert sources.at(DIFF, "127.0.0.1:5000") == [first, second]
    assert LayerSources(str(tmp_path)).of(DIFF) == [first, elsewhere, second]   # persisted
    sources.forget(DIFF)
    assert sources.of(DIFF) == []
