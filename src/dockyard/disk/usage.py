"""The size of a directory tree as dockerd's `directory.Size` counts it, for `docker system df`
(volumes) and a container's `SizeRw`: apparent sizes of everything but directories, symlinks
included, each hard-linked inode once (asked of dockerd 20.10: three links to one 1 MB file in a
container layer make 1.02MB, and two links in a volume count once)."""

import os
import stat


def tree_size(path: str) -> int:
    total, seen = 0, set()
    stack = [path]
    while stack:
        try:
            with os.scandir(stack.pop()) as entries:
                for entry in entries:
                    info = entry.stat(follow_symlinks=False)
                    if stat.S_ISDIR(info.st_mode):
                        stack.append(entry.path)
                    elif (info.st_dev, info.st_ino) not in seen:
                        seen.add((info.st_dev, info.st_ino))
                        total += info.st_size
        except (FileNotFoundError, NotADirectoryError, PermissionError):
            continue
    return total
