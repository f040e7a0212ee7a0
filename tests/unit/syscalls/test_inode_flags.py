import subprocess

from dockyard.syscalls.inode_flags import spread_subdirectories


def test_a_directory_becomes_a_top_directory_where_the_file_system_has_the_flag(tmp_path):
    marked = spread_subdirectories(str(tmp_path))
    flags = subprocess.run(["lsattr", "-d", str(tmp_path)], capture_output=True, text=True)
    if flags.returncode != 0:       # tmpfs, overlay...: no inode flags at all
        assert marked is False
        return
    assert marked is True
    assert "T" in flags.stdout.split()[0]
    assert spread_subdirectories(str(tmp_path)) is True     # idempotent
    assert spread_subdirectories(str(tmp_path / "missing")) is False
