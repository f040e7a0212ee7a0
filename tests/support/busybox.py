"""A busybox image made offline from Debian's busybox-static, for everyone's tests.

`rootfs_tar()` builds a root filesystem tar (busybox, its applet symlinks, /etc/passwd,
/etc/group, /tmp, ...); `import_busybox(daemon)` turns it into an image through `docker import`.
"""

import functools
import io
import subprocess
import tarfile

BUSYBOX = "/bin/busybox"
DIRS = {"bin": 0o755, "sbin": 0o755, "usr": 0o755, "usr/bin": 0o755, "usr/sbin": 0o755,
        "etc": 0o755, "tmp": 0o1777, "root": 0o700, "home": 0o755, "var": 0o755, "dev": 0o755,
        "proc": 0o755, "sys": 0o755, "run": 0o755}
PASSWD = b"root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"
GROUP = b"root:x:0:\nnogroup:x:65534:\n"
MTIME = 1_700_000_000


@functools.lru_cache(maxsize=1)
def rootfs_tar() -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, mode in DIRS.items():
            tar.addfile(_info(name, tarfile.DIRTYPE, mode))
        with open(BUSYBOX, "rb") as binary:
            data = binary.read()
        tar.addfile(_info("bin/busybox", tarfile.REGTYPE, 0o755, size=len(data)), io.BytesIO(data))
        for path in _applet_paths():
            if path != "bin/busybox" and path.split("/")[0] in DIRS:
                tar.addfile(_info(path, tarfile.SYMTYPE, 0o777, link="/bin/busybox"))
        for name, content in (("etc/passwd", PASSWD), ("etc/group", GROUP)):
            tar.addfile(_info(name, tarfile.REGTYPE, 0o644, size=len(content)), io.BytesIO(content))
    return out.getvalue()


def _applet_paths() -> list[str]:
    listed = subprocess.run([BUSYBOX, "--list-full"], capture_output=True, text=True, check=True)
    return sorted({line.strip() for line in listed.stdout.splitlines() if line.strip()})


def _info(name: str, type_: bytes, mode: int, size: int = 0, link: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.mode, info.size, info.linkname, info.mtime = type_, mode, size, link, MTIME
    return info


def import_busybox(daemon, ref: str = "busybox:latest") -> str:
    """Import the busybox rootfs into `daemon` as `ref`; returns the image ID."""
    result = daemon.docker("import", "-c", 'CMD ["sh"]', "-", ref, input=rootfs_tar())
    return result.stdout.decode().strip()
