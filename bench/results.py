"""What a benchmark run produced: per workload, per target, the samples or why there are none."""

from __future__ import annotations

from dataclasses import dataclass, field

from bench.stats import goal_met, median, ratio

OURS = "dockyard"
BASELINE = "dockerd"


@dataclass
class Outcome:
    """One workload on one target: measured samples, or the reason it could not run."""
    samples: list[float] = field(default_factory=list)
    failure: str | None = None
    notes: list[str] = field(default_factory=list)   # e.g. what failed first in max-containers

    @property
    def median(self) -> float | None:
        return None if self.failure else median(self.samples)


@dataclass
class WorkloadResult:
    name: str
    command: str
    unit: str
    goal: float | None
    higher_is_better: bool
    outcomes: dict[str, Outcome] = field(default_factory=dict)   # by target name
    load: tuple[float, float] | None = None   # 1-minute load average before and after
    limit: float | None = None                # an absolute goal for dockyard's median, in `unit`

    @property
    def ratio(self) -> float | None:
        ours, base = self.outcomes.get(OURS), self.outcomes.get(BASELINE)
        return ratio(ours.median if ours else None, base.median if base else None)

    @property
    def met(self) -> bool | None:
        if self.limit is not None:
            ours = self.outcomes.get(OURS)
            return goal_met(ours.median if ours else None, self.limit, self.higher_is_better)
        return goal_met(self.ratio, self.goal, self.higher_is_better)

    def to_json(self) -> dict:
        return {
            "name": self.name, "command": self.command, "unit": self.unit, "goal": self.goal,
            "limit": self.limit,
            "higher_is_better": self.higher_is_better, "ratio": self.ratio, "met": self.met,
            "load": self.load,
            "targets": {name: {"median": o.median, "samples": o.samples, "failure": o.failure,
                               "notes": o.notes}
                        for name, o in self.outcomes.items()},
        }
