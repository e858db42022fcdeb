"""ICC and R² from an earlier survey wave, to power a new trial.

* **REML**: a random intercept for each team, ``ICC = τ² / (τ² + σ²)``, maximised over the
  one-dimensional profile in ``λ = τ²/σ²`` (see ``_reml``). Written by hand because
  statsmodels' ``MixedLM`` depends on its optimiser here: on one simulated survey BFGS gave
  τ² = 0.21, L-BFGS 0 and Nelder–Mead 0.103 (the truth 0.1). When sites are given (teams
  within fixed sites, as in ``bcra3f2``) the outcome and covariate are centred within sites,
  which removes site differences as fixed effects would; REML's allowance for the ``K - 1``
  site means is then ignored, a negligible bias with dozens of teams.
* **ANOVA** (one-way, teams): ``ρ = (MSB - MSW) / (MSB + (n₀ - 1) MSW)`` with the
  F-based interval of Searle (1971): with ``F = MSB/MSW`` and ``F_lo, F_hi`` the
  ``F(J - 1, N - J)`` quantiles, ``(F/F_hi - 1)/(F/F_hi + n₀ - 1)`` to
  ``(F/F_lo - 1)/(F/F_lo + n₀ - 1)`` (exact for equal team sizes, approximate otherwise),
  truncated to [0, 1).
* **R²** a baseline covariate buys: ``R²₁ = 1 - σ²(with)/σ²(without)`` within teams and
  ``R²₂ = 1 - τ²(with)/τ²(without)`` between teams, from the REML fits with and without it.

A site-level ICC (for whole-site randomisation) needs many sites to estimate and is not
offered here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import optimize
from scipy import stats as sps

from hearten.errors import EstimationError


@dataclass(frozen=True, slots=True)
class IccEstimate:
    """Team-level clustering of an outcome, and what a covariate explains.

    Attributes:
        icc_reml: the REML ICC.
        icc_anova, conf_low, conf_high: the ANOVA ICC and its F-based interval.
        teams, people, avg_team_size: the data's size.
        r2_1, r2_2: R² of the covariate within and between teams (``None`` without one).
        alpha: the interval's level is ``1 - alpha``.
    """

    icc_reml: float
    icc_anova: float
    conf_low: float
    conf_high: float
    teams: int
    people: int
    avg_team_size: float
    r2_1: float | None
    r2_2: float | None
    alpha: float


def _reml(d: pd.DataFrame, with_x: bool) -> tuple[float, float]:
    """REML ``(τ², σ²)`` of ``y = a [+ b x] + u_team + e`` by the profile in ``λ = τ²/σ²``.

    With ``W_j = I - λ/(1 + λ n_j) 11'`` for team ``j``, ``σ̂²(λ) = r'Wr / (N - p)`` and the
    profiled restricted log-likelihood is
    ``-½ [(N - p) log σ̂² + Σ_j log(1 + λ n_j) + log |X'WX|]``, maximised over ``λ ≥ 0``.
    Everything is a sum over teams, so each evaluation costs ``O(J p²)``.
    """
    X = np.column_stack([np.ones(len(d))] + ([d["x"].to_numpy()] if with_x else []))
    y = d["y"].to_numpy()
    codes = pd.factorize(d["team"])[0]
    n_j = np.bincount(codes).astype(float)
    sx = np.zeros((len(n_j), X.shape[1]))
    np.add.at(sx, codes, X)
    sy = np.bincount(codes, weights=y)
    xx, xy, yy = X.T @ X, X.T @ y, float(y @ y)
    N, p = X.shape

    def pieces(lam: float) -> tuple[float, float, float]:
        w = lam / (1 + lam * n_j)
        xwx = xx - (sx * w[:, None]).T @ sx
        xwy = xy - (sx * w[:, None]).T @ sy
        ywy = yy - float(w @ sy**2)
        beta = np.linalg.solve(xwx, xwy)
        sigma2 = (ywy - float(xwy @ beta)) / (N - p)
        logdet = float(np.linalg.slogdet(xwx)[1])
        return sigma2, float(np.sum(np.log1p(lam * n_j))), logdet

    def neg(log_lam: float) -> float:
        sigma2, groups, logdet = pieces(float(np.expm1(log_lam)))
        return float((N - p) * np.log(sigma2) + groups + logdet)

    best = optimize.minimize_scalar(
        neg, bounds=(0.0, np.log1p(1e4)), method="bounded", options={"xatol": 1e-12}
    )
    lam = 0.0 if neg(0.0) <= best.fun else float(np.expm1(best.x))
    sigma2 = pieces(lam)[0]
    return lam * sigma2, sigma2


def estimate_icc(
    outcome: ArrayLike,
    team: ArrayLike,
    site: ArrayLike | None = None,
    covariate: ArrayLike | None = None,
    alpha: float = 0.05,
) -> IccEstimate:
    """Team ICC (REML and ANOVA with interval) and covariate R² (module docstring)."""
    d = pd.DataFrame({"y": np.asarray(outcome, dtype=np.float64), "team": np.asarray(team)})
    if site is not None:
        d["site"] = np.asarray(site).astype(str)
    if covariate is not None:
        d["x"] = np.asarray(covariate, dtype=np.float64)
    d = d.dropna()
    sizes = d.groupby("team")["y"].size()
    N, J = len(d), len(sizes)
    if J < 3 or N - J < 1:
        raise EstimationError("estimating an ICC needs at least 3 teams with people in them")
    means = d.groupby("team")["y"].transform("mean")
    msw = float(((d["y"] - means) ** 2).sum()) / (N - J)
    msb = float((sizes * (d.groupby("team")["y"].mean() - d["y"].mean()) ** 2).sum()) / (J - 1)
    n0 = (N - float((sizes**2).sum()) / N) / (J - 1)
    F = msb / msw
    f_lo = sps.f.ppf(alpha / 2, J - 1, N - J)
    f_hi = sps.f.ppf(1 - alpha / 2, J - 1, N - J)

    def clip(v: float) -> float:
        return float(min(max(v, 0.0), 1.0 - 1e-12))

    anova = clip((msb - msw) / (msb + (n0 - 1) * msw))
    low = clip((F / f_hi - 1) / (F / f_hi + n0 - 1))
    high = clip((F / f_lo - 1) / (F / f_lo + n0 - 1))
    if site is not None:
        for column in [c for c in ("y", "x") if c in d]:
            d[column] = d[column] - d.groupby("site")[column].transform("mean")
    null = _reml(d, with_x=False)
    icc_reml = null[0] / (null[0] + null[1])
    r2_1 = r2_2 = None
    if covariate is not None:
        adjusted = _reml(d, with_x=True)
        r2_1 = max(0.0, 1 - adjusted[1] / null[1])
        r2_2 = max(0.0, 1 - adjusted[0] / null[0]) if null[0] > 0 else None
    return IccEstimate(icc_reml, anova, low, high, J, N, N / J, r2_1, r2_2, alpha)
