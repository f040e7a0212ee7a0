import json
import os

import pytest

from dockyard.errors import Conflict, InvalidArgument, NotFound
from dockyard.oci.signals import parse_signal
from dockyard.runtime.oci_cli import _error_from_log
from dockyard.runtime.state import ContainerRecord, StateStore, process_start_time
from dockyard.runtime.sync import RuntimeFailure


def test_state_store_round_trip_and_conflicts(tmp_path):
    store = StateStore(str(tmp_path / "root"))
    store.reserve("c1")
    with pytest.raises(Conflict):
        store.reserve("c1")
    with pytest.raises(InvalidArgument):
        store.reserve("../evil")
    record = ContainerRecord(id="c1", pid=os.getpid(), pid_start_time=1, bundle="/b",
                             rootfs="rootfs", created="now", cgroup_path="/x", spec={"a": 1})
    store.save(record)
    assert store.load("c1") == record and store.list_ids() == ["c1"]
    store.remove("c1")
    with pytest.raises(NotFound, match="container does not exist: c1"):
        store.load("c1")


def test_start_time_tells_processes_apart():
    assert process_start_time(os.getpid()) > 0
    assert process_start_time(2 ** 22 + 12345) is None


def _log(*messages):
    return "\n".join(json.dumps({"level": level, "msg": msg}) for level, msg in messages)


def test_runc_log_errors_map_to_dockyard_errors():
    assert isinstance(_error_from_log(_log(("error", "container does not exist")), ["runc", "--log-format", "json", "state"]), NotFound)
    assert isinstance(_error_from_log(_log(("error", "container with id exists: x")), ["runc"]), Conflict)
    failure = _error_from_log(_log(("warning", "x"), ("error", 'runc create failed: exec: "nope": executable file not found in $PATH')), ["runc"])
    assert isinstance(failure, RuntimeFailure) and "executable file not found" in str(failure)


def test_signal_names():
    assert parse_signal("KILL") == parse_signal("SIGKILL") == parse_signal("9") == 9


def test_a_silent_failure_still_names_the_command():
    assert "runc start c1 failed" in str(_error_from_log("", ["/usr/sbin/runc", "start", "c1"]))
