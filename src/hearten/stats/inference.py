"""Few-cluster inference by resampling: the wild cluster bootstrap and randomisation inference.

Both test ``H0: τ = τ0`` for one coefficient and give a confidence interval by inverting the
test (the set of ``τ0`` not rejected at ``alpha``). Seeds are explicit and reported. The wild
cluster bootstrap lives in :mod:`hearten.stats.wild_bootstrap` and the test's result in
:mod:`hearten.stats.resampling`; both are importable from here as before. The design's
randomised units and their re-draws are :mod:`hearten.stats.randomised_units`.

**Randomisation inference** (Fisher; Young 2019): under the sharp null that every person's
effect is ``τ0``, ``y - τ0 T`` does not depend on assignment, so re-drawing assignments from
the trial's actual design (complete, blocked, clustered, or blocked and clustered: arm counts
fixed within each stratum, whole clusters moved together) gives the null distribution of the
covariate-adjusted estimate. By Frisch–Waugh–Lovell the estimate for a draw ``T*`` is
``T̃*'(ỹ - τ0 T̃) / T̃*'T̃*`` with ``~`` the residual after the covariates and strata, which is
linear in ``τ0``. When every assignment can be listed (at most ``reps`` of them) the test is
exact; otherwise ``p = (1 + #{|stat*| ≥ |stat|}) / (1 + R)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from hearten.errors import EstimationError
from hearten.stats.chunks import Runner, current, ordered
from hearten.stats.randomised_units import (
    RandomisedUnits,
    adjustment_matrix,
    assignment_codes,
    ri_chunks,
)
from hearten.stats.resampling import BOOTSTRAP_WEIGHTS as BOOTSTRAP_WEIGHTS
from hearten.stats.resampling import INVERSION_TOLERANCE as INVERSION_TOLERANCE
from hearten.stats.resampling import BootstrapWeights as BootstrapWeights
from hearten.stats.resampling import ResamplingTest as ResamplingTest
from hearten.stats.resampling import resampling_test
from hearten.stats.wild_bootstrap import WEBB_POINTS as WEBB_POINTS
from hearten.stats.wild_bootstrap import WILD_CHUNK as WILD_CHUNK
from hearten.stats.wild_bootstrap import bootstrap_t_statistics as bootstrap_t_statistics
from hearten.stats.wild_bootstrap import wild_cluster_bootstrap as wild_cluster_bootstrap


@dataclass(frozen=True, slots=True)
class _Residualised:
    """The outcome and treatment after the covariates and strata, and the projection that
    residualises each re-drawn assignment the same way (Frisch–Waugh–Lovell)."""

    y: NDArray[np.float64]
    t: NDArray[np.float64]
    W: NDArray[np.float64]
    W_pinv: NDArray[np.float64]

    @classmethod
    def of(
        cls, y: NDArray[np.float64], t: NDArray[np.float64], W: NDArray[np.float64]
    ) -> _Residualised:
        W_pinv = np.asarray(np.linalg.pinv(W), dtype=np.float64)
        return cls(y - W @ (W_pinv @ y), t - W @ (W_pinv @ t), W, W_pinv)

    def estimate(self) -> float:
        denom = float(self.t @ self.t)
        if denom <= 1e-12 * len(self.t):
            raise EstimationError("the treatment is constant within strata: nothing to compare")
        return float(self.t @ self.y) / denom

    def ab(self, draws: NDArray[np.float64]) -> NDArray[np.float64]:
        """Rows ``a*, b*`` for each draw, with ``stat*(τ0) = a* - τ0 b*``."""
        n = len(self.y)
        out = np.empty((2, draws.shape[1]))
        chunk = max(1, 2_000_000 // max(n, 1))  # bounded memory for large trials
        for start in range(0, draws.shape[1], chunk):
            block = draws[:, start : start + chunk]
            D = block - self.W @ (self.W_pinv @ block)
            dd = np.einsum("ir,ir->r", D, D)
            out[0, start : start + chunk] = (D.T @ self.y) / dd
            out[1, start : start + chunk] = (D.T @ self.t) / dd
        return out


@dataclass(frozen=True, slots=True)
class _UnitProjection:
    """What the randomisation statistics need, summed to the randomised units.

    A drawn assignment is constant within each unit, ``D = C U`` with ``C`` the
    observation-to-unit incidence, so with ``ỹ``, ``t̃`` already residualised:
    ``D̃'ỹ = U'(C'ỹ)``, ``D̃'t̃ = U'(C't̃)`` and ``D̃'D̃ = U' n - q'(W'W)⁺q`` with ``n`` the
    units' sizes and ``q = (C'W)'U``. Every product is over units, not people: a clustered
    trial of 10,000 people in 200 teams does 50 times less work per draw (and ships
    ``units × k`` numbers to a cluster's workers instead of ``people × k``).
    """

    cy: NDArray[np.float64]
    ct: NDArray[np.float64]
    size: NDArray[np.float64]
    F: NDArray[np.float64]
    WtW_pinv: NDArray[np.float64]

    @classmethod
    def of(cls, r: _Residualised, cluster: NDArray[np.int64]) -> _UnitProjection:
        G = int(cluster.max()) + 1
        F = np.zeros((G, r.W.shape[1]))
        np.add.at(F, cluster, r.W)
        return cls(
            np.bincount(cluster, weights=r.y, minlength=G).astype(np.float64),
            np.bincount(cluster, weights=r.t, minlength=G).astype(np.float64),
            np.bincount(cluster, minlength=G).astype(np.float64),
            F,
            np.asarray(np.linalg.pinv(r.W.T @ r.W), dtype=np.float64),
        )

    def ab(self, U: NDArray[np.float64]) -> NDArray[np.float64]:
        """Rows ``a*, b*`` for unit-level draws ``U`` (``units × R``)."""
        q = self.F.T @ U
        dd = self.size @ U - np.einsum("kr,kl,lr->r", q, self.WtW_pinv, q)
        return np.asarray(np.vstack([self.cy @ U, self.ct @ U]) / dd, dtype=np.float64)


def draw_estimates(
    y: NDArray[np.float64],
    t: NDArray[np.float64],
    W: NDArray[np.float64],
    draws: NDArray[np.float64],
) -> tuple[float, NDArray[np.float64], NDArray[np.float64]]:
    """The adjusted estimate, and per draw ``a*``, ``b*`` with ``stat*(τ0) = a* - τ0 b*``."""
    r = _Residualised.of(y, t, W)
    estimate = r.estimate()
    a, b = r.ab(draws)
    return estimate, a, b


def _ri_chunk(
    shared: tuple[RandomisedUnits, _UnitProjection],
    index: int,
    count: int,
    seed: np.random.SeedSequence,
) -> tuple[int, NDArray[np.float64]]:
    """One chunk of re-randomisations: its index and ``a*, b*`` of its ``count`` draws."""
    units, projection = shared
    return index, projection.ab(units.draw_units(count, np.random.default_rng(seed)))


def randomisation_inference(
    y: ArrayLike,
    treat: ArrayLike,
    covariates: ArrayLike | None = None,
    strata: ArrayLike | None = None,
    cluster: ArrayLike | None = None,
    reps: int = 10000,
    seed: int = 0,
    null: float = 0.0,
    alpha: float = 0.05,
    term: str = "treatment",
    draws: ArrayLike | None = None,
    runner: Runner | None = None,
) -> ResamplingTest:
    """Randomisation test and interval for a 0/1 treatment, re-drawing the actual design.

    Args:
        y: outcome.
        treat: 0/1 assignment as randomised.
        covariates: ``(n, p)`` covariates adjusted for (not including the intercept).
        strata: the randomisation strata (also adjusted for as fixed effects).
        cluster: the randomised units (``None``: people were randomised).
        draws: ``(n, R)`` 0/1 assignments re-drawn by the trial's own rule (from
            ``hearten.stats.randomise.redraws``), required when the rule is not plain
            blocking, e.g. after re-randomisation for balance; ``reps`` and ``seed`` are
            then unused and the seed reported is ``seed`` as given (the allocation's).
        runner: runs the chunks of random re-draws (:mod:`hearten.stats.chunks`: by
            default the one set by ``chunks.using``, else here; threads or a Dask
            cluster); chunks of a fixed size are seeded from ``seed``, so the answer is
            the same wherever they run.
    """
    yv = np.asarray(y, dtype=np.float64)
    n = len(yv)
    t, s_codes, c_codes = assignment_codes(treat, strata, cluster)
    residualised = _Residualised.of(yv, t, adjustment_matrix(n, covariates, s_codes))
    estimate = residualised.estimate()
    enumerated = False
    if draws is not None:
        drawn = np.asarray(draws, dtype=np.float64)
        if drawn.shape[0] != n or not np.all(np.isin(drawn, (0.0, 1.0))):
            raise EstimationError("give the re-draws as 0/1 columns, one row per observation")
        a, b = residualised.ab(drawn)
    else:
        units = RandomisedUnits.of(t, c_codes, s_codes)
        projection = _UnitProjection.of(residualised, c_codes)
        enumerated = units.assignments <= reps
        if enumerated:
            a, b = projection.ab(units.every_unit())
        else:
            chunks = ri_chunks(n, reps, seed)
            run = runner or current()
            a, b = np.hstack(ordered(run(_ri_chunk, (units, projection), chunks)))

    def p_value(tau0: float) -> float:
        observed = abs(estimate - tau0)
        extreme = int(np.sum(np.abs(a - tau0 * b) >= observed - 1e-12 * max(1.0, observed)))
        if enumerated:
            return extreme / len(a)
        return (1 + extreme) / (1 + len(a))

    se_guess = float(np.std(a, ddof=1)) if len(a) > 1 else 1.0
    return resampling_test(
        "ri",
        term,
        estimate,
        p_value,
        se=se_guess,
        alpha=alpha,
        reps=len(a),
        enumerated=enumerated,
        seed=seed,
        null=null,
    )
