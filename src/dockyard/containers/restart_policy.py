"""When a container that exited is started again, and after how long (pure).

Docker's rules: `always` and `unless-stopped` restart unless the user stopped the container;
`on-failure[:N]` restarts on a non-zero exit, at most N times when N > 0. The delay starts at
100 ms and doubles per restart up to a minute, and starts over once a run lasted 10 s.
"""

from dataclasses import dataclass

_FIRST_DELAY = 0.1
_MAX_DELAY = 60.0
_RESET_AFTER = 10.0


@dataclass
class Backoff:
    delay: float = 0.0

    def next(self, ran_for: float) -> float:
        if ran_for >= _RESET_AFTER or self.delay == 0:
            self.delay = _FIRST_DELAY
        else:
            self.delay = min(self.delay * 2, _MAX_DELAY)
        return self.delay


def should_restart(policy: dict, exit_code: int, restart_count: int, stopped_by_user: bool) -> bool:
    name = policy.get("Name") or "no"
    if stopped_by_user or name == "no":
        return False
    if name in ("always", "unless-stopped"):
        return True
    if name == "on-failure":
        limit = int(policy.get("MaximumRetryCount") or 0)
        return exit_code != 0 and (limit <= 0 or restart_count < limit)
    return False


def starts_with_daemon(policy: dict, stopped_by_user: bool) -> bool:
    """`always` and `unless-stopped` containers that the user did not stop come back with the daemon."""
    return (policy.get("Name") in ("always", "unless-stopped")) and not stopped_by_user
