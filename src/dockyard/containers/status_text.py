"""The human text of `docker ps` STATUS, as Docker words it (pure)."""

from dockyard.containers.model import State
from dockyard.wire.humanize import human_duration


def status_text(state: State, now_ns: int) -> str:
    since_start = human_duration((now_ns - state.started_at) / 1e9)
    since_finish = human_duration((now_ns - state.finished_at) / 1e9)
    if state.status == "paused":
        return f"Up {since_start} (Paused)"
    if state.status == "restarting":
        return f"Restarting ({state.exit_code}) {since_finish} ago"
    if state.status == "running":
        health = (state.health or {}).get("Status")
        suffix = {"starting": " (health: starting)", "healthy": " (healthy)", "unhealthy": " (unhealthy)"}
        return f"Up {since_start}" + suffix.get(health or "", "")
    if state.status == "removing":
        return "Removal In Progress"
    if state.status == "dead":
        return "Dead"
    if state.finished_at:
        return f"Exited ({state.exit_code}) {since_finish} ago"
    return "Created"
