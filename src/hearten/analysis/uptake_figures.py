"""Uptake, fidelity and cost as a parallel trial's run stores them, typed.

:class:`UptakeFigures` holds what the uptake page shows (:mod:`hearten.interventions.uptake`):
the reporting threshold, the programme's funnel and the letters as shown (small counts
suppressed), the letters' mean personalisation score, each perk deployed
(:class:`PerkShown`) and each arm's ingredient cost (:class:`ArmCost`, which the costing in
:mod:`~hearten.analysis.cost_effectiveness` lists too). Each is read from and written back
to the stored JSON exactly (:class:`~hearten.analysis.keyed.Keyed`).

This module imports nothing heavy (the report reads stored runs through it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from hearten.analysis.keyed import Keyed, many, mapping


@dataclass(frozen=True, slots=True)
class PerkShown(Keyed):
    """One perk deployed: its ``name``, ``where`` (the office's or team's code), the
    ``days`` it ran less its ``interruptions``' days, and how many interruptions it had
    (:class:`hearten.interventions.uptake.PerkRun`, from which a new run makes it)."""

    name: str | None = None
    where: str | None = None
    days: int | None = None
    interruptions: int | None = None


@dataclass(frozen=True, slots=True)
class ArmCost(Keyed):
    """An arm's ingredient cost (:class:`hearten.interventions.ingredients.ArmCost`).

    Attributes:
        arm: the arm's name.
        total: its total cost (discounted, in the price year).
        participants: its people.
        per_participant: the cost per person, or ``None`` with nobody in the arm.
        by_phase, by_kind: the total by phase and by kind (``None`` in runs stored before
            they were kept).
    """

    arm: str
    total: float | None = None
    participants: int | None = None
    per_participant: float | None = None
    by_phase: Mapping[str, float] | None = field(default=None, metadata=mapping())
    by_kind: Mapping[str, float] | None = field(default=None, metadata=mapping())


@dataclass(frozen=True, slots=True)
class UptakeFigures(Keyed):
    """Uptake, fidelity and cost for the report (the uptake page's figures).

    Attributes:
        min_group: counts of fewer people are not shown (``[monitoring] min_group``).
        funnel: the goals programme's funnel, each stage's count as shown (empty without
            the programme).
        letters: recognition letters by status, as shown.
        letter_score: the letters' mean personalisation score, or ``None``.
        perks: each perk deployed.
        costs: each arm's ingredient cost (empty when costs are not on one footing).
    """

    min_group: int = 5
    funnel: Mapping[str, str] | None = field(default=None, metadata=mapping())
    letters: Mapping[str, str] | None = field(default=None, metadata=mapping())
    letter_score: float | None = None
    perks: tuple[PerkShown, ...] = field(default=(), metadata=many(PerkShown))
    costs: tuple[ArmCost, ...] = field(default=(), metadata=many(ArmCost))
