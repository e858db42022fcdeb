"""Closed-form power and minimum detectable effect of a stepped-wedge cluster trial.

In a stepped-wedge trial every cluster (team or office) starts the change, but at a
randomised time: the clusters are randomised to *sequences*, sequence ``k`` (1, 2, ...,
``S``) starting at period ``k``, after period 0 in which every cluster is in control. The
planned analysis is a linear mixed model of the cluster-period means with fixed effects
for the periods and the treatment effect ``θ``; its variance is the generalised least
squares (GLS) variance

    ``var(θ̂) = [Σᵢ Zᵢ' Vᵢ⁻¹ Zᵢ]⁻¹`` (the entry for ``θ``),

with ``Zᵢ = [I_T | xᵢ]`` (period indicators and the cluster's treatment indicators) and
``Vᵢ`` the covariance of cluster ``i``'s period means. On the standardised scale (total
variance 1, intraclass correlation ``ρ``, cluster autocorrelation ``r``, individual
autocorrelation ``π``, ``m`` people per cluster-period)

    ``Vᵢ[j, j] = ρ + (1 - ρ)/m`` and ``Vᵢ[j, j'] = ρ c(j, j') + π (1 - ρ)/m``,

where ``c = r`` (block-exchangeable: Hooper et al. 2016, Stat Med 35:4718; Girling and
Hemming 2016) or ``c = r^|j - j'|`` (exponential decay: Kasza et al. 2019, SMMR
28:703), and ``π = 0`` for cross-sectional sampling (new people each period) or the share of
a person's variance that persists for a closed cohort (the same people every period).
With ``r = 1`` and ``π = 0`` this is the model of Hussey and Hughes (2007, Contemp Clin
Trials 28:182), whose closed form :func:`hussey_hughes_variance` gives the same number; the
parameterisation is that of swCRTdesign's ``swPwr`` (``icc``, ``cac``, ``iac``).

Power is from the normal approximation with both tails, as ``swPwr`` reports it:
``Φ(θ/se - z) + Φ(-θ/se - z)`` with ``z = Φ⁻¹(1 - α/2)``; the MDES is the effect whose
power is the target. Transition periods (the change is being set up) are left out of the
analysis: the cluster-periods from a sequence's start until ``transition`` periods later.

The GLS variance is a few lines of numpy written here rather than taken from a library:
no maintained Python package computes it, and the general form covers every correlation
structure above with one code path checked against the closed form and R
(tests/stats/reference/make_stepped_wedge.R).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np
from numpy.typing import NDArray
from scipy import optimize
from scipy import stats as sps

from hearten.errors import DesignError

Sampling = Literal["cross-sectional", "closed-cohort"]
SAMPLINGS: tuple[Sampling, ...] = get_args(Sampling)


@dataclass(frozen=True, slots=True)
class SteppedWedgeDesign:
    """A stepped-wedge design for closed-form power.

    Attributes:
        sequences: clusters randomised to each sequence; sequence ``k`` (from 1) starts the
            change at period ``k``, period 0 being all control.
        cluster_size: people measured per cluster per period (``m``).
        icc: intraclass correlation ``ρ`` (share of the variance between cluster-periods).
        cac: cluster autocorrelation ``r``: the correlation of a cluster's effects in two
            periods (1: the same every period, as in Hussey and Hughes).
        iac: individual autocorrelation ``π`` of a closed cohort (0 for cross-sectional).
        sampling: ``cross-sectional`` (new people each period) or ``closed-cohort``.
        decay: the cluster correlation decays as ``r^|j - j'|`` instead of staying ``r``.
        transition: periods after each start left out of the analysis.
        alpha: two-tailed significance level.
    """

    sequences: tuple[int, ...]
    cluster_size: float
    icc: float
    cac: float = 1.0
    iac: float = 0.0
    sampling: Sampling = "cross-sectional"
    decay: bool = False
    transition: int = 0
    alpha: float = 0.05

    @property
    def steps(self) -> int:
        """The number of sequences (each a step of the staircase)."""
        return len(self.sequences)

    @property
    def periods(self) -> int:
        """Periods in all: the all-control period, one per step, and the transition."""
        return self.steps + 1 + self.transition

    @property
    def clusters(self) -> int:
        """Clusters in all."""
        return sum(self.sequences)


@dataclass(frozen=True, slots=True)
class SteppedWedgeResult:
    """A solved stepped-wedge design: the standardised ``effect`` (the MDES, or the effect
    asked about) and the ``power`` to detect it, with the ``standard_error`` of the
    estimated effect and the critical value ``z`` of the test."""

    design: SteppedWedgeDesign
    effect: float
    power: float
    standard_error: float
    z: float


def equal_sequences(clusters: int, steps: int) -> tuple[int, ...]:
    """``clusters`` spread over ``steps`` sequences as equally as they go (the earlier
    sequences take one more when they do not divide)."""
    if steps < 1:
        raise DesignError(f"--steps must be at least 1, not {steps}")
    if clusters < steps:
        raise DesignError(
            f"{clusters} clusters cannot fill {steps} steps: use at least one cluster per "
            "step (more clusters or fewer steps)"
        )
    base, extra = divmod(clusters, steps)
    return tuple(base + (1 if k < extra else 0) for k in range(steps))


def treatment_matrix(design: SteppedWedgeDesign) -> NDArray[np.float64]:
    """The sequences × periods matrix of treatment indicators (1 once a sequence starts)."""
    periods = np.arange(design.periods)
    starts = np.arange(1, design.steps + 1)[:, None]
    return (periods[None, :] >= starts).astype(np.float64)


def observed_matrix(design: SteppedWedgeDesign) -> NDArray[np.bool_]:
    """The sequences × periods cells in the analysis (all but the transition periods)."""
    periods = np.arange(design.periods)[None, :]
    starts = np.arange(1, design.steps + 1)[:, None]
    return ~((periods >= starts) & (periods < starts + design.transition))


def _check(d: SteppedWedgeDesign) -> None:
    if not d.sequences or any(k < 1 for k in d.sequences):
        raise DesignError("every sequence of a stepped-wedge design needs at least one cluster")
    if d.sampling not in SAMPLINGS:
        raise DesignError(f"unknown sampling {d.sampling!r}: choose {', '.join(SAMPLINGS)}")
    if not d.cluster_size >= 1:
        raise DesignError(f"--cluster-size must be at least 1, not {d.cluster_size}")
    if not 0.0 <= d.icc < 1.0:
        raise DesignError(f"--icc2 must be at least 0 and below 1, not {d.icc}")
    if not 0.0 <= d.cac <= 1.0:
        raise DesignError(f"--cac must be between 0 and 1, not {d.cac}")
    if not 0.0 <= d.iac < 1.0:
        raise DesignError(f"--iac must be at least 0 and below 1, not {d.iac}")
    if d.iac > 0 and d.sampling == "cross-sectional":
        raise DesignError(
            "--iac applies to a closed cohort: add --sampling closed-cohort, or drop --iac"
        )
    if d.transition < 0:
        raise DesignError(f"--transition cannot be negative, not {d.transition}")
    if not 0.0 < d.alpha < 0.5:
        raise DesignError(f"--alpha must be between 0 and 0.5, not {d.alpha}")


def period_covariance(d: SteppedWedgeDesign) -> NDArray[np.float64]:
    """The covariance of one cluster's period means on the standardised scale."""
    _check(d)
    lag = np.abs(np.subtract.outer(np.arange(d.periods), np.arange(d.periods)))
    between = d.cac**lag if d.decay else np.where(lag == 0, 1.0, d.cac)
    within = np.where(lag == 0, 1.0, d.iac)
    return np.asarray(d.icc * between + (1 - d.icc) * within / d.cluster_size, dtype=np.float64)


def gls_variance(
    treatment: NDArray[np.float64],
    covariance: NDArray[np.float64],
    counts: NDArray[np.float64],
    observed: NDArray[np.bool_] | None = None,
) -> float:
    """The GLS variance of the treatment effect with period fixed effects.

    ``treatment`` is the sequences × periods indicator matrix, ``covariance`` the
    periods × periods covariance of one cluster's period means, ``counts`` the clusters
    in each sequence and ``observed`` the cells in the analysis (all by default).
    """
    n_seq, n_per = treatment.shape
    seen = np.ones_like(treatment, dtype=bool) if observed is None else observed
    info = np.zeros((n_per + 1, n_per + 1))
    for k in range(n_seq):
        rows = np.flatnonzero(seen[k])
        z = np.column_stack([np.eye(n_per)[rows], treatment[k, rows]])
        v = covariance[np.ix_(rows, rows)]
        info += counts[k] * z.T @ np.linalg.solve(v, z)
    try:
        var = float(np.linalg.inv(info)[-1, -1])
    except np.linalg.LinAlgError:
        var = math.inf
    if not math.isfinite(var) or var <= 0 or np.linalg.cond(info) > 1e12:
        raise DesignError(
            "the treatment effect cannot be separated from the periods in this design: "
            "it needs at least one period with clusters in both conditions"
        )
    return var


def hussey_hughes_variance(treatment: NDArray[np.float64], sigma2: float, tau2: float) -> float:
    """Hussey and Hughes' (2007, eq. 8) closed form of ``var(θ̂)``: ``treatment`` the
    clusters × periods indicators, ``sigma2`` the variance of a cluster-period mean about
    its cluster (``σ²_e / m``) and ``tau2`` the variance between clusters."""
    i, t = int(treatment.shape[0]), int(treatment.shape[1])
    u = float(treatment.sum())
    w = float((treatment.sum(axis=0) ** 2).sum())
    v = float((treatment.sum(axis=1) ** 2).sum())
    num = i * sigma2 * (sigma2 + t * tau2)
    den = (i * u - w) * sigma2 + (u**2 + i * t * u - t * w - i * v) * tau2
    return num / den


def standard_error(d: SteppedWedgeDesign) -> float:
    """The standardised standard error of the estimated effect of design ``d``."""
    cov = period_covariance(d)
    counts = np.asarray(d.sequences, dtype=np.float64)
    return math.sqrt(gls_variance(treatment_matrix(d), cov, counts, observed_matrix(d)))


def _critical(d: SteppedWedgeDesign) -> float:
    return float(sps.norm.ppf(1 - d.alpha / 2))


def _power(effect: float, se: float, z: float) -> float:
    return float(sps.norm.cdf(effect / se - z) + sps.norm.cdf(-effect / se - z))


def solve_power(d: SteppedWedgeDesign, es: float) -> SteppedWedgeResult:
    """The power of ``d`` to detect a standardised effect ``es``."""
    if es <= 0:
        raise DesignError("--es, the effect size, must be positive")
    se, z = standard_error(d), _critical(d)
    return SteppedWedgeResult(d, es, _power(es, se, z), se, z)


def solve_mdes(d: SteppedWedgeDesign, power: float = 0.80) -> SteppedWedgeResult:
    """The smallest standardised effect ``d`` detects with ``power``."""
    if not d.alpha < power < 1:
        raise DesignError(f"--power must be between alpha ({d.alpha:g}) and 1, not {power}")
    se, z = standard_error(d), _critical(d)
    upper = (z + float(sps.norm.ppf(power))) * se + se
    root = optimize.brentq(lambda e: _power(e, se, z) - power, 0.0, upper, xtol=1e-12)
    effect = float(root)
    return SteppedWedgeResult(d, effect, power, se, z)
