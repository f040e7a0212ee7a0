"""The init layer made from an image's layer trees (real files in a temporary directory)."""

import os
import stat

from dockyard.snapshots import init_layer


def _tree(root, entries):
    for rel, kind in entries.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if kind == "dir":
            path.mkdir(exist_ok=True)
        elif kind == "whiteout":
            os.mknod(path, stat.S_IFCHR | 0o000, 0)
        elif kind.startswith("->"):
            path.symlink_to(kind[2:])
        else:
            path.write_text(kind)
    return str(root)


def _listing(directory):
    out = {}
    for dirpath, dirnames, filenames in os.walk(directory):
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            st = os.lstat(path)
            rel = "/" + os.path.relpath(path, directory)
            kind = "dir" if stat.S_ISDIR(st.st_mode) else "link" if stat.S_ISLNK(st.st_mode) else "file"
            out[rel] = (kind, oct(stat.S_IMODE(st.st_mode)))
    return out


def test_an_image_without_any_of_the_paths_gets_them_all(tmp_path):
    image = _tree(tmp_path / "image", {"bin/sh": "x"})
    init_layer.make(str(tmp_path / "init"), [image])
    assert _listing(tmp_path / "init") == {
        "/.dockerenv": ("file", "0o755"), "/dev": ("dir", "0o755"), "/dev/pts": ("dir", "0o755"),
        "/dev/shm": ("dir", "0o755"), "/dev/console": ("file", "0o755"), "/proc": ("dir", "0o755"),
        "/sys": ("dir", "0o755"), "/etc": ("dir", "0o755"), "/etc/resolv.conf": ("file", "0o755"),
        "/etc/hosts": ("file", "0o755"), "/etc/hostname": ("file", "0o755"), "/etc/mtab": ("link", "0o777")}
    assert os.readlink(tmp_path / "init" / "etc" / "mtab") == "/proc/mounts"


def test_directories_the_image_has_stay_its_own_and_parents_keep_its_attributes(tmp_path):
    lower = _tree(tmp_path / "lower", {"proc": "dir", "sys": "dir", "dev/pts": "dir", "etc/hosts": "127.0.0.1 x"})
    os.chmod(tmp_path / "lower" / "etc", 0o750)
    os.chown(tmp_path / "lower" / "etc", 0, 4)
    upper = _tree(tmp_path / "upper", {"dev/shm": "dir"})
    init_layer.make(str(tmp_path / "init"), [upper, lower])
    listing = _listing(tmp_path / "init")
    assert "/proc" not in listing and "/sys" not in listing and "/dev/pts" not in listing and "/dev/shm" not in listing
    assert listing["/etc"] == ("dir", "0o750") and os.stat(tmp_path / "init" / "etc").st_gid == 4
    assert listing["/etc/hosts"] == ("file", "0o755")       # files always come back empty
    assert (tmp_path / "init" / "etc" / "hosts").read_text() == ""


def test_whiteouts_and_symlinks_in_the_image_hide_what_is_below(tmp_path):
    lower = _tree(tmp_path / "lower", {"proc": "dir", "sys": "dir"})
    upper = _tree(tmp_path / "upper", {"proc": "whiteout", "dev": "->/host/dev", "etc": "file, not a dir"})
    init_layer.make(str(tmp_path / "init"), [upper, lower])
    listing = _listing(tmp_path / "init")
    assert listing["/proc"] == ("dir", "0o755")    # whited out above: made again
    assert "/sys" not in listing                   # the lower layer's shows through
    assert listing["/dev"] == ("dir", "0o755") and listing["/dev/pts"] == ("dir", "0o755")  # no symlink followed
    assert listing["/etc"] == ("dir", "0o755")
