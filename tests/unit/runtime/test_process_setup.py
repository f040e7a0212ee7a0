import os

import pytest

from dockyard.oci.capabilities import CAPABILITY_NUMBERS
from dockyard.runtime import process_setup as ps
from dockyard.runtime.sync import RuntimeFailure
from dockyard.syscalls import RecordingSyscalls
from dockyard.syscalls import constants as c


def test_executable_lookup_uses_the_container_path_and_runc_wording(tmp_path):
    (tmp_path / "tool").write_text("#!/bin/sh\n")
    (tmp_path / "tool").chmod(0o755)
    (tmp_path / "data").write_text("x")
    env = [f"PATH=/nonexistent:{tmp_path}"]
    assert ps.find_executable("tool", env) == f"{tmp_path}/tool"
    with pytest.raises(RuntimeFailure, match=r'exec: "nope": executable file not found in \$PATH'):
        ps.find_executable("nope", env)
    with pytest.raises(RuntimeFailure, match=r'exec: "/nope": stat /nope: no such file or directory'):
        ps.find_executable("/nope", env)
    with pytest.raises(RuntimeFailure, match="permission denied"):
        ps.find_executable(str(tmp_path / "data"), env)
    with pytest.raises(RuntimeFailure, match="is a directory"):
        ps.find_executable(str(tmp_path), env)


def test_cwd_error_names_the_directory():
    with pytest.raises(RuntimeFailure, match=r"chdir to cwd \('/no/such/dir'\) set in config.json failed: no such file"):
        ps.change_dir("/no/such/dir")


def test_capabilities_go_to_capset_and_ambient():
    fake = RecordingSyscalls()
    ps.set_capabilities(fake, {"effective": ["CAP_CHOWN"], "permitted": ["CAP_CHOWN", "CAP_KILL"],
                               "ambient": ["CAP_KILL"]})
    assert fake.caps == (1, 1 | 1 << CAPABILITY_NUMBERS["CAP_KILL"], 0)
    assert ("prctl", c.PR_CAP_AMBIENT, c.PR_CAP_AMBIENT_RAISE, 5, 0, 0) in fake.calls


def test_exec_errors_map_to_docker_exit_codes():
    assert ps.exec_error_message("x", OSError(13, "Permission denied"))[1] == 126
    assert ps.exec_error_message("x", OSError(2, "No such file or directory"))[1] == 127
    assert os.strerror(2).lower() in ps.exec_error_message("x", OSError(2, os.strerror(2)))[0]
