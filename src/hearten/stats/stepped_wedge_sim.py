"""Simulating the analysis of a stepped-wedge trial, many at once: cross-sectional or closed
cohort, with a cluster autocorrelation that is constant (1), below 1 or decaying by period.

**Model** (outcomes in units of their total SD): person ``k`` of cluster ``i`` in period ``t``
has ``y = trend·t + θ X_it + √ρ u_i + √(1-ρ) e_itk`` with ``u``, ``e`` standard normal, ``m``
people per cluster-period, clusters spread over the sequences as equally as they go (as the
closed form of :mod:`hearten.stats.stepped_wedge` assumes), ``steps + 1`` periods, the
first all control. Clusters are exchangeable, so which cluster is drawn to which sequence
does not change the distribution; each replication uses the same sequence sizes.

**Analysis**: the planned one, Hussey and Hughes' linear mixed model with period fixed effects
and random cluster intercepts by REML, the effect tested on Satterthwaite's df
(:func:`hearten.stats.stepped_wedge_fit.fit_stepped_wedge`). With ``m`` people in every
cell and the fixed effects constant within cells, the restricted likelihood depends on the
data only through the cluster-period means ``ȳ_it`` and the pooled within-cell sum of
squares ``W`` (``σ² χ²`` on ``CT(m-1)`` df, independent of the means): with ``λ = mτ²/σ²``
and ``c = λ / (1 + Tλ)`` a cluster's means have ``(σ²/m)(I + λJ)`` as covariance, inverse
``(m/σ²)(I - cJ)``, so ``X'V⁻¹X = (m/σ²)(A₀ - cA₁)`` with ``A₀ = Σ X_i'X_i``,
``A₁ = Σ X_i'11'X_i`` the same for every replication, and the profiled restricted deviance
is ``(N - p) log((W + q)/(N - p)) + C log(1 + Tλ) + log|A₀ - cA₁|`` with ``q`` the GLS
residual quadratic form of the means times ``m``. So each replication draws ``C × T`` means
and one ``W``, ``λ`` is found by a golden-section search run on all replications at once,
and the Satterthwaite df come from central differences of the full restricted deviance in
``(τ², σ²)``, also for all at once. The tests check one replication against the fit on the
individual data.

**Other correlation structures** (``cac`` below 1, ``decay``, a ``closed-cohort``): the data
are drawn as :mod:`hearten.stats.stepped_wedge`'s closed form assumes them. A cluster's effect
in period ``t`` is ``√(ρ r) u_i + √(ρ(1 - r)) v_it`` (block-exchangeable: Hooper et al. 2016)
or a stationary AR(1) series with variance ``ρ`` and lag-one correlation ``r`` (decay: Kasza
et al. 2019); a closed cohort's people keep a share ``π`` (``iac``) of their variance from
period to period, so a cluster-period mean carries ``√((1-ρ)π/m) p_i`` that stays and
``√((1-ρ)(1-π)/m) e_it`` that does not, and the pooled within-cell sum of squares is
``(1-ρ)[(Tπ + 1 - π) χ²_{C(m-1)} + (1-π) χ²_{C(m-1)(T-1)}]`` (a person's deviation from the
cell mean persists across the periods). The analysis (:data:`Analysis`) is the model whose
power the closed form computes, fitted by REML with Satterthwaite df:

* ``cluster``: Hussey and Hughes' (cross-sectional, ``cac`` 1), above;
* ``cluster-period``: cross-sectional with ``cac`` below 1, the planned model with random
  cluster and cluster-by-period intercepts, exactly as ``random_effects = "cluster-period"``
  fits it on the people: its restricted likelihood is that of the means (covariance
  ``a I + τ² J``, :func:`hearten.stats.cluster_period_means.fit_means`) times that of ``W``,
  so ``σ̂² = W/(CT(m-1))`` and ``γ̂² = â - σ̂²/m``; where ``γ̂²`` would be below zero the fit
  is the cluster-intercept one, as the planned analysis falls back to it;
* ``exchangeable``: a closed cohort with a constant or block-exchangeable cluster
  correlation, the cluster-period means model ``a I + b J`` (Hooper et al.'s model with
  person intercepts as well, whose effect depends on the means alone);
* ``decay`` and ``decay-cohort``: the decaying models on the means (``a I + c R(r)``, plus
  ``b J`` for a closed cohort), ``r`` estimated too.

Hearten's planned analysis has no person intercepts and no decay, so for a closed cohort or a
decaying correlation the simulation says what the analysis the power assumes would find. To
see what the planned model itself would find on such data, name it (``random_effects``
``cluster`` or ``cluster-period``): both models' restricted likelihoods depend on the people
only through the means and ``W``, which are drawn with the data's correlation, so each
replication is still exactly the planned fit on the people.

Replications run in chunks with seeds spawned from the one seed, as
:mod:`hearten.stats.simulate` does. Written by hand: no library fits thousands of small
REML models in one batch.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray
from scipy import stats as sps

from hearten.errors import DesignError
from hearten.stats.chunks import Runner, current, seeded_chunks
from hearten.stats.cluster_period_means import fit_means
from hearten.stats.random_effects import RandomEffects, check_random_effects
from hearten.stats.stepped_wedge import (
    SAMPLINGS,
    Sampling,
    SteppedWedgeDesign,
    equal_sequences,
    solve_power,
)

Array = NDArray[np.float64]
CHUNK = 500
#: Golden-section steps on log λ over [1e-8, 1e4]: the bracket shrinks to ~1e-10 of itself.
GOLDEN_STEPS = 60
#: The model each replication is analysed by (module docstring).
Analysis = Literal["cluster", "cluster-period", "exchangeable", "decay", "decay-cohort"]


@dataclass(frozen=True, slots=True)
class SteppedWedgeSimulation:
    """A stepped-wedge trial to simulate (module docstring): ``clusters`` over ``steps``
    sequences, ``cluster_size`` people per cluster-period, the ICC ``icc2``, the ``effect``
    in SDs, a linear period ``trend`` (SDs per period, absorbed by the period fixed effects),
    the two-sided ``alpha``; the cluster autocorrelation ``cac``, constant or ``decay``-ing
    by period, and the ``sampling`` with, for a closed cohort, the individual
    autocorrelation ``iac`` (as :class:`hearten.stats.stepped_wedge.SteppedWedgeDesign`).
    ``random_effects`` names the planned model to fit whatever the data's correlation (as the
    design's ``[stepped_wedge] random_effects``: what the planned analysis would find on a
    closed cohort or with a decaying correlation, which it does not model); left out, each
    replication is fitted by the model the closed form assumes (module docstring)."""

    clusters: int
    steps: int
    cluster_size: int
    icc2: float
    effect: float
    trend: float = 0.0
    alpha: float = 0.05
    cac: float = 1.0
    iac: float = 0.0
    sampling: Sampling = "cross-sectional"
    decay: bool = False
    random_effects: RandomEffects | None = None

    def closed_form(self) -> SteppedWedgeDesign:
        """The same design for the closed-form power (Hussey and Hughes; Hooper et al.;
        Kasza et al.)."""
        return SteppedWedgeDesign(
            equal_sequences(self.clusters, self.steps), self.cluster_size, self.icc2,
            cac=self.cac, iac=self.iac, sampling=self.sampling, decay=self.decay,
            alpha=self.alpha,
        )  # fmt: skip

    @property
    def hussey_hughes(self) -> bool:
        """The data are Hussey and Hughes': cross-sectional, the cluster effect constant."""
        return self.sampling == "cross-sectional" and self.cac == 1 and not self.decay

    @property
    def analysis(self) -> Analysis:
        """The model the replications are analysed by (module docstring)."""
        if self.random_effects is not None:
            return self.random_effects
        cohort = self.sampling == "closed-cohort"
        if self.decay:
            return "decay-cohort" if cohort else "decay"
        if cohort:
            return "exchangeable"
        return "cluster" if self.cac == 1 else "cluster-period"


@dataclass(frozen=True, slots=True)
class CellFits:
    """The model fitted to ``R`` replications: ``estimate``, ``std_error``, ``df``,
    ``p_value``, and the cluster and residual variances ``tau2``, ``sigma2`` of the cluster
    and cluster-period models (NaN for the models of the means; each ``(R,)``)."""

    estimate: Array
    std_error: Array
    df: Array
    p_value: Array
    tau2: Array
    sigma2: Array


@dataclass(frozen=True, slots=True)
class Estimate:
    """A simulated quantity and its Monte-Carlo standard error."""

    value: float
    mcse: float


@dataclass(frozen=True, slots=True)
class SteppedWedgeSimResult:
    """What the analysis would find over ``reps`` replications (seed ``seed``): ``power``
    at the effect, ``bias`` and ``coverage`` of the interval, the mean standard error and
    df, the estimates' SD, and the closed-form power and standard error beside them; the
    ``analysis`` is the model fitted (module docstring)."""

    spec: SteppedWedgeSimulation
    reps: int
    seed: int
    power: Estimate
    bias: Estimate
    coverage: Estimate
    mean_se: float
    empirical_se: float
    mean_df: float
    closed_form_power: float
    closed_form_se: float = math.nan
    analysis: Analysis = "cluster"


def design_cells(s: SteppedWedgeSimulation) -> Array:
    """``(C, T, p)``: each cluster's rows of the design (intercept, treatment, later
    periods), clusters in sequence order."""
    starts = np.repeat(np.arange(1, s.steps + 1), equal_sequences(s.clusters, s.steps))
    periods = s.steps + 1
    X = np.zeros((s.clusters, periods, periods + 1))
    X[:, :, 0] = 1.0
    X[:, :, 1] = np.arange(periods)[None, :] >= starts[:, None]
    for t in range(1, periods):
        X[:, t, 1 + t] = 1.0
    return X


def draw_cells(
    s: SteppedWedgeSimulation, reps: int, rng: np.random.Generator
) -> tuple[Array, Array]:
    """``reps`` trials as cluster-period means ``(R, C, T)`` and within-cell sums of
    squares ``(R,)`` (module docstring)."""
    X = design_cells(s)
    T, m = X.shape[1], s.cluster_size
    base = s.trend * np.arange(T)[None, :] + s.effect * X[:, :, 1]
    u = rng.standard_normal((reps, s.clusters, 1)) * math.sqrt(s.icc2)
    e = rng.standard_normal((reps, s.clusters, T)) * math.sqrt((1 - s.icc2) / m)
    within = (1 - s.icc2) * rng.chisquare(s.clusters * T * (m - 1), reps)
    return base[None] + u + e, within


class _Batch:
    """The sums each replication's restricted likelihood needs (module docstring)."""

    def __init__(self, X: Array, means: Array, within: Array, m: int) -> None:
        ones = X.sum(axis=1)  # (C, p): X_i'1
        self.A0 = np.einsum("ctp,ctq->pq", X, X)
        self.A1 = ones.T @ ones
        totals = means.sum(axis=2)
        self.b0 = np.einsum("ctp,rct->rp", X, means)
        self.b1 = totals @ ones
        self.yy0 = (means**2).sum(axis=(1, 2))
        self.yy1 = (totals**2).sum(axis=1)
        self.W, self.m = within, m
        self.C, self.T, self.p = X.shape
        self.N = self.C * self.T * m

    def gls(self, lam: Array) -> tuple[Array, Array, Array]:
        """``A₀ - cA₁``, ``β̂`` and ``q`` at ``λ`` (one per replication)."""
        c = lam / (1 + self.T * lam)
        M = self.A0[None] - c[:, None, None] * self.A1[None]
        rhs = self.b0 - c[:, None] * self.b1
        beta = np.linalg.solve(M, rhs[..., None])[..., 0]
        q = self.m * (self.yy0 - c * self.yy1 - np.einsum("rp,rp->r", rhs, beta))
        return M, beta, q

    def profiled(self, lam: Array) -> Array:
        M, _, q = self.gls(lam)
        dof = self.N - self.p
        return np.asarray(
            dof * np.log((self.W + q) / dof) + self.C * np.log1p(self.T * lam)
            + np.linalg.slogdet(M)[1]
        )  # fmt: skip

    def deviance(self, tau2: Array, sigma2: Array) -> Array:
        lam = self.m * tau2 / sigma2
        M, _, q = self.gls(lam)
        return np.asarray(
            (self.N - self.p) * np.log(sigma2) + self.C * np.log1p(self.T * lam)
            + np.linalg.slogdet(M)[1] + (self.W + q) / sigma2
        )  # fmt: skip

    def variance(self, tau2: Array, sigma2: Array) -> Array:
        M = self.gls(self.m * tau2 / sigma2)[0]
        return np.asarray(sigma2 / self.m * np.linalg.inv(M)[:, 1, 1])


def fit_cells(X: Array, means: Array, within: Array, m: int, alpha: float = 0.05) -> CellFits:
    """The planned model fitted to every replication at once (module docstring)."""
    b = _Batch(X, means, within, m)
    lo = np.full(len(within), math.log(1e-8))
    hi = np.full(len(within), math.log(1e4))
    g = (math.sqrt(5) - 1) / 2
    x1, x2 = hi - g * (hi - lo), lo + g * (hi - lo)
    f1, f2 = b.profiled(np.exp(x1)), b.profiled(np.exp(x2))
    for _ in range(GOLDEN_STEPS):
        left = f1 < f2
        hi = np.where(left, x2, hi)
        lo = np.where(left, lo, x1)
        x1n, x2n = hi - g * (hi - lo), lo + g * (hi - lo)
        x2, x1 = np.where(left, x1, x2n), np.where(left, x1n, x2)
        new = b.profiled(np.exp(np.where(left, x1, x2)))
        f1, f2 = np.where(left, new, f2), np.where(left, f1, new)
    lam = np.exp((lo + hi) / 2)
    lam = np.where(b.profiled(np.zeros_like(lam)) <= b.profiled(lam), 0.0, lam)
    _, beta, q = b.gls(lam)
    sigma2 = (b.W + q) / (b.N - b.p)
    tau2 = lam * sigma2 / m
    v = b.variance(tau2, sigma2)
    theta = np.stack([tau2, sigma2], axis=1)
    h = np.maximum(np.abs(theta) * 1e-4, 1e-7)
    eye = np.eye(2)
    hess = np.zeros((len(v), 2, 2))
    for i in range(2):
        for j in range(2):
            ei, ej = eye[i] * h[:, [i]], eye[j] * h[:, [j]]

            def f(t: Array) -> Array:
                return b.deviance(t[:, 0], t[:, 1])

            hess[:, i, j] = (
                f(theta + ei + ej) - f(theta + ei - ej) - f(theta - ei + ej) + f(theta - ei - ej)
            ) / (4 * h[:, i] * h[:, j])
    grad = np.stack(
        [(b.variance(*(theta + eye[i] * h[:, [i]]).T) - b.variance(*(theta - eye[i] * h[:, [i]]).T))
         / (2 * h[:, i]) for i in range(2)], axis=1,
    )  # fmt: skip
    A = np.linalg.inv(hess / 2)
    df = 2 * v**2 / np.einsum("ri,rij,rj->r", grad, A, grad)
    se = np.sqrt(v)
    p = 2 * sps.t.sf(np.abs(beta[:, 1] / se), df)
    return CellFits(beta[:, 1], se, df, p, tau2, sigma2)


def draw_correlated(
    s: SteppedWedgeSimulation, reps: int, rng: np.random.Generator
) -> tuple[Array, Array]:
    """``reps`` trials with ``s``'s cluster autocorrelation and sampling as cluster-period
    means ``(R, C, T)`` and within-cell sums of squares ``(R,)`` (module docstring)."""
    X = design_cells(s)
    C, T, m = s.clusters, X.shape[1], s.cluster_size
    rho, r, pi = s.icc2, s.cac, s.iac
    base = s.trend * np.arange(T)[None, :] + s.effect * X[:, :, 1]
    if s.decay:
        z = np.empty((reps, C, T))
        z[..., 0] = rng.standard_normal((reps, C))
        for t in range(1, T):
            z[..., t] = r * z[..., t - 1] + math.sqrt(1 - r**2) * rng.standard_normal((reps, C))
        cluster = math.sqrt(rho) * z
    else:
        cluster = math.sqrt(rho * r) * rng.standard_normal((reps, C, 1)) + math.sqrt(
            rho * (1 - r)
        ) * rng.standard_normal((reps, C, T))
    person = math.sqrt((1 - rho) * pi / m) * rng.standard_normal((reps, C, 1)) + math.sqrt(
        (1 - rho) * (1 - pi) / m
    ) * rng.standard_normal((reps, C, T))
    within = (1 - rho) * (
        (T * pi + 1 - pi) * rng.chisquare(C * (m - 1), reps)
        + (1 - pi) * rng.chisquare(C * (m - 1) * (T - 1), reps)
    )
    return base[None] + cluster + person, within


def fit_analysis(
    analysis: Analysis, X: Array, means: Array, within: Array, m: int, alpha: float = 0.05
) -> CellFits:
    """Every replication analysed by ``analysis`` (module docstring)."""
    if analysis == "cluster":
        return fit_cells(X, means, within, m, alpha)
    if analysis == "cluster-period":
        nested = fit_means(X, means, "exchangeable", alpha)
        C, T = X.shape[:2]
        sigma2 = within / (C * T * (m - 1))
        flat = fit_cells(X, means, within, m, alpha)
        inside = nested.a - sigma2 / m > 0
        return CellFits(
            *(np.where(inside, x, y) for x, y in (
                (nested.estimate, flat.estimate), (nested.std_error, flat.std_error),
                (nested.df, flat.df), (nested.p_value, flat.p_value), (nested.b, flat.tau2),
                (sigma2, flat.sigma2),
            ))
        )  # fmt: skip
    fits = fit_means(X, means, "exchangeable" if analysis == "exchangeable" else analysis, alpha)
    nan = np.full_like(fits.estimate, np.nan)
    return CellFits(fits.estimate, fits.std_error, fits.df, fits.p_value, nan, nan)


def _chunk(
    s: SteppedWedgeSimulation, index: int, count: int, seq: np.random.SeedSequence
) -> tuple[int, CellFits]:
    rng = np.random.default_rng(seq)
    if s.hussey_hughes:  # the draws of the first version, so a seed repeats its answer
        means, within = draw_cells(s, count, rng)
    else:
        means, within = draw_correlated(s, count, rng)
    fits = fit_analysis(s.analysis, design_cells(s), means, within, s.cluster_size, s.alpha)
    return index, fits


def _check(s: SteppedWedgeSimulation) -> None:
    if s.cluster_size < 2:
        raise DesignError("cluster_size must be at least 2 people per cluster-period")
    if not 0 < s.icc2 < 1:
        raise DesignError(f"icc2 must be between 0 and 1 (not inclusive), not {s.icc2}")
    if not 0 < s.alpha < 0.5:
        raise DesignError(f"alpha must be between 0 and 0.5, not {s.alpha}")
    if s.sampling not in SAMPLINGS:
        raise DesignError(f"unknown sampling {s.sampling!r}: choose {', '.join(SAMPLINGS)}")
    if not 0 <= s.cac <= 1:
        raise DesignError(f"cac must be between 0 and 1, not {s.cac}")
    if not 0 <= s.iac < 1:
        raise DesignError(f"iac must be at least 0 and below 1, not {s.iac}")
    if s.iac > 0 and s.sampling == "cross-sectional":
        raise DesignError(
            'iac applies to a closed cohort: set sampling = "closed-cohort", or drop iac'
        )
    if s.random_effects is not None:
        check_random_effects(s.random_effects)
    equal_sequences(s.clusters, s.steps)


def simulate_stepped_wedge(
    s: SteppedWedgeSimulation,
    reps: int,
    seed: int,
    runner: Runner | None = None,
    progress: Callable[[int], None] | None = None,
) -> SteppedWedgeSimResult:
    """Simulate ``reps`` trials of ``s`` analysed as planned, from ``seed``."""
    _check(s)
    if reps < 10:
        raise DesignError("simulate at least 10 replications (1,000 or more is usual)")
    done: dict[int, CellFits] = {}
    for index, fits in (runner or current())(_chunk, s, seeded_chunks(reps, CHUNK, seed)):
        done[index] = fits
        if progress is not None:
            progress(len(fits.estimate))
    parts = [done[k] for k in sorted(done)]
    est = np.concatenate([f.estimate for f in parts])
    se = np.concatenate([f.std_error for f in parts])
    df = np.concatenate([f.df for f in parts])
    p = np.concatenate([f.p_value for f in parts])
    half = sps.t.ppf(1 - s.alpha / 2, df) * se
    covered = (est - half <= s.effect) & (s.effect <= est + half)
    power, cover = float(np.mean(p < s.alpha)), float(np.mean(covered))
    n = len(est)
    closed = solve_power(s.closed_form(), s.effect if s.effect > 0 else 1.0)
    return SteppedWedgeSimResult(
        s, n, seed,
        Estimate(power, math.sqrt(power * (1 - power) / n)),
        Estimate(float(est.mean() - s.effect), float(est.std(ddof=1) / math.sqrt(n))),
        Estimate(cover, math.sqrt(cover * (1 - cover) / n)),
        float(se.mean()), float(est.std(ddof=1)), float(df.mean()),
        closed.power if s.effect > 0 else s.alpha, closed.standard_error, s.analysis,
    )  # fmt: skip
