"""What the daemon does at start with each recorded container, by record and shim (pure)."""

import pytest

from dockyard.containers.recovery import ADOPT, CLEAN, EXITED, KEEP, REMOVE, ROLL_BACK, action_for


@pytest.mark.parametrize("record,shim,leftovers,action", [
    ("running", "running", False, ADOPT),          # live restore
    ("running", "exited", False, ADOPT),           # exited while the daemon was down: handled as any exit
    ("created", "running", True, ADOPT),           # started, but killed before saving it
    ("created", "exited", True, ADOPT),
    ("created", "created", True, ROLL_BACK),       # created by the runtime, never started
    ("restarting", "created", True, ROLL_BACK),    # a restart cut short is rolled back, then restarted
    ("running", None, False, EXITED),              # the shim died too: its recorded exit, or 255
    ("paused", None, True, EXITED),
    ("created", None, True, CLEAN),                # launch cut short before the shim: mounts, netns
    ("exited", None, True, CLEAN),
    ("created", None, False, KEEP),
    ("exited", None, False, KEEP),
    ("removing", None, True, REMOVE),              # a removal cut short is finished
    ("removing", "running", True, REMOVE),
])
def test_action_for(record, shim, leftovers, action):
    assert action_for(record, shim, leftovers) == action
