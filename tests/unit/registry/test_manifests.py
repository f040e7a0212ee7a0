import json

import pytest

from dockyard.errors import InvalidArgument, NotFound
from dockyard.oci import image as oci_image
from dockyard.registry import manifests
from dockyard.registry.manifests import Descriptor

D1, D2, D3 = ("sha256:" + c * 64 for c in "123")


def _index(*platforms: dict) -> bytes:
    return json.dumps({"schemaVersion": 2, "mediaType": oci_image.MEDIA_OCI_INDEX, "manifests": [
        {"mediaType": oci_image.MEDIA_OCI_MANIFEST, "digest": d, "size": 100, "platform": p}
        for d, p in zip((D1, D2, D3), platforms)]}).encode()


def test_index_narrowed_to_the_platform():
    body = _index({"os": "linux", "architecture": "arm64", "variant": "v8"},
                  {"os": "linux", "architecture": "amd64"}, {"os": "windows", "architecture": "amd64"})
    assert manifests.is_index(manifests.media_type_of(body, ""), body)
    assert manifests.select_platform(body, "linux", "amd64").digest == D2
    assert manifests.select_platform(body, "linux", "arm64").digest == D1
    assert manifests.select_platform(body, "linux", "arm64", "v8").digest == D1
    with pytest.raises(NotFound, match="no matching manifest for linux/s390x in the manifest list entries"):
        manifests.select_platform(body, "linux", "s390x")
    assert manifests.index_platforms(body) == [   # as GET /distribution/{name}/json lists them
        {"architecture": "arm64", "os": "linux", "variant": "v8"}, {"architecture": "amd64", "os": "linux"},
        {"architecture": "amd64", "os": "windows"}]


def test_schema2_manifest_parsed_and_media_type_from_header_when_absent():
    body = json.dumps({"schemaVersion": 2, "config": {"mediaType": oci_image.MEDIA_OCI_CONFIG, "digest": D1, "size": 7},
                       "layers": [{"mediaType": oci_image.MEDIA_OCI_LAYER + "+gzip", "digest": D2, "size": 9}]}).encode()
    media = manifests.media_type_of(body, oci_image.MEDIA_OCI_MANIFEST + "; charset=utf-8")
    assert media == oci_image.MEDIA_OCI_MANIFEST and not manifests.is_index(media, body)
    parsed = manifests.parse_manifest(body, media)
    assert parsed.config.digest == D1 and [l.digest for l in parsed.layers] == [D2]


def test_unsupported_manifests_are_refused():
    with pytest.raises(InvalidArgument, match="schema 1"):
        manifests.parse_manifest(b"{}", "application/vnd.docker.distribution.manifest.v1+prettyjws")
    foreign = json.dumps({"schemaVersion": 2, "config": {"digest": D1, "size": 1}, "layers": [
        {"mediaType": "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip", "digest": D2, "size": 1}]})
    with pytest.raises(InvalidArgument, match="foreign layer"):
        manifests.parse_manifest(foreign.encode(), oci_image.MEDIA_DOCKER_MANIFEST)
    with pytest.raises(InvalidArgument):
        manifests.parse_manifest(b"[]", oci_image.MEDIA_DOCKER_MANIFEST)


def test_pushed_manifest_round_trips():
    body = manifests.docker_manifest(Descriptor(oci_image.MEDIA_DOCKER_CONFIG, D1, 5),
                                     [Descriptor(oci_image.MEDIA_DOCKER_LAYER_GZIP, D2, 10)])
    parsed = manifests.parse_manifest(body, oci_image.MEDIA_DOCKER_MANIFEST)
    assert parsed.layers == [Descriptor(oci_image.MEDIA_DOCKER_LAYER_GZIP, D2, 10)]
    assert json.loads(body)["mediaType"] == oci_image.MEDIA_DOCKER_MANIFEST


def test_registry_errors_rendered_as_docker_does():
    body = json.dumps({"errors": [{"code": "MANIFEST_UNKNOWN", "message": "manifest unknown", "detail": {}}]})
    assert manifests.error_text(body.encode(), 404, "Not Found") == "manifest unknown: manifest unknown"
    two = json.dumps({"errors": [{"code": "UNAUTHORIZED", "message": "authentication required"},
                                 {"code": "DENIED", "message": "no"}]})
    assert manifests.error_text(two.encode(), 401, "") == "errors:\nunauthorized: authentication required\ndenied: no\n"
    assert manifests.error_text(b"<html>", 502, "Bad Gateway") == "received unexpected HTTP status: 502 Bad Gateway"
