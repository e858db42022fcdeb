"""What a resampling test of one coefficient gives, and the interval from inverting it.

The wild cluster bootstrap (:mod:`hearten.stats.wild_bootstrap`), randomisation inference
(:mod:`hearten.stats.inference`), the randomisation tests of ratios
(:mod:`hearten.stats.ratio_inference`) and the wild score bootstrap
(:mod:`hearten.stats.score_bootstrap`) each test ``H0: τ = τ0`` and give a confidence interval
by inverting the test (the set of ``τ0`` not rejected at ``alpha``, :func:`invert_test`);
:func:`resampling_test` builds each one's result from its p-value over its draws.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, get_args

Method = Literal["wild", "ri", "wild-score"]
BootstrapWeights = Literal["rademacher", "webb"]
BOOTSTRAP_WEIGHTS: tuple[BootstrapWeights, ...] = get_args(BootstrapWeights)
#: Test inversion stops when the interval's ends are known to this fraction of the SE.
INVERSION_TOLERANCE = 1e-6


@dataclass(frozen=True, slots=True)
class ResamplingTest:
    """A resampling test of one coefficient and the interval from inverting it.

    Attributes:
        method: ``wild``, ``ri`` or ``wild-score`` (:mod:`hearten.stats.score_bootstrap`).
        term: the coefficient tested.
        estimate: its estimate.
        null: the value tested (``τ0``), usually 0.
        p_value: the p-value of ``H0: τ = null``.
        conf_low, conf_high: the ``1 - alpha`` interval by test inversion.
        reps: the number of bootstrap or randomisation draws used.
        enumerated: whether every draw was enumerated (an exact test).
        seed: the seed of the draws (``None`` when enumerated).
        weights: the bootstrap weight distribution (``None`` for ``ri``).
        alpha: the significance level of the interval.
    """

    method: Method
    term: str
    estimate: float
    null: float
    p_value: float
    conf_low: float
    conf_high: float
    reps: int
    enumerated: bool
    seed: int | None
    weights: BootstrapWeights | None
    alpha: float


def invert_test(
    p_value: Callable[[float], float], estimate: float, se: float, alpha: float
) -> tuple[float, float]:
    """The ``1 - alpha`` confidence interval from inverting a test: the ends of
    ``{τ0 : p(τ0) > alpha}``, the values of the coefficient the test does not reject.

    From ``estimate``, each side steps out by ``se`` (doubling the distance until ``p_value``
    is at most ``alpha``, at most 60 times) and then bisects until the end is known to
    :data:`INVERSION_TOLERANCE` of ``se``. Every resampling test here (wild cluster bootstrap,
    randomisation inference, the ratio tests and the wild score bootstrap) uses it.

    Args:
        p_value: the test's p-value of ``H0: τ = τ0``, as a function of ``τ0``; assumed to
            fall away from ``estimate`` on each side.
        estimate: the coefficient's estimate (inside the interval).
        se: its standard error, the first step's size (at least 1e-8).
        alpha: the significance level.

    Returns:
        ``(low, high)``; an end the test never rejects within the steps is ``-inf`` or
        ``inf``.
    """
    step = max(se, 1e-8)

    def edge(direction: float) -> float:
        inside, outside = estimate, estimate + direction * step
        for _ in range(60):
            if p_value(outside) <= alpha:
                break
            inside, outside = outside, estimate + 2 * (outside - estimate)
        else:
            return direction * math.inf
        while abs(outside - inside) > INVERSION_TOLERANCE * step:
            mid = (inside + outside) / 2
            if p_value(mid) > alpha:
                inside = mid
            else:
                outside = mid
        return (inside + outside) / 2

    return edge(-1.0), edge(1.0)


def resampling_test(
    method: Method,
    term: str,
    estimate: float,
    p_value: Callable[[float], float],
    *,
    se: float,
    alpha: float,
    reps: int,
    enumerated: bool,
    seed: int,
    weights: BootstrapWeights | None = None,
    null: float = 0.0,
    interval: bool = True,
) -> ResamplingTest:
    """A resampling test's result: the interval from :func:`invert_test` and the p-value of
    ``H0: τ = null``.

    Args:
        method, term, estimate: as :class:`ResamplingTest`.
        p_value: the test's p-value of ``H0: τ = τ0`` over its draws, as a function of ``τ0``.
        se: the first step of the interval's search (:func:`invert_test`).
        alpha: the significance level.
        reps: the number of draws the p-value counts over.
        enumerated: whether they are every draw (then no seed is reported).
        seed: the seed the draws came from.
        weights: the bootstrap weight distribution (``None`` for randomisation tests).
        null: the value tested.
        interval: ``False`` skips the inversion (for simulation studies): both ends NaN.
    """
    low, high = invert_test(p_value, estimate, se, alpha) if interval else (math.nan, math.nan)
    return ResamplingTest(
        method=method,
        term=term,
        estimate=estimate,
        null=null,
        p_value=p_value(null),
        conf_low=low,
        conf_high=high,
        reps=reps,
        enumerated=enumerated,
        seed=None if enumerated else seed,
        weights=weights,
        alpha=alpha,
    )
