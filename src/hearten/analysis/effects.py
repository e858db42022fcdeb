"""An estimated effect as an analysis result reports it: typed parts any result can hold.

A result is built from these frozen parts rather than passed around as ``dict[str, Any]``;
each part turns itself into the JSON fields it always had (``to_dict``). The standalone
analysis of a file (:mod:`hearten.analysis.table_result`) builds its result from them, and a
trial's stored run can too. Nothing here imports Django.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from hearten.errors import EstimationError

if TYPE_CHECKING:
    import numpy as np

    from hearten.stats.effect_size import EffectSize
    from hearten.stats.estimate import TermEstimate
    from hearten.stats.inference import ResamplingTest

ResampledMethod = Literal["wild", "ri"]
RatioName = Literal["odds_ratio", "rate_ratio", "hazard_ratio"]


@dataclass(frozen=True, slots=True)
class Interval:
    """A confidence interval; an end no test could close is ``-inf`` or ``inf``."""

    low: float
    high: float

    @property
    def bounded(self) -> bool:
        """Both ends are finite."""
        return math.isfinite(self.low) and math.isfinite(self.high)


@dataclass(frozen=True, slots=True)
class Estimate:
    """An effect on the model's scale (a difference, or a log ratio) and its test.

    Attributes:
        estimate: the effect; std_error: its standard error.
        df: degrees of freedom of the t test, or ``None`` for a normal (z) test.
        statistic: ``estimate / std_error``; p_value: two-sided.
        interval: the ``1 - alpha`` interval (from a resampling test when there is one).
    """

    estimate: float
    std_error: float
    df: float | None
    statistic: float
    p_value: float
    interval: Interval

    @classmethod
    def of_term(cls, term: TermEstimate) -> Estimate:
        """The estimate of one coefficient of a fit."""
        return cls(
            term.estimate,
            term.std_error,
            term.df,
            term.statistic,
            term.p_value,
            Interval(term.conf_low, term.conf_high),
        )

    def to_dict(self) -> dict[str, Any]:
        """``estimate``, ``std_error``, ``df``, ``statistic``, ``p_value``, ``conf_low``,
        ``conf_high``."""
        return {
            "estimate": self.estimate,
            "std_error": self.std_error,
            "df": self.df,
            "statistic": self.statistic,
            "p_value": self.p_value,
            "conf_low": self.interval.low,
            "conf_high": self.interval.high,
        }


@dataclass(frozen=True, slots=True)
class Resampled:
    """How a resampling test drew: ``method`` (``wild``: the wild cluster or score
    bootstrap; ``ri``: randomisation inference), ``reps`` draws, their ``seed`` (``None``
    when every draw was ``enumerated``, an exact test)."""

    method: ResampledMethod
    reps: int
    seed: int | None
    enumerated: bool

    @classmethod
    def of_test(cls, test: ResamplingTest, method: ResampledMethod) -> Resampled:
        """The draws of ``test``, reported under the method the user asked for."""
        return cls(method, test.reps, test.seed, test.enumerated)


@dataclass(frozen=True, slots=True)
class HedgesG:
    """Hedges' g: the standardised effect with the planned analysis's interval on g's scale.

    Attributes:
        g: the bias-corrected standardised difference; std_error, conf_low, conf_high: the
            model's standard error and interval taken to g's scale.
        icc: the intraclass correlation of the WWC cluster adjustment (0 unclustered).
    """

    g: float
    std_error: float
    conf_low: float
    conf_high: float
    icc: float

    @classmethod
    def of_effect(cls, effect: EffectSize) -> HedgesG:
        """The reported fields of an :class:`~hearten.stats.effect_size.EffectSize`."""
        return cls(effect.g, effect.std_error, effect.conf_low, effect.conf_high, effect.icc)

    def to_dict(self) -> dict[str, float]:
        """``g``, ``std_error``, ``conf_low``, ``conf_high``, ``icc``."""
        return {
            "g": self.g,
            "std_error": self.std_error,
            "conf_low": self.conf_low,
            "conf_high": self.conf_high,
            "icc": self.icc,
        }


def hedges_g(
    effect: Estimate,
    y: np.ndarray,
    arm: Sequence[str],
    control: str,
    clusters: np.ndarray | None,
    alpha: float,
) -> HedgesG | None:
    """Hedges' g of ``effect`` (:func:`hearten.stats.effect_size.standardised_effect`, with
    the WWC cluster adjustment when clustered), with the model's standard error and interval
    on g's scale (:func:`hearten.stats.effect_size.on_planned_interval`), so g agrees with
    the p-value; ``None`` when the outcome has no spread or there are too few clusters (the
    raw-scale result still stands)."""
    from hearten.stats.effect_size import on_planned_interval, standardised_effect

    try:
        g = standardised_effect(effect.estimate, y, arm, control, clusters, alpha)
    except EstimationError:
        return None
    planned = on_planned_interval(g, effect.std_error, effect.interval.low, effect.interval.high)
    return HedgesG.of_effect(planned)


@dataclass(frozen=True, slots=True)
class Ratio:
    """A binary, count or Cox model's effect as a ratio: ``name`` (odds, rate or hazard
    ratio), its ``value`` and ``interval`` (an unbounded lower end is ``-inf``)."""

    name: RatioName
    value: float
    interval: Interval

    def to_dict(self) -> dict[str, Any]:
        """``name``, ``value``, ``conf_low``, ``conf_high``."""
        return {
            "name": self.name,
            "value": self.value,
            "conf_low": self.interval.low,
            "conf_high": self.interval.high,
        }
