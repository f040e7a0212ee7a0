"""Test images made offline: busybox from Debian's busybox-static, and a large image of
deterministic random layers (same bytes every run, incompressible like real binaries)."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import random
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path

BUSYBOX = Path("/bin/busybox")
BUSYBOX_CHANGES = ("ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", 'CMD ["sh"]')
EMPTY_DIRS = ("dev", "etc", "proc", "sys", "tmp", "root", "var", "usr")


def busybox_rootfs_tar(path: Path) -> Path:
    """/bin/busybox plus one symlink per applet, and the usual empty directories."""
    applets = subprocess.run([str(BUSYBOX), "--list"], capture_output=True, text=True,
                             check=True).stdout.split()
    with tarfile.open(path, "w") as tar:
        for name in ("bin", *EMPTY_DIRS):
            tar.addfile(dir_entry(name, 0o1777 if name == "tmp" else 0o755))
        tar.add(BUSYBOX, arcname="bin/busybox", filter=_owned_by_root)
        for applet in applets:
            if applet != "busybox":
                link = tarfile.TarInfo(f"bin/{applet}")
                link.type, link.linkname = tarfile.SYMTYPE, "busybox"
                tar.addfile(link)
        passwd = b"root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n"
        group = b"root:x:0:\nnogroup:x:65534:\n"
        for name, data in (("etc/passwd", passwd), ("etc/group", group)):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def dir_entry(name: str, mode: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.mode = tarfile.DIRTYPE, mode
    return info


def _owned_by_root(info: tarfile.TarInfo) -> tarfile.TarInfo:
    info.uid = info.gid = 0
    info.uname = info.gname = "root"
    return info


@dataclass
class GeneratedImage:
    """A multi-layer image as uncompressed layer tars plus its config, on disk."""
    layers: list[Path]          # uncompressed tars
    diff_ids: list[str]
    config: bytes
    directory: Path

    @property
    def config_digest(self) -> str:
        return "sha256:" + hashlib.sha256(self.config).hexdigest()


def random_layers_image(directory: Path, layers: int = 5, layer_mib: int = 32,
                        seed: int = 1729) -> GeneratedImage:
    """`layers` layers of one `layer_mib` MiB random file each (160 MB by default)."""
    directory.mkdir(parents=True, exist_ok=True)
    paths, diff_ids = [], []
    for index in range(layers):
        data = random.Random(seed + index).randbytes(layer_mib << 20)
        path = directory / f"layer{index}.tar"
        with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as tar:
            tar.addfile(dir_entry("data", 0o755))
            info = tarfile.TarInfo(f"data/blob{index}.bin")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        paths.append(path)
        diff_ids.append("sha256:" + sha256_file(path))
    config = json.dumps({
        "architecture": "amd64", "os": "linux", "created": "2026-01-01T00:00:00Z",
        "config": {"Env": [f"PATH={'/usr/bin:/bin'}"], "Cmd": ["sh"]},
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": [{"created": "2026-01-01T00:00:00Z", "created_by": f"bench layer {i}"}
                    for i in range(layers)],
    }, sort_keys=True).encode()
    return GeneratedImage(paths, diff_ids, config, directory)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def save_archive(image: GeneratedImage, tag: str, path: Path) -> Path:
    """The image as a `docker save` archive (manifest.json + config + layer tars), for docker load."""
    config_name = image.config_digest.split(":")[1] + ".json"
    layer_names = [f"{d.split(':')[1]}/layer.tar" for d in image.diff_ids]
    manifest = json.dumps([{"Config": config_name, "RepoTags": [tag], "Layers": layer_names}]).encode()
    with tarfile.open(path, "w") as tar:
        for name, data in ((config_name, image.config), ("manifest.json", manifest)):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        for name, layer in zip(layer_names, image.layers):
            tar.addfile(dir_entry(name.split("/")[0], 0o755))
            tar.add(layer, arcname=name, filter=_owned_by_root)
    return path


def gzip_layers(image: GeneratedImage) -> list[tuple[Path, str]]:
    """Compressed layers for a registry: (path, sha256 digest), made once and kept."""
    compressed = []
    for layer in image.layers:
        target = layer.with_suffix(".tar.gz")
        if not target.exists():
            with open(layer, "rb") as src, open(target, "wb") as raw:
                with gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=1, mtime=0) as gz:
                    while chunk := src.read(1 << 20):
                        gz.write(chunk)
        compressed.append((target, "sha256:" + sha256_file(target)))
    return compressed
