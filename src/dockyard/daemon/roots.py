"""The data and exec roots belong to root alone (CVE-2021-41091's class of hole).

A container's root file system, a layer, a volume's data and a bundle all live below these
roots; a host user who could walk there could run a container's setuid binaries as root or
read a container's environment. dockerd makes the data root 0710 and the exec root 0700 and
re-applies the modes at every start (a root made by an older daemon, or by hand, is fixed).
Modes below the roots repeat the rule where dockerd does, so a root that someone loosens
later still does not expose containers, layers or bundles.
"""

import os
from pathlib import Path

DATA_ROOT_MODE = 0o710
EXEC_ROOT_MODE = 0o700
PRIVATE_DIRS = {"containers": 0o710, "snapshots": 0o710}  # below the data root, as dockerd's


def prepare_roots(data_root: Path, exec_root: Path) -> None:
    _private_dir(data_root, DATA_ROOT_MODE)
    _private_dir(exec_root, EXEC_ROOT_MODE)
    for name, mode in PRIVATE_DIRS.items():
        _private_dir(data_root / name, mode)


def _private_dir(path: Path, mode: int) -> None:
    path.mkdir(mode=mode, parents=True, exist_ok=True)
    os.chmod(path, mode)
