"""Multiplicity as a parallel trial's run stores it, typed.

:class:`AdjustedFamily` is one family of outcomes in the plan adjusted for one non-control
arm (stored by :func:`hearten.analysis.families.adjust_families`), read from and written
back to the stored JSON exactly (:class:`~hearten.analysis.keyed.Keyed`).

This module imports nothing heavy (the report reads stored runs through it).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hearten.analysis.keyed import Keyed, many


@dataclass(frozen=True, slots=True)
class AdjustedFamily(Keyed):
    """One family's p-values for one arm, as reported and adjusted.

    Attributes:
        name: the family's name in the plan; method: ``holm``, ``bh`` or ``westfall-young``.
        arm: the non-control arm.
        outcomes: the family's outcomes, in plan order.
        p_values: each outcome's p-value (the resampling one under a resampling plan; the
            re-drawn one under Westfall–Young).
        adjusted: each outcome's adjusted p-value.
        reps, seed, enumerated: Westfall–Young's re-draws (``None`` otherwise).
    """

    name: str
    method: str
    arm: str
    outcomes: tuple[str, ...] = field(default=(), metadata=many())
    p_values: tuple[float, ...] = field(default=(), metadata=many())
    adjusted: tuple[float, ...] = field(default=(), metadata=many())
    reps: int | None = None
    seed: int | None = None
    enumerated: bool | None = None
