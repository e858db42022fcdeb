"""Typed parts of the standalone analysis's result that a trial's stored run has no twin of.

An effect and its Hedges' g are the trial run's own types
(:class:`~hearten.analysis.arm_effect.ArmEffect`,
:class:`~hearten.analysis.arm_effect.StandardisedEffect`, with
:class:`~hearten.analysis.arm_effect.Interval`); here are the draws of a resampling test
(:class:`Resampled`), a ratio model's ratio (:class:`Ratio`), and Hedges' g of an effect on
its planned interval (:func:`planned_hedges_g`), the one wrapper of
:mod:`hearten.stats.effect_size` that a trial's run and the standalone analysis both use. Each
part turns itself into the JSON fields it always had (``to_dict``). Nothing here imports
Django.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from hearten.analysis.arm_effect import Interval, StandardisedEffect
from hearten.errors import EstimationError

if TYPE_CHECKING:
    import numpy as np

    from hearten.stats.inference import ResamplingTest

ResampledMethod = Literal["wild", "ri"]
RatioName = Literal["odds_ratio", "rate_ratio", "hazard_ratio"]


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
class Outcomes:
    """The outcomes Hedges' g is standardised by: ``y`` and each row's ``arm`` and cluster
    (``clusters``, ``None`` unclustered), with the ``control`` arm."""

    y: np.ndarray
    arm: Sequence[str] | np.ndarray
    control: str
    clusters: np.ndarray | None


def planned_hedges_g(
    estimate: float,
    std_error: float,
    interval: Interval,
    outcomes: Outcomes,
    treated: str,
    alpha: float,
) -> StandardisedEffect | None:
    """Hedges' g of ``treated`` against control: ``estimate`` over the outcomes of those two
    arms (:func:`hearten.stats.effect_size.standardised_effect`, with the WWC cluster
    adjustment when clustered), with the model's ``std_error`` and ``interval`` on g's scale
    (:func:`hearten.stats.effect_size.on_planned_interval`), so g agrees with the p-value;
    ``None`` when the outcome has no spread or there are too few clusters (the raw-scale
    result still stands). A trial's run and ``hearten analyse`` both call this."""
    import numpy as np

    from hearten.stats.effect_size import on_planned_interval, standardised_effect

    arm = np.asarray(outcomes.arm)
    pair = (arm == outcomes.control) | (arm == treated)
    y = np.asarray(outcomes.y, dtype=np.float64)[pair]
    clusters = None if outcomes.clusters is None else np.asarray(outcomes.clusters)[pair]
    try:
        g = standardised_effect(estimate, y, arm[pair], outcomes.control, clusters, alpha)
    except EstimationError:
        return None
    planned = on_planned_interval(g, std_error, interval.low, interval.high)
    return StandardisedEffect.of_size(planned)


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
