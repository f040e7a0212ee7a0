"""A private Debian `docker-registry` on 127.0.0.1 with a temporary storage directory (started
as the tests start it), and an uploader speaking the distribution API so pulls can be measured
without depending on push."""

from __future__ import annotations

import http.client
import json
import shutil

from bench.images import GeneratedImage, gzip_layers
from tests.support.registry import Registry as RegistryServer

MANIFEST_V2 = "application/vnd.docker.distribution.manifest.v2+json"
CONFIG_V1 = "application/vnd.docker.container.image.v1+json"
LAYER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip"


class Registry(RegistryServer):
    """The tests' registry server (tests/support/registry.py), plus what the bench needs."""

    @staticmethod
    def installed() -> bool:
        return RegistryServer.missing() is None

    def reset(self) -> None:
        """An empty registry on the same port, so every push uploads every layer."""
        self.stop()
        shutil.rmtree(self.base / "storage", ignore_errors=True)
        self.start()

    def _request(self, method: str, path: str, body=None, headers=None) -> tuple[int, dict, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            conn.close()

    def _upload_blob(self, repo: str, digest: str, data: bytes) -> None:
        if self._request("HEAD", f"/v2/{repo}/blobs/{digest}")[0] == 200:
            return
        status, headers, body = self._request("POST", f"/v2/{repo}/blobs/uploads/")
        if status != 202:
            raise RuntimeError(f"registry refused upload of {digest}: {status} {body[:200]!r}")
        location = headers["Location"]
        location = location if "://" not in location else "/" + location.split("/", 3)[3]
        separator = "&" if "?" in location else "?"
        status, _, body = self._request("PUT", f"{location}{separator}digest={digest}", body=data,
                                        headers={"Content-Type": "application/octet-stream"})
        if status != 201:
            raise RuntimeError(f"registry refused blob {digest}: {status} {body[:200]!r}")

    def upload(self, image: GeneratedImage, repo: str, tag: str = "latest") -> None:
        layers = gzip_layers(image)
        for path, digest in layers:
            self._upload_blob(repo, digest, path.read_bytes())
        self._upload_blob(repo, image.config_digest, image.config)
        manifest = {
            "schemaVersion": 2, "mediaType": MANIFEST_V2,
            "config": {"mediaType": CONFIG_V1, "size": len(image.config), "digest": image.config_digest},
            "layers": [{"mediaType": LAYER_GZIP, "size": path.stat().st_size, "digest": digest}
                       for path, digest in layers],
        }
        status, _, body = self._request("PUT", f"/v2/{repo}/manifests/{tag}",
                                        body=json.dumps(manifest).encode(),
                                        headers={"Content-Type": MANIFEST_V2})
        if status != 201:
            raise RuntimeError(f"registry refused manifest: {status} {body[:200]!r}")

    def has_manifest(self, repo: str, tag: str) -> bool:
        return self._request("HEAD", f"/v2/{repo}/manifests/{tag}",
                             headers={"Accept": MANIFEST_V2})[0] == 200
