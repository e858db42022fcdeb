"""One arm's effect on one planned outcome, typed, as a parallel trial's run stores it.

:class:`ArmEffect` holds the estimate, its standard error, degrees of freedom, interval and
p-value, the people and clusters analysed, the variance estimator, and Hedges' g
(:class:`StandardisedEffect`). It is read from and written back to the stored JSON exactly
(:class:`~hearten.analysis.keyed.Keyed`): the stored keys and their order are kept, so a key
an older run lacks stays absent when written back, and a key this version does not know is
kept unchanged. The values are kept as given (no conversion), so a run stores what it fitted.

The standalone analysis of a file (:mod:`hearten.analysis.table_result`) holds the same two
types, made by :meth:`ArmEffect.of_term` (:meth:`.term_result.TermResult.of_term`) and
:meth:`StandardisedEffect.of_size`, which store an open end of an interval as ``None``;
:class:`Interval` reads it back as ``-inf`` or ``inf``. A trial's run makes them the same way
(an effect pooled over imputations by :meth:`ArmEffect.pooled`).

This module imports nothing heavy (the report reads stored runs through it).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from hearten.analysis.imputation_result import ImputedEffect
from hearten.analysis.keyed import JsonObject, Keyed, many, mapping, one
from hearten.analysis.term_result import TermResult, open_end

if TYPE_CHECKING:
    from hearten.stats.effect_size import EffectSize


@dataclass(frozen=True, slots=True)
class Interval:
    """A confidence interval; an end no test could close is ``-inf`` or ``inf`` (stored as
    ``None``: :meth:`of_stored`, :meth:`stored`)."""

    low: float
    high: float

    @property
    def bounded(self) -> bool:
        """Both ends are finite."""
        return math.isfinite(self.low) and math.isfinite(self.high)

    @classmethod
    def of_stored(cls, low: float | None, high: float | None) -> Interval:
        """The interval whose stored ends are ``low`` and ``high`` (``None``: open)."""
        return cls(-math.inf if low is None else low, math.inf if high is None else high)

    def stored(self) -> tuple[float | None, float | None]:
        """The ends as stored: an infinite (open) end is ``None``, the others as they are."""
        return open_end(self.low), open_end(self.high)


@dataclass(frozen=True, slots=True)
class StandardisedEffect(Keyed):
    """Hedges' g of an arm's effect (:mod:`hearten.stats.effect_size`).

    Attributes:
        g: the bias-corrected standardised difference.
        std_error, conf_low, conf_high: the planned analysis's standard error and interval
            taken to g's scale (an open end of a one-sided interval is ``None``).
        icc: the WWC cluster adjustment's intraclass correlation (0 unclustered).
        scale: g per outcome point (``None`` in runs stored before it was kept).
        interval: where the interval comes from (``"planned analysis"``).
    """

    g: float | None = None
    std_error: float | None = None
    conf_low: float | None = None
    conf_high: float | None = None
    icc: float | None = None
    scale: float | None = None
    interval: str | None = None

    @classmethod
    def of_size(cls, size: EffectSize) -> StandardisedEffect:
        """Hedges' g on the planned analysis's interval
        (:func:`hearten.stats.effect_size.on_planned_interval`'s result)."""
        low, high = Interval(size.conf_low, size.conf_high).stored()
        return cls(
            g=size.g,
            std_error=size.std_error,
            conf_low=low,
            conf_high=high,
            icc=size.icc,
            scale=size.scale,
            interval="planned analysis",
        )


@dataclass(frozen=True, slots=True)
class ArmEffect(TermResult):
    """One non-control arm's effect on one planned outcome (``term`` is the arm's name): the
    fields of :class:`~.term_result.TermResult` (``df`` is ``None`` for a normal test;
    ``n_clusters`` is ``None`` when people were randomised; ``alpha`` is the plan's level),
    stored in their order, then:

    Attributes:
        alternative: the plan's alternative.
        hedges_g: Hedges' g, or ``None`` when it could not be computed.
        resampling: the plan's resampling test of this effect, or ``None``.

    A key stored beside these (the complete-case estimate beside a multiple imputation, for
    one) is read with :meth:`~hearten.analysis.keyed.Keyed.beside`.
    """

    alternative: str | None = None
    hedges_g: StandardisedEffect | None = field(default=None, metadata=one(StandardisedEffect))
    resampling: JsonObject | None = field(default=None, metadata=mapping())

    @property
    def interval(self) -> Interval:
        """``conf_low`` to ``conf_high``, an open end ``-inf`` or ``inf``."""
        return Interval.of_stored(self.conf_low, self.conf_high)

    @classmethod
    def pooled(
        cls, imputed: ImputedEffect, hedges_g: StandardisedEffect | None, complete_case: TermResult
    ) -> ArmEffect:
        """The effect pooled over multiple imputations as a run stores it in place of the
        complete-case one (the plan's missing-data analysis): the keys of ``imputed``
        (:class:`~.imputation_result.ImputedEffect`; Rubin's rules' parts kept beside the
        known ones), ``hedges_g``, ``resampling`` (``None``: an imputed effect is not
        resampled) and ``complete_case``, the complete-case effect's estimate, standard
        error, df, p-value, interval and people analysed."""
        own = set(ArmEffect.keys())
        beside = tuple((k, v) for k, v in imputed.to_json().items() if k not in own)
        case = {k: getattr(complete_case, k) for k in COMPLETE_CASE}
        return cls(
            term=imputed.term,
            estimate=imputed.estimate,
            std_error=imputed.std_error,
            df=imputed.df,
            statistic=imputed.statistic,
            p_value=imputed.p_value,
            conf_low=imputed.conf_low,
            conf_high=imputed.conf_high,
            n=imputed.n,
            n_clusters=imputed.n_clusters,
            vcov_type=imputed.vcov_type,
            alpha=imputed.alpha,
            alternative=imputed.alternative,
            hedges_g=hedges_g,
            resampling=None,
            extra=(*beside, ("complete_case", case)),
        ).storing(*ImputedEffect.keys(), "hedges_g", "resampling", "complete_case")


#: What an effect pooled over imputations keeps of the complete-case one (``complete_case``).
COMPLETE_CASE = ("estimate", "std_error", "df", "p_value", "conf_low", "conf_high", "n")


@dataclass(frozen=True, slots=True)
class EffectOnTakers(Keyed):
    """The complier average causal effect (CACE): each arm's effect on those who took part.

    Attributes:
        definition: the plan's rule for taking part.
        note: why the effect could not be estimated, or ``None``.
        effects: each non-control arm's effect on those who took part (instrumental variables).
        took_part: the share of each arm who took part (0 to 1) by the arm's name, in the
            order the analysed rows first show the arms, or ``None`` with a ``note``.
    """

    definition: str | None = None
    note: str | None = None
    effects: tuple[ArmEffect, ...] = field(default=(), metadata=many(ArmEffect))
    took_part: Mapping[str, float] | None = field(default=None, metadata=mapping())
