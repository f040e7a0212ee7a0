"""The human text of `docker ps` STATUS, as Docker words it (pure)."""

from dockyard.containers.model import State


def human_duration(seconds: float) -> str:
    """Docker's go-units HumanDuration."""
    whole = int(seconds)
    if whole < 1:
        return "Less than a second"
    if whole == 1:
        return "1 second"
    if whole < 60:
        return f"{whole} seconds"
    minutes = whole // 60
    if minutes == 1:
        return "About a minute"
    if minutes < 60:
        return f"{minutes} minutes"
    hours = round(seconds / 3600)
    if hours == 1:
        return "About an hour"
    if hours < 48:
        return f"{hours} hours"
    if hours < 24 * 7 * 2:
        return f"{hours // 24} days"
    if hours < 24 * 30 * 2:
        return f"{hours // 24 // 7} weeks"
    if hours < 24 * 365 * 2:
        return f"{hours // 24 // 30} months"
    return f"{int(seconds // 3600) // 24 // 365} years"


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
        return f"Up {since_start}" + suffix.get(health, "")
    if state.status == "removing":
        return "Removal In Progress"
    if state.status == "dead":
        return "Dead"
    if state.finished_at:
        return f"Exited ({state.exit_code}) {since_finish} ago"
    return "Created"
