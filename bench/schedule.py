"""The order in which one workload's runs are made: targets interleaved A B A B ...

Interleaving makes machine drift (page cache, thermal, other load) hit every target alike,
instead of one target getting the quiet minute and the other the busy one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Slot(Generic[T]):
    target: T
    round: int        # 0-based among measured rounds; -1.. for warm-up rounds
    measured: bool    # warm-up runs are made but not counted


def interleave(targets: Sequence[T], rounds: int, warmup: int = 0) -> list[Slot[T]]:
    """Warm-up rounds first, then `rounds` measured rounds; each round visits every target in order."""
    if rounds < 0 or warmup < 0:
        raise ValueError("rounds and warmup must not be negative")
    slots: list[Slot[T]] = []
    for index in range(-warmup, rounds):
        slots.extend(Slot(target, index, index >= 0) for target in targets)
    return slots
