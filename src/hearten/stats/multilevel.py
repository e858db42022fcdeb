"""The multilevel-model estimate of a cluster trial: random team intercepts, fixed strata.

A pre-specifiable sensitivity analysis beside the CR2 estimate, as Education Endowment
Foundation and What Works evaluators expect: ``y = Xβ + u_team + e`` with ``u ~ N(0, τ²)``
and ``e ~ N(0, σ²)``, fitted by REML, the treatment coefficient tested with Satterthwaite's
degrees of freedom, as ``lmerTest::lmer`` reports it.

Written by hand (as :mod:`hearten.stats.icc`, whose note explains why statsmodels' ``MixedLM``
is not used): with ``λ = τ²/σ²`` and team sizes ``n_j``, ``V = I + λ Σ_j 1_j 1_j'`` has
``V⁻¹ = I - Σ_j λ/(1 + λ n_j) 1_j 1_j'``, so ``X'V⁻¹X``, ``X'V⁻¹y`` and ``y'V⁻¹y`` are team
sums. REML maximises over ``λ`` the profiled restricted likelihood; then
``β̂ = (X'V⁻¹X)⁻¹ X'V⁻¹y`` and ``cov(β̂) = σ̂² (X'V⁻¹X)⁻¹``.

Satterthwaite (as lmerTest, Kuznetsova et al. 2017): for a coefficient ``j`` with variance
``v(τ², σ²) = [cov(β̂)]_jj``, ``df = 2 v² / (∇v' A ∇v)`` with ``A`` the inverse of half the
Hessian of the restricted deviance ``-2 ℓ_R(τ², σ²)``, both derivatives by central
differences at the estimate (lmerTest differentiates numerically too). The df does not depend
on how the variances are parametrised, so it matches lmerTest's, which works in lme4's own
parameters.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy import optimize
from scipy import stats as sps

from hearten.errors import EstimationError


@dataclass(frozen=True, slots=True)
class MultilevelFit:
    """A random-intercept model's fixed effects.

    Attributes:
        names, coef, std_error: every fixed coefficient, its REML estimate and model-based SE.
        df: Satterthwaite degrees of freedom of each coefficient.
        p_value: two-sided t tests on those df.
        tau2, sigma2: the team and residual variances.
        teams, n: the data's size.
    """

    names: tuple[str, ...]
    coef: tuple[float, ...]
    std_error: tuple[float, ...]
    df: tuple[float, ...]
    p_value: tuple[float, ...]
    tau2: float
    sigma2: float
    teams: int
    n: int


class _Sums:
    """Team sums of ``X`` and ``y``: everything the restricted likelihood needs."""

    def __init__(self, X: NDArray[np.float64], y: NDArray[np.float64], team: ArrayLike) -> None:
        codes = pd.factorize(pd.Series(np.asarray(team)))[0]
        self.n_j = np.bincount(codes).astype(float)
        self.sx = np.zeros((len(self.n_j), X.shape[1]))
        np.add.at(self.sx, codes, X)
        self.sy = np.bincount(codes, weights=y)
        self.xx, self.xy, self.yy = X.T @ X, X.T @ y, float(y @ y)
        self.N, self.p = X.shape

    def gls(self, lam: float) -> tuple[NDArray[np.float64], NDArray[np.float64], float, float]:
        """``X'V⁻¹X``, ``β̂``, the residual quadratic form ``r'V⁻¹r`` and ``log|V|``."""
        c = lam / (1 + lam * self.n_j)
        xwx = self.xx - (self.sx * c[:, None]).T @ self.sx
        xwy = self.xy - (self.sx * c[:, None]).T @ self.sy
        ywy = self.yy - float(c @ self.sy**2)
        beta = np.asarray(np.linalg.solve(xwx, xwy), dtype=np.float64)
        return xwx, beta, ywy - float(xwy @ beta), float(np.sum(np.log1p(lam * self.n_j)))

    def profiled(self, lam: float) -> float:
        """The restricted deviance with ``σ²`` profiled out."""
        xwx, _, q, logdet = self.gls(lam)
        sign_free = float(np.linalg.slogdet(xwx)[1])
        return float((self.N - self.p) * np.log(q / (self.N - self.p))) + logdet + sign_free

    def deviance(self, tau2: float, sigma2: float) -> float:
        """The restricted deviance ``-2 ℓ_R`` (up to a constant) at ``(τ², σ²)``."""
        xwx, _, q, logdet = self.gls(tau2 / sigma2)
        return float(
            (self.N - self.p) * np.log(sigma2) + logdet + np.linalg.slogdet(xwx)[1] + q / sigma2
        )

    def cov(self, tau2: float, sigma2: float) -> NDArray[np.float64]:
        xwx = self.gls(tau2 / sigma2)[0]
        return np.asarray(sigma2 * np.linalg.inv(xwx), dtype=np.float64)


def fit_random_intercepts(
    y: ArrayLike, X: ArrayLike, names: list[str], team: ArrayLike
) -> MultilevelFit:
    """REML fit of ``y = Xβ + u_team + e`` with Satterthwaite df (module docstring)."""
    yv = np.asarray(y, dtype=np.float64)
    Xm = np.asarray(X, dtype=np.float64)
    sums = _Sums(Xm, yv, team)
    if len(sums.n_j) < 3:
        raise EstimationError("a multilevel model needs at least 3 teams")
    best = optimize.minimize_scalar(
        lambda s: sums.profiled(float(np.exp(s))),
        bounds=(np.log(1e-8), np.log(1e4)),
        method="bounded",
        options={"xatol": 1e-10},
    )
    lam = float(np.exp(best.x))
    if sums.profiled(0.0) <= best.fun:
        lam = 0.0
    _, beta, q, _ = sums.gls(lam)
    sigma2 = q / (sums.N - sums.p)
    tau2 = lam * sigma2
    cov = sums.cov(tau2, sigma2)
    theta = np.array([tau2, sigma2])
    h = np.maximum(np.abs(theta) * 1e-4, 1e-7)
    if tau2 <= h[0]:  # on the boundary the df of a between-team contrast is not defined
        raise EstimationError(
            "the team variance is estimated at zero: the multilevel model reduces to OLS"
        )

    def f(t: NDArray[np.float64]) -> float:
        return sums.deviance(float(t[0]), float(t[1]))

    hess = np.zeros((2, 2))
    for i in range(2):
        for j in range(2):
            ei, ej = np.eye(2)[i] * h[i], np.eye(2)[j] * h[j]
            hess[i, j] = (
                f(theta + ei + ej) - f(theta + ei - ej) - f(theta - ei + ej) + f(theta - ei - ej)
            ) / (4 * h[i] * h[j])
    A = np.linalg.inv(hess / 2)
    df = []
    for k in range(sums.p):
        grad = np.array(
            [
                (
                    sums.cov(*(theta + np.eye(2)[i] * h[i]))[k, k]
                    - sums.cov(*(theta - np.eye(2)[i] * h[i]))[k, k]
                )
                / (2 * h[i])
                for i in range(2)
            ]
        )
        df.append(float(2 * cov[k, k] ** 2 / (grad @ A @ grad)))
    se = np.sqrt(np.diag(cov))
    p = [float(2 * sps.t.sf(abs(b / s), d)) for b, s, d in zip(beta, se, df, strict=True)]
    return MultilevelFit(
        names=tuple(names),
        coef=tuple(float(b) for b in beta),
        std_error=tuple(float(s) for s in se),
        df=tuple(df),
        p_value=tuple(p),
        tau2=float(tau2),
        sigma2=float(sigma2),
        teams=len(sums.n_j),
        n=int(sums.N),
    )
