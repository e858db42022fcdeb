"""Randomising clusters to the sequences of a stepped-wedge trial, and the schedule that
follows: who starts the change when.

A stepped-wedge allocation is a blocked randomisation whose "arms" are the sequences
(``sequence-1`` starts at period 1, ``sequence-2`` at period 2, ...), in equal shares within
each stratum: it uses :mod:`hearten.stats.randomise`'s reproducible draw, so the seed's
commit–reveal, the audit and the re-derivation are those of every other scheme, and
:func:`hearten.stats.randomise.redraws` re-draws sequence allocations for randomisation
inference. When a stratum's clusters do not divide by the number of steps, the leftover
clusters go to sequences by systematic sampling, so each cluster's chance of each sequence
is exactly ``1 / steps``.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from hearten.errors import DesignError
from hearten.stats.randomise import Assignment, Rule, assign, check_seed, make_rule

SEQUENCE_PREFIX = "sequence-"


def sequence_names(steps: int) -> tuple[str, ...]:
    """``sequence-1`` ... ``sequence-S``: the names the allocation stores."""
    if steps < 1:
        raise DesignError(f"a stepped-wedge trial needs at least one step, not {steps}")
    return tuple(f"{SEQUENCE_PREFIX}{k}" for k in range(1, steps + 1))


def sequence_rule(units: Sequence[str], strata: Sequence[str] | None, steps: int) -> Rule:
    """The rule clusters are drawn to sequences by (equal shares within each stratum)."""
    return make_rule(units, strata, sequence_names(steps), [1] * steps)


def sequence_randomise(
    units: Sequence[str], strata: Sequence[str] | None, steps: int, seed: int
) -> Assignment:
    """Randomise clusters to ``steps`` sequences, within strata, from ``seed``."""
    check_seed(seed)
    if len(units) < steps:
        raise DesignError(
            f"{len(units)} clusters cannot fill {steps} steps: use at least one cluster per "
            "step (fewer steps, or more teams or offices)"
        )
    small = sorted(f"{s} ({n})" for s, n in Counter(strata or []).items() if n < steps)
    if small:
        raise DesignError(
            f"these strata have fewer clusters than the {steps} steps, so a step could be "
            f"left empty: {', '.join(small)}; merge small strata, randomise without strata "
            "or use fewer steps"
        )
    return assign(sequence_rule(units, strata, steps), seed, "stepped-wedge")


def allocations_possible(sizes: Sequence[int]) -> int:
    """How many distinct allocations give sequences of these sizes (one stratum): the
    multinomial coefficient; randomisation inference enumerates them when this is small."""
    total = math.factorial(sum(sizes))
    for k in sizes:
        total //= math.factorial(k)
    return total


@dataclass(frozen=True, slots=True)
class ScheduleRow:
    """One cluster's place in the roll-out: its ``sequence`` (from 1), the ``start`` period
    of the change and, per period, ``control``, ``transition`` or ``change``."""

    unit: str
    stratum: str
    sequence: int
    start: int
    conditions: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Schedule:
    """The roll-out: ``periods`` in all (period 0 all control), a row per cluster, sorted
    by start period then cluster."""

    periods: int
    transition: int
    rows: tuple[ScheduleRow, ...]

    def clusters_starting(self) -> dict[int, int]:
        """How many clusters start the change at each period."""
        return dict(sorted(Counter(r.start for r in self.rows).items()))


def schedule(
    units: Sequence[str],
    strata: Sequence[str],
    sequences: Sequence[str],
    steps: int,
    transition: int = 0,
) -> Schedule:
    """The schedule of an allocation to sequences: each cluster starts at its sequence's
    number; the ``transition`` periods after a start are set-up, left out of the analysis."""
    if transition < 0:
        raise DesignError(f"transition periods cannot be negative, not {transition}")
    names = sequence_names(steps)
    periods = steps + 1 + transition
    rows = []
    for unit, stratum, seq in zip(units, strata, sequences, strict=True):
        if seq not in names:
            raise DesignError(f"{unit!r} is in {seq!r}, which is not one of {', '.join(names)}")
        start = names.index(seq) + 1
        conditions = tuple(
            "control" if p < start else "transition" if p < start + transition else "change"
            for p in range(periods)
        )
        rows.append(ScheduleRow(unit, stratum, start, start, conditions))
    rows.sort(key=lambda r: (r.start, r.stratum, r.unit))
    return Schedule(periods, transition, tuple(rows))
