"""Health checks: run the image's or the user's probe in the container on a schedule.

Docker's rules: `CMD` runs argv, `CMD-SHELL` runs `/bin/sh -c`, `NONE` disables. The status is
`starting` until a probe succeeds (`healthy`); `Retries` consecutive failures make it
`unhealthy`, but failures during `StartPeriod` do not count. The last five results are kept.
"""

import asyncio
import logging
import time

from dockyard.wire.times import format_rfc3339_nano

log = logging.getLogger(__name__)
_S = 1_000_000_000
_DEFAULTS = {"Interval": 30 * _S, "Timeout": 30 * _S, "StartPeriod": 0, "Retries": 3, "StartInterval": 5 * _S}
_KEPT_RESULTS = 5
_OUTPUT_LIMIT = 4096


def probe_argv(test: list[str]) -> list[str] | None:
    if not test or test[0] == "NONE":
        return None
    if test[0] == "CMD":
        return test[1:]
    if test[0] == "CMD-SHELL":
        return ["/bin/sh", "-c", " ".join(test[1:])]
    return test


def initial_health(config: dict) -> dict | None:
    """`State.Health` of a container starting: `starting` when it has a probe (pure)."""
    test = (config.get("Healthcheck") or {}).get("Test") or []
    return {"Status": "starting", "FailingStreak": 0, "Log": []} if test[:1] not in ([], ["NONE"]) else None


def settings(check: dict) -> dict:
    return {k: int(check.get(k) or v) for k, v in _DEFAULTS.items()}


def record_result(health: dict, result: dict, started_ns: int, now_ns: int, config: dict) -> str | None:
    """Fold one probe result into `State.Health`; returns the new status if it changed (pure)."""
    health["Log"] = (health.get("Log") or [])[-(_KEPT_RESULTS - 1):] + [result]
    before = health["Status"]
    if result["ExitCode"] == 0:
        health["FailingStreak"] = 0
        health["Status"] = "healthy"
    elif now_ns - started_ns >= config["StartPeriod"] or before != "starting":
        health["FailingStreak"] = health.get("FailingStreak", 0) + 1
        if health["FailingStreak"] >= config["Retries"]:
            health["Status"] = "unhealthy"
    return health["Status"] if health["Status"] != before else None


class HealthMonitor:
    def __init__(self, execs, registry, emit):
        self._execs, self._registry, self._emit = execs, registry, emit
        self._tasks: dict[str, asyncio.Task] = {}

    def start(self, container) -> None:
        check = container.config.get("Healthcheck") or {}
        argv = probe_argv(check.get("Test") or [])
        if argv and container.state.health is not None:
            self._tasks[container.id] = asyncio.ensure_future(self._run(container, argv, settings(check)))

    def stop(self, container_id: str) -> None:
        task = self._tasks.pop(container_id, None)
        if task is not None:
            task.cancel()

    async def _run(self, container, argv: list[str], config: dict) -> None:
        started = container.state.started_at
        while True:
            in_start_period = time.time_ns() - started < config["StartPeriod"]
            delay = config["StartInterval"] if in_start_period else config["Interval"]
            await asyncio.sleep(delay / _S)
            if container.state.status != "running":
                continue
            begin = time.time_ns()
            code, output = await self._execs.run_probe(container, argv, config["Timeout"] / _S)
            end = time.time_ns()
            result = {"Start": format_rfc3339_nano(begin), "End": format_rfc3339_nano(end), "ExitCode": code,
                      "Output": output[:_OUTPUT_LIMIT]}
            changed = record_result(container.state.health, result, started, end, config)
            self._registry.save(container)
            if changed:
                self._emit(container, f"health_status: {changed}")
