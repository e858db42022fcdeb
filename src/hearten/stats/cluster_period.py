"""Linear mixed models with random cluster intercepts and, optionally, random
cluster-by-period intercepts nested in them, with Satterthwaite df for any contrast:

    ``y = Xβ + u_cluster + v_cluster,period + e``,  ``u ~ N(0, τ²)``, ``v ~ N(0, γ²)``,
    ``e ~ N(0, σ²)``,

as ``lmerTest::lmer(y ~ ... + (1 | cluster) + (1 | cluster:period))`` fits it (Hooper et al.
2016 and Girling and Hemming 2016 call ``γ²`` the cluster-period variance; it lets the
correlation between two periods of a cluster be below that within a period). Without the
cluster-period term it is the random-intercept model of :mod:`hearten.stats.multilevel`.

Written by hand for the same reason as that module (statsmodels' ``MixedLM`` gives neither
REML Satterthwaite df nor contrasts of them). With ``λ_u = τ²/σ²``, ``λ_v = γ²/σ²`` and a
cell (cluster-period) of ``n_c`` people, ``M = V/σ²`` is inverted by Woodbury twice: within a
cell ``W = I - Σ_c λ_v/(1 + λ_v n_c) 1_c 1_c'``, then within a cluster
``M⁻¹ = W - Σ_i k_i (W1_i)(W1_i)'`` with ``d_i = Σ_c n_c/(1 + λ_v n_c)`` and
``k_i = λ_u/(1 + λ_u d_i)``; so ``X'M⁻¹X``, ``X'M⁻¹y``, ``y'M⁻¹y`` and
``log|M| = Σ_c log(1 + λ_v n_c) + Σ_i log(1 + λ_u d_i)`` are sums over cells and clusters.
REML minimises the restricted deviance with ``σ²`` profiled out over ``λ ≥ 0``.

Satterthwaite (Kuznetsova et al. 2017, as lmerTest): for a contrast ``L'β`` with variance
``v(θ)``, ``df = 2 v² / (∇v' A ∇v)``, ``A`` the inverse of half the Hessian of the restricted
deviance in ``θ = (τ², [γ²,] σ²)``, both by central differences. A variance estimated at zero
(the boundary) leaves the df undefined; the fit then refuses, naming the variance.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy import optimize
from scipy import stats as sps

from hearten.errors import EstimationError


@dataclass(frozen=True, slots=True)
class Contrast:
    """One contrast ``L'β``: its ``name``, REML estimate, model-based SE, Satterthwaite
    ``df``, two-sided ``p_value`` and ``conf_low``/``conf_high`` at ``alpha``."""

    name: str
    estimate: float
    std_error: float
    df: float
    p_value: float
    conf_low: float
    conf_high: float
    alpha: float


@dataclass(frozen=True, slots=True)
class NestedFit:
    """A REML fit: the requested ``contrasts``; the cluster (``tau2``), cluster-period
    (``gamma2``, ``None`` when the model has no such term) and residual (``sigma2``)
    variances; the clusters, cells (cluster-periods) and observations analysed."""

    contrasts: tuple[Contrast, ...]
    tau2: float
    gamma2: float | None
    sigma2: float
    clusters: int
    cells: int
    n: int


class _Sums:
    """Cell and cluster sums of ``X`` and ``y``: all the restricted likelihood needs."""

    def __init__(
        self, X: NDArray[np.float64], y: NDArray[np.float64], cluster: ArrayLike, cell: ArrayLike
    ) -> None:
        cells = pd.factorize(pd.Series(np.asarray(cell)))[0]
        clusters = pd.factorize(pd.Series(np.asarray(cluster)))[0]
        self.n_c = np.bincount(cells).astype(float)
        self.sx = np.zeros((len(self.n_c), X.shape[1]))
        np.add.at(self.sx, cells, X)
        self.sy = np.bincount(cells, weights=y)
        owner = np.zeros(len(self.n_c), dtype=np.int64)
        owner[cells] = clusters
        self.owner = owner
        self.k = int(clusters.max()) + 1
        self.xx, self.xy, self.yy = X.T @ X, X.T @ y, float(y @ y)
        self.N, self.p = X.shape

    def gls(
        self, lu: float, lv: float
    ) -> tuple[NDArray[np.float64], NDArray[np.float64], float, float]:
        """``X'M⁻¹X``, ``β̂``, ``r'M⁻¹r`` and ``log|M|`` at ``λ_u``, ``λ_v``."""
        c = lv / (1 + lv * self.n_c)
        w = 1 / (1 + lv * self.n_c)
        xwx = self.xx - (self.sx * c[:, None]).T @ self.sx
        xwy = self.xy - (self.sx * c[:, None]).T @ self.sy
        ywy = self.yy - float(c @ self.sy**2)
        a = np.zeros((self.k, self.p))
        np.add.at(a, self.owner, self.sx * w[:, None])
        b = np.bincount(self.owner, weights=self.sy * w, minlength=self.k)
        d = np.bincount(self.owner, weights=self.n_c * w, minlength=self.k)
        kk = lu / (1 + lu * d)
        xmx = xwx - (a * kk[:, None]).T @ a
        xmy = xwy - (a * kk[:, None]).T @ b
        ymy = ywy - float(kk @ b**2)
        beta = np.asarray(np.linalg.solve(xmx, xmy), dtype=np.float64)
        logdet = float(np.sum(np.log1p(lv * self.n_c)) + np.sum(np.log1p(lu * d)))
        return xmx, beta, ymy - float(xmy @ beta), logdet

    def profiled(self, lu: float, lv: float) -> float:
        """The restricted deviance with ``σ²`` profiled out."""
        xmx, _, q, logdet = self.gls(lu, lv)
        free = float(np.linalg.slogdet(xmx)[1])
        return float((self.N - self.p) * np.log(q / (self.N - self.p))) + logdet + free

    def deviance(self, tau2: float, gamma2: float, sigma2: float) -> float:
        """The restricted deviance ``-2 ℓ_R`` (up to a constant)."""
        xmx, _, q, logdet = self.gls(tau2 / sigma2, gamma2 / sigma2)
        return float(
            (self.N - self.p) * np.log(sigma2) + logdet + np.linalg.slogdet(xmx)[1] + q / sigma2
        )

    def cov(self, tau2: float, gamma2: float, sigma2: float) -> NDArray[np.float64]:
        xmx = self.gls(tau2 / sigma2, gamma2 / sigma2)[0]
        return np.asarray(sigma2 * np.linalg.inv(xmx), dtype=np.float64)


def _optimum(sums: _Sums, nested: bool) -> tuple[float, float]:
    """REML's ``(λ_u, λ_v)`` (``λ_v = 0`` without the cluster-period term)."""
    if not nested:
        best = optimize.minimize_scalar(
            lambda s: sums.profiled(float(np.exp(s)), 0.0),
            bounds=(np.log(1e-8), np.log(1e4)),
            method="bounded",
            options={"xatol": 1e-11},
        )
        lu = float(np.exp(best.x))
        return (0.0, 0.0) if sums.profiled(0.0, 0.0) <= best.fun else (lu, 0.0)
    best = None
    for start in ((0.1, 0.1), (1.0, 0.01), (0.01, 1.0)):
        found = optimize.minimize(
            lambda t: sums.profiled(float(np.exp(t[0])), float(np.exp(t[1]))),
            np.log(start),
            method="Nelder-Mead",
            options={"xatol": 1e-10, "fatol": 1e-13, "maxiter": 4000},
        )
        if best is None or found.fun < best.fun:
            best = found
    assert best is not None
    return float(np.exp(best.x[0])), float(np.exp(best.x[1]))


def fit_nested(
    y: ArrayLike,
    X: ArrayLike,
    cluster: ArrayLike,
    cell: ArrayLike | None,
    contrasts: Sequence[tuple[str, ArrayLike]],
    alpha: float = 0.05,
) -> NestedFit:
    """REML fit of ``y = Xβ + u_cluster [+ v_cell] + e`` and each named contrast ``L'β``
    with Satterthwaite df. ``cell`` labels the cluster-periods (each within one cluster);
    ``None`` fits random cluster intercepts only."""
    yv = np.asarray(y, dtype=np.float64)
    Xm = np.asarray(X, dtype=np.float64)
    nested = cell is not None
    sums = _Sums(Xm, yv, cluster, cluster if cell is None else cell)
    if sums.k < 3:
        raise EstimationError("a mixed model needs at least 3 clusters")
    lu, lv = _optimum(sums, nested)
    _, beta, q, _ = sums.gls(lu, lv)
    sigma2 = q / (sums.N - sums.p)
    theta = (
        np.array([lu * sigma2, lv * sigma2, sigma2]) if nested else np.array([lu * sigma2, sigma2])
    )
    h = np.maximum(np.abs(theta) * 1e-4, 1e-7)
    for value, step, what in zip(theta[:-1], h[:-1], ("cluster", "cluster-period"), strict=False):
        if value <= step:
            raise EstimationError(
                f"the {what} variance is estimated at zero (a boundary fit): drop that random "
                "effect from the model"
            )

    def full(t: NDArray[np.float64]) -> tuple[float, float, float]:
        return (
            (float(t[0]), float(t[1]), float(t[2])) if nested else (float(t[0]), 0.0, float(t[1]))
        )

    m = len(theta)
    eye = np.eye(m)
    hess = np.zeros((m, m))
    for i in range(m):
        for j in range(m):
            ei, ej = eye[i] * h[i], eye[j] * h[j]
            hess[i, j] = (
                sums.deviance(*full(theta + ei + ej)) - sums.deviance(*full(theta + ei - ej))
                - sums.deviance(*full(theta - ei + ej)) + sums.deviance(*full(theta - ei - ej))
            ) / (4 * h[i] * h[j])  # fmt: skip
    A = np.linalg.inv(hess / 2)
    cov = sums.cov(*full(theta))
    up = [sums.cov(*full(theta + eye[i] * h[i])) for i in range(m)]
    down = [sums.cov(*full(theta - eye[i] * h[i])) for i in range(m)]
    out = []
    for name, weights in contrasts:
        L = np.asarray(weights, dtype=np.float64)
        v = float(L @ cov @ L)
        grad = np.array([(L @ up[i] @ L - L @ down[i] @ L) / (2 * h[i]) for i in range(m)])
        df = float(2 * v**2 / (grad @ A @ grad))
        est, se = float(L @ beta), float(np.sqrt(v))
        half = float(sps.t.ppf(1 - alpha / 2, df)) * se
        p = float(2 * sps.t.sf(abs(est / se), df))
        out.append(Contrast(name, est, se, df, p, est - half, est + half, alpha))
    return NestedFit(
        tuple(out), float(theta[0]), float(theta[1]) if nested else None, float(sigma2),
        sums.k, len(sums.n_c), int(sums.N),
    )  # fmt: skip
