"""Cost-effectiveness as a parallel trial's run stores it, typed.

:class:`Economics` holds what :func:`hearten.analysis.economics.economics` stores: the
costing's basis and lines (:class:`CostItem`, and each arm's cost,
:class:`~hearten.analysis.uptake_figures.ArmCost`), each arm's cost per point of the primary
outcome and per day of sickness absence avoided (:class:`CostComparison`, with its one-way
sensitivity, :class:`Swing`), what the effect per point is (:class:`EffectBasis`) and the
caseload comparison (:class:`CaseloadCost`). Costs that cannot be put on one footing leave
only ``note``. :func:`~hearten.analysis.economics.economics` builds them directly; each is
read from and written back to the stored JSON exactly (:class:`~hearten.analysis.keyed.Keyed`).

This module imports nothing heavy (the report reads stored runs through it).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hearten.analysis.keyed import Keyed, many, one, rows
from hearten.analysis.uptake_figures import ArmCost


@dataclass(frozen=True, slots=True)
class CostItem(Keyed):
    """One ingredient costed (:class:`hearten.interventions.ingredients.CostLine`): its arm,
    item, phase, kind and unit (``per``), the quantity the logs count at ``unit_price``
    (priced in ``priced_in``'s year, from ``source``), its ``cost`` and ``discounted`` cost,
    and the ``year`` of the horizon it falls in."""

    arm: str
    item: str | None = None
    phase: str | None = None
    kind: str | None = None
    per: str | None = None
    quantity: float | None = None
    unit_price: float | None = None
    cost: float | None = None
    discounted: float | None = None
    year: int | None = None
    priced_in: str | None = None
    source: str | None = None


@dataclass(frozen=True, slots=True)
class Swing(Keyed):
    """One input of the one-way sensitivity analysis (:class:`hearten.stats.costs.Swing`):
    ``name`` (``"effect"`` or a cost item), its ``low`` and ``high`` values and the cost per
    point at each (``None`` where the ratio is not defined)."""

    name: str
    low: float | None = None
    high: float | None = None
    result_low: float | None = None
    result_high: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CostComparison(Keyed):
    """An arm against control: its extra cost and extra effect, drawn together.

    Attributes:
        arm: the arm.
        delta_cost, cost_low, cost_high: the extra cost per person and its interval.
        delta_effect, effect_low, effect_high: the extra effect (points, or days of absence
            avoided) and its bootstrap interval.
        correlation: of the cost and effect draws.
        icer, icer_low, icer_high: the cost per unit of effect and its percentile interval
            (``None`` where not defined).
        quadrant: where the estimate falls on the plane.
        thresholds, acceptability: willingness to pay and the share of draws cost-effective
            at each.
        plane: the kept draws, each ``[cost, effect]``.
        reps, seed, clusters: the bootstrap's draws, seed and each arm's clusters.
        effect_interval: the effect's reported interval (per point only).
        sensitivity: the one-way sensitivity (per point only).

    The fields are declared in the order a run stores them (by keyword: the extra effect
    follows the cost's interval); a comparison per day avoided is stored without the last
    two.
    """

    arm: str
    delta_cost: float
    cost_low: float | None = None
    cost_high: float | None = None
    delta_effect: float
    effect_low: float | None = None
    effect_high: float | None = None
    correlation: float | None = None
    icer: float | None = None
    icer_low: float | None = None
    icer_high: float | None = None
    quadrant: str | None = None
    thresholds: tuple[float, ...] = field(default=(), metadata=many())
    acceptability: tuple[float, ...] = field(default=(), metadata=many())
    plane: tuple[tuple[float, ...], ...] = field(default=(), metadata=rows())
    reps: int | None = None
    seed: int | None = None
    clusters: tuple[int, ...] = field(default=(), metadata=many())
    effect_interval: tuple[float, ...] = field(default=(), metadata=many())
    sensitivity: tuple[Swing, ...] = field(default=(), metadata=many(Swing))


@dataclass(frozen=True, slots=True)
class EffectBasis(Keyed):
    """What the effect per point is: the ``primary`` estimate with its ``adjustment``,
    ``covariates``, strata fixed effects and weights, as the primary analysis fitted it."""

    estimate: str | None = None
    adjustment: str | None = None
    covariates: tuple[str, ...] = field(default=(), metadata=many())
    strata_fixed_effects: bool | None = None
    weighted: bool | None = None


@dataclass(frozen=True, slots=True)
class CaseloadCost(Keyed):
    """What one case fewer per worker costs against the points its baseline association
    suggests (an association, not a trial effect).

    Attributes:
        case_cost, source: the evaluator's cost of one case fewer a year and its source.
        note: why there is no comparison (no caseload association), or ``None``.
        points_per_case, points_low, points_high: points with one case fewer, and interval.
        cost_per_point: ``case_cost`` over the points, or ``None`` when they are not a gain.
        cost_per_point_range: its range over the interval, or ``None``.
    """

    case_cost: float | None = None
    source: str | None = None
    note: str | None = None
    points_per_case: float | None = None
    points_low: float | None = None
    points_high: float | None = None
    cost_per_point: float | None = None
    cost_per_point_range: tuple[float, ...] | None = field(default=None, metadata=many())


@dataclass(frozen=True, slots=True)
class Economics(Keyed):
    """Costs, cost-effectiveness and the caseload comparison of a run.

    Attributes:
        note: why the costs could not be put on one footing (then nothing else is stored).
        price_year, index_name: the price year and the index moving prices there.
        discount_rate, horizon_years: the costing's discounting and horizon.
        outside_horizon: items outside the horizon, not counted.
        lines: each ingredient costed.
        arms: each arm's cost.
        level: the bootstrap intervals' level.
        per_point: each arm's cost per point of the primary outcome.
        per_day_avoided: each arm's cost per day of sickness absence avoided.
        caseload: the caseload comparison, or ``None``.
        effect_basis: what the effect per point is (``None`` in runs stored before it was).
        notes: why a comparison could not be drawn.
    """

    note: str | None = None
    price_year: str | None = None
    index_name: str | None = None
    discount_rate: float | None = None
    horizon_years: int | None = None
    outside_horizon: tuple[str, ...] = field(default=(), metadata=many())
    lines: tuple[CostItem, ...] = field(default=(), metadata=many(CostItem))
    arms: tuple[ArmCost, ...] = field(default=(), metadata=many(ArmCost))
    level: float | None = None
    per_point: tuple[CostComparison, ...] = field(default=(), metadata=many(CostComparison))
    per_day_avoided: tuple[CostComparison, ...] = field(default=(), metadata=many(CostComparison))
    caseload: CaseloadCost | None = field(default=None, metadata=one(CaseloadCost))
    effect_basis: EffectBasis | None = field(default=None, metadata=one(EffectBasis))
    notes: tuple[str, ...] = field(default=(), metadata=many())
