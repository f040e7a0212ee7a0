"""Copy-up: seed a new, empty volume with what the image has at the mount's destination.

Owners, modes, times, hard links, symlinks, device nodes and extended attributes are kept, and
the volume's top directory takes the owner and mode of the image's directory, as in Docker.
"""

import errno
import os
import shutil
import stat

from dockyard.confined.paths import resolve_in_root

def image_directory(rootfs: str, destination: str) -> str | None:
    """The image's directory at `destination`, if there is one (cheap: no copying)."""
    source = resolve_in_root(rootfs, destination)
    try:
        return source if stat.S_ISDIR(os.lstat(source).st_mode) else None
    except FileNotFoundError:
        return None


def copy_up(rootfs: str, destination: str, volume_data: str) -> bool:
    """Copy the image's directory at `destination` into `volume_data` if that is empty."""
    source = image_directory(rootfs, destination)
    if source is None or os.listdir(volume_data):
        return False
    _copy_children(source, volume_data, {})
    _copy_metadata(source, volume_data, os.lstat(source))
    return True


def _copy_children(source: str, target: str, links: dict[tuple[int, int], str]) -> None:
    with os.scandir(source) as entries:
        children = list(entries)
    for entry in children:
        info = entry.stat(follow_symlinks=False)
        dest = os.path.join(target, entry.name)
        mode = info.st_mode
        if stat.S_ISDIR(mode):
            os.mkdir(dest, 0o700)
            _copy_children(entry.path, dest, links)
        elif info.st_nlink > 1 and (info.st_dev, info.st_ino) in links:
            os.link(links[(info.st_dev, info.st_ino)], dest)
            continue
        elif stat.S_ISREG(mode):
            shutil.copyfile(entry.path, dest, follow_symlinks=False)
        elif stat.S_ISLNK(mode):
            os.symlink(os.readlink(entry.path), dest)
        elif stat.S_ISCHR(mode) or stat.S_ISBLK(mode) or stat.S_ISFIFO(mode):
            os.mknod(dest, mode, info.st_rdev)
        else:
            continue  # sockets are not content
        if info.st_nlink > 1 and not stat.S_ISDIR(mode):
            links[(info.st_dev, info.st_ino)] = dest
        _copy_metadata(entry.path, dest, info)


def _copy_metadata(source: str, dest: str, info: os.stat_result) -> None:
    link = stat.S_ISLNK(info.st_mode)
    os.chown(dest, info.st_uid, info.st_gid, follow_symlinks=False)
    _copy_xattrs(source, dest)
    if not link:
        os.chmod(dest, stat.S_IMODE(info.st_mode))  # after chown, which clears setuid bits
    os.utime(dest, ns=(info.st_atime_ns, info.st_mtime_ns), follow_symlinks=False)


def _copy_xattrs(source: str, dest: str) -> None:
    try:
        names = os.listxattr(source, follow_symlinks=False)
    except OSError:
        return
    for name in names:
        try:
            os.setxattr(dest, name, os.getxattr(source, name, follow_symlinks=False), follow_symlinks=False)
        except OSError as err:
            if err.errno not in (errno.ENOTSUP, errno.EPERM, errno.EOPNOTSUPP, errno.ENODATA):
                raise
