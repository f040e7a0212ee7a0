"""Offline stand-ins for the images peer suites pull from public registries.

    python -m tests.peers.stand_ins NAME...     (DOCKER_HOST names the daemon)

Each missing NAME becomes `docker import` of the busybox root filesystem our own tests use
(tests/support/busybox.py), with `CMD ["sh"]`: the suites only need a shell and busybox's
applets (`top`, `sleep`, `cat`, `nc`...). Names already present are left alone.
"""

import subprocess
import sys

from tests.support.busybox import rootfs_tar


def ensure(names: list[str]) -> None:
    for name in names:
        if subprocess.run(["docker", "image", "inspect", name], capture_output=True).returncode == 0:
            continue
        subprocess.run(["docker", "import", "-c", 'CMD ["sh"]', "-", name], input=rootfs_tar(),
                       capture_output=True, check=True)
        print(f"stand_ins: imported {name}", file=sys.stderr)


if __name__ == "__main__":
    ensure(sys.argv[1:])
