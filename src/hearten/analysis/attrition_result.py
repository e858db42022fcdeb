"""Attrition on the primary outcome by arm, and Lee bounds, typed, as a parallel trial's run
stores them (:func:`hearten.analysis.attrition.attrition`, from
:mod:`hearten.stats.attrition`). Read from and written back to the stored JSON exactly
(:class:`~.keyed.Keyed`). This module imports nothing heavy."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hearten.analysis.keyed import Keyed, many, one, rows
from hearten.analysis.term_result import TermResult


@dataclass(frozen=True, slots=True)
class LeeBoundsResult(Keyed):
    """Lee bounds on the effect among people who would answer in either arm
    (:class:`hearten.stats.attrition.LeeBounds`).

    Attributes:
        lower, upper: the bounds; conf_low, conf_high: the interval around them.
        trimmed_share, trimmed_arm: the share trimmed and from which arm.
        reps, seed: the bootstrap's replications and seed.
    """

    lower: float
    upper: float
    conf_low: float | None = None
    conf_high: float | None = None
    trimmed_share: float | None = None
    trimmed_arm: str | None = None
    reps: int | None = None
    seed: int | None = None


@dataclass(frozen=True, slots=True)
class AttritionResult(Keyed):
    """Attrition on the primary outcome among everyone randomised.

    Attributes:
        overall: the share of people randomised with no follow-up answer.
        by_arm: per arm ``[arm, randomised, missing, share missing]``, as stored.
        differential: each arm's difference from control in the share missing.
        lee: Lee bounds (two-arm trials whose plan asks for them), or ``None``.
        lee_note: why Lee bounds could not be computed, or ``None``.
    """

    overall: float
    by_arm: tuple[tuple[Any, ...], ...] = field(default=(), metadata=rows())
    differential: tuple[TermResult, ...] = field(default=(), metadata=many(TermResult))
    lee: LeeBoundsResult | None = field(default=None, metadata=one(LeeBoundsResult))
    lee_note: str | None = None
