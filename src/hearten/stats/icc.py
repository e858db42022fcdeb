"""ICC and R² from an earlier survey wave, to power a new trial.

* **REML**, written by hand (see ``_Reml``) because statsmodels' ``MixedLM`` depends on its
  optimiser here: on one simulated survey BFGS gave τ² = 0.21, L-BFGS 0 and Nelder–Mead
  0.103 (the truth 0.1). The model is ``y = a [+ b x] + u_team [+ v_site] + e``.

  - **Team ICC** ``τ² / (τ² + σ²)`` (``--icc2`` for ``cra2`` and ``bcra3f2``). When sites
    are given (teams within fixed sites, as in ``bcra3f2``) the model has a fixed effect for
    each site, ``y = a_site [+ b x] + u_team + e``, as ``lme4::lmer(y ~ factor(site) +
    (1 | team))``: REML then allows for the site means it estimates. (Centring the outcome
    within sites and fitting one intercept, as Hearten once did, ignores that allowance and
    is badly biased low with few teams a site: 0.083 for 0.146 on the Achievement Awards
    data, about two schools a site.)
  - **Site and team ICCs as shares of the total** ``ω² + τ² + σ²`` (``--icc3`` and
    ``--icc2`` for ``cra3``, where whole sites are randomised), from the three-level model
    with a random intercept for each site. A site ICC rests on the number of sites: with a
    handful its interval is wide, and Hearten reports it so.
  - **Intervals** by profile likelihood (restricted likelihood ratio): the ICCs ``c`` whose
    profiled deviance is within ``χ²₁(1 - alpha)`` of the minimum, the other variance ratio
    re-optimised at each ``c``. Unlike a Wald interval they respect the [0, 1) range and
    the skew of a variance ratio; ``tests/stats/reference/make_icc.R`` checks them against
    lme4's own deviance function.
* **ANOVA** (one-way, teams): ``ρ = (MSB - MSW) / (MSB + (n₀ - 1) MSW)`` with the
  F-based interval of Searle (1971): with ``F = MSB/MSW`` and ``F_lo, F_hi`` the
  ``F(J - 1, N - J)`` quantiles, ``(F/F_hi - 1)/(F/F_hi + n₀ - 1)`` to
  ``(F/F_lo - 1)/(F/F_lo + n₀ - 1)`` (exact for equal team sizes, approximate otherwise),
  truncated to [0, 1).
* **R²** a baseline covariate buys: ``R²₁ = 1 - σ²(with)/σ²(without)`` within teams,
  ``R²₂`` the same for ``τ²`` between teams and ``R²₃`` for ``ω²`` between sites, from the
  REML fits with and without it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import optimize
from scipy import stats as sps

from hearten.errors import EstimationError

#: Variance ratios (a level's variance over the residual's) are searched up to this.
MAX_RATIO = 1e4


@dataclass(frozen=True, slots=True)
class IccEstimate:
    """Clustering of an outcome by team (and site), and what a covariate explains.

    Attributes:
        icc_reml, reml_low, reml_high: the REML team ICC (within sites when sites are
            given) and its profile-likelihood interval.
        icc_anova, anova_low, anova_high: the ANOVA team ICC and its F-based interval.
        teams, people, avg_team_size: the data's size.
        sites: the number of sites, or ``None`` when no site column was given.
        icc2_total, icc3, icc3_low, icc3_high: with sites, the three-level model's team ICC
            and site ICC as shares of the total variance (for whole-site randomisation), the
            latter with its profile-likelihood interval; ``None`` without sites.
        r2_1, r2_2, r2_3: R² of the covariate within teams, between teams and between sites
            (``None`` without a covariate, or without that level's variance). An R² that
            comes out negative (the level's variance larger with the covariate than without,
            which happens by chance with few teams or sites) is reported as 0, and said so
            in ``notes``.
        notes: plain sentences about what was adjusted (a negative R² set to 0).
        total_variance: ``τ² + σ²`` of the REML team model without the covariate (within
            sites when sites are given): the denominator of an effect size on the total
            variance, as the Education Endowment Foundation reports it.
        alpha: the intervals' level is ``1 - alpha``.
    """

    icc_reml: float
    reml_low: float
    reml_high: float
    icc_anova: float
    anova_low: float
    anova_high: float
    teams: int
    people: int
    avg_team_size: float
    sites: int | None
    icc2_total: float | None
    icc3: float | None
    icc3_low: float | None
    icc3_high: float | None
    r2_1: float | None
    r2_2: float | None
    r2_3: float | None
    alpha: float
    notes: tuple[str, ...] = ()
    total_variance: float | None = None


class _Reml:
    """The profiled restricted deviance of ``y = Xβ + u_team [+ v_site] + e``.

    With ``λ₂ = τ²/σ²`` and ``λ₃ = ω²/σ²``, site ``k``'s covariance is ``σ² V_k``,
    ``V_k = A_k + λ₃ 11'`` and ``A_k = I + λ₂ Σ_j 1_j 1_j'``. Then
    ``A_k⁻¹ = I - Σ_j λ₂/(1 + λ₂ n_j) 1_j 1_j'``, ``A_k⁻¹1 = 1/(1 + λ₂ n_j)`` on team ``j``,
    ``V_k⁻¹ = A_k⁻¹ - d_k A_k⁻¹11'A_k⁻¹`` with ``d_k = λ₃/(1 + λ₃ s_k)`` and
    ``s_k = Σ_j n_j/(1 + λ₂ n_j)``, and
    ``log|V_k| = Σ_j log(1 + λ₂ n_j) + log(1 + λ₃ s_k)``. So ``X'V⁻¹X``, ``X'V⁻¹y`` and
    ``y'V⁻¹y`` are sums over teams and sites, and the deviance
    ``(N - p) log σ̂² + log|V| + log|X'V⁻¹X|`` with ``σ̂² = r'V⁻¹r / (N - p)`` costs
    ``O(J p²)`` to evaluate. Without sites ``λ₃`` is 0.
    """

    def __init__(
        self, d: pd.DataFrame, with_x: bool, site_random: bool, site_fixed: bool = False
    ) -> None:
        if site_fixed:  # one mean per site in place of the intercept
            codes = pd.factorize(d["site"])[0]
            means = np.eye(int(codes.max()) + 1)[codes]
        else:
            means = np.ones((len(d), 1))
        X = np.column_stack([means] + ([d["x"].to_numpy()] if with_x else []))
        y = d["y"].to_numpy()
        team = pd.factorize(d["team"])[0]
        self.n_j = np.bincount(team).astype(float)
        self.sx = np.zeros((len(self.n_j), X.shape[1]))
        np.add.at(self.sx, team, X)
        self.sy = np.bincount(team, weights=y)
        site_of_team = np.zeros(len(self.n_j), dtype=np.int64)
        if site_random:
            site_of_team[team] = pd.factorize(d["site"])[0]
        self.site = site_of_team
        self.site_random = site_random
        self.xx, self.xy, self.yy = X.T @ X, X.T @ y, float(y @ y)
        self.N, self.p = X.shape

    def pieces(self, lam2: float, lam3: float) -> tuple[float, float]:
        """``σ̂²`` and the deviance at ``(λ₂, λ₃)``."""
        one = 1 + lam2 * self.n_j
        c = lam2 / one
        xwx = self.xx - (self.sx * c[:, None]).T @ self.sx
        xwy = self.xy - (self.sx * c[:, None]).T @ self.sy
        ywy = self.yy - float(c @ self.sy**2)
        logdet = float(np.sum(np.log(one)))
        if self.site_random and lam3 > 0:
            K = int(self.site.max()) + 1
            s = np.bincount(self.site, weights=self.n_j / one, minlength=K)
            ax = np.zeros((K, self.p))
            np.add.at(ax, self.site, self.sx / one[:, None])
            ay = np.bincount(self.site, weights=self.sy / one, minlength=K)
            dk = lam3 / (1 + lam3 * s)
            xwx = xwx - (ax * dk[:, None]).T @ ax
            xwy = xwy - (ax * dk[:, None]).T @ ay
            ywy -= float(dk @ ay**2)
            logdet += float(np.sum(np.log1p(lam3 * s)))
        beta = np.linalg.solve(xwx, xwy)
        sigma2 = (ywy - float(xwy @ beta)) / (self.N - self.p)
        deviance = (self.N - self.p) * np.log(sigma2) + logdet + np.linalg.slogdet(xwx)[1]
        return float(sigma2), float(deviance)

    def at_iccs(self, rho2: float, rho3: float) -> float:
        """The deviance at team and site ICCs (shares of the total variance)."""
        rest = max(1 - rho2 - rho3, 1.0 / MAX_RATIO)
        return self.pieces(rho2 / rest, rho3 / rest)[1]


def _minimise(f: Callable[[float], float], high: float) -> tuple[float, float]:
    """``(argmin, min)`` of ``f`` on ``[0, high]``, the boundary ``0`` included."""
    best = optimize.minimize_scalar(
        f, bounds=(0.0, high), method="bounded", options={"xatol": 1e-10}
    )
    at_zero = f(0.0)
    return (0.0, at_zero) if at_zero <= best.fun else (float(best.x), float(best.fun))


def _interval(
    deviance: Callable[[float], float], estimate: float, minimum: float, high: float, alpha: float
) -> tuple[float, float]:
    """The values in ``[0, high]`` whose deviance is within ``χ²₁(1 - alpha)`` of the minimum."""
    crit = float(sps.chi2.ppf(1 - alpha, 1))

    def excess(v: float) -> float:
        return deviance(v) - minimum - crit

    low = 0.0 if excess(0.0) <= 0 else optimize.brentq(excess, 0.0, estimate, xtol=1e-10)
    up = high if excess(high) <= 0 else optimize.brentq(excess, estimate, high, xtol=1e-10)
    return float(low), float(up)


def _two_level(
    d: pd.DataFrame, with_x: bool, alpha: float, site_fixed: bool
) -> tuple[float, float, float, float]:
    """Team ICC, its interval, and ``σ²`` of the two-level model (site fixed effects if
    ``site_fixed``)."""
    reml = _Reml(d, with_x, site_random=False, site_fixed=site_fixed)
    top = MAX_RATIO / (1 + MAX_RATIO)

    def deviance(rho: float) -> float:
        return reml.at_iccs(rho, 0.0)

    rho, minimum = _minimise(deviance, top)
    low, high = _interval(deviance, rho, minimum, top, alpha)
    lam = rho / (1 - rho)
    return rho, low, high, reml.pieces(lam, 0.0)[0]


def _three_level(
    d: pd.DataFrame, with_x: bool, alpha: float
) -> tuple[float, float, float, float, float]:
    """Team and site ICCs (shares of the total), the site ICC's interval, and ``σ²``."""
    reml = _Reml(d, with_x, site_random=True)
    top = MAX_RATIO / (1 + MAX_RATIO)

    def profile(rho3: float) -> tuple[float, float]:
        return _minimise(lambda rho2: reml.at_iccs(rho2, rho3), top - rho3)

    rho3, minimum = _minimise(lambda r: profile(r)[1], top)
    rho2 = profile(rho3)[0]
    low, high = _interval(lambda r: profile(r)[1], rho3, minimum, top, alpha)
    rest = 1 - rho2 - rho3
    return rho2, rho3, low, high, reml.pieces(rho2 / rest, rho3 / rest)[0]


def _anova(d: pd.DataFrame, alpha: float) -> tuple[float, float, float]:
    sizes = d.groupby("team")["y"].size()
    N, J = len(d), len(sizes)
    means = d.groupby("team")["y"].transform("mean")
    msw = float(((d["y"] - means) ** 2).sum()) / (N - J)
    msb = float((sizes * (d.groupby("team")["y"].mean() - d["y"].mean()) ** 2).sum()) / (J - 1)
    n0 = (N - float((sizes**2).sum()) / N) / (J - 1)
    F = msb / msw
    f_lo = sps.f.ppf(alpha / 2, J - 1, N - J)
    f_hi = sps.f.ppf(1 - alpha / 2, J - 1, N - J)

    def clip(v: float) -> float:
        return float(min(max(v, 0.0), 1.0 - 1e-12))

    return (
        clip((msb - msw) / (msb + (n0 - 1) * msw)),
        clip((F / f_hi - 1) / (F / f_hi + n0 - 1)),
        clip((F / f_lo - 1) / (F / f_lo + n0 - 1)),
    )


def _share(with_x: float, without: float) -> float | None:
    return 1 - with_x / without if without > 0 else None


def _floored(r2: dict[str, float | None]) -> tuple[dict[str, float | None], tuple[str, ...]]:
    """Each R² floored at 0, with a sentence for each that was negative."""
    levels = {"r2_1": "within teams", "r2_2": "between teams", "r2_3": "between sites"}
    notes = tuple(
        f"the covariate's R² {levels[k]} came out negative ({v:.3f}: that variance was larger "
        "with the covariate than without, by chance); it is reported as 0"
        for k, v in r2.items()
        if v is not None and v < 0
    )
    return {k: None if v is None else max(0.0, v) for k, v in r2.items()}, notes


def estimate_icc(
    outcome: ArrayLike,
    team: ArrayLike,
    site: ArrayLike | None = None,
    covariate: ArrayLike | None = None,
    alpha: float = 0.05,
) -> IccEstimate:
    """Team (and site) ICCs with intervals, and a covariate's R² (module docstring)."""
    d = pd.DataFrame({"y": np.asarray(outcome, dtype=np.float64), "team": np.asarray(team)})
    if site is not None:
        d["site"] = np.asarray(site).astype(str)
    if covariate is not None:
        d["x"] = np.asarray(covariate, dtype=np.float64)
    d = d.dropna()
    N, J = len(d), int(d["team"].nunique())
    if J < 3 or N - J < 1:
        raise EstimationError("estimating an ICC needs at least 3 teams with people in them")
    anova = _anova(d, alpha)
    K: int | None = None
    three: tuple[float, float, float, float, float] | None = None
    if site is not None:
        split = d.groupby("team")["site"].nunique()
        if (split > 1).any():
            raise EstimationError(
                f"team {split[split > 1].index[0]!r} is in more than one site: each team "
                "must belong to one site (check the site and team columns)"
            )
        K = int(d["site"].nunique())
        if K >= 3:
            three = _three_level(d, False, alpha)
    if K is not None and J - K < 2:
        raise EstimationError(
            f"{J} teams in {K} sites leave too few teams to estimate the team ICC within "
            "sites: it needs at least two more teams than sites"
        )
    rho, low, high, sigma2 = _two_level(d, False, alpha, site is not None)
    r2_1 = r2_2 = r2_3 = None
    if covariate is not None:
        rho_x, _, _, sigma2_x = _two_level(d, True, alpha, site is not None)
        r2_1 = _share(sigma2_x, sigma2)
        r2_2 = _share(rho_x / (1 - rho_x) * sigma2_x, rho / (1 - rho) * sigma2)
        if three is not None:
            t2, t3, _, _, s_x = _three_level(d, True, alpha)
            omega = three[1] / (1 - three[0] - three[1]) * three[4]
            r2_3 = _share(t3 / (1 - t2 - t3) * s_x, omega)
    r2, notes = _floored({"r2_1": r2_1, "r2_2": r2_2, "r2_3": r2_3})
    return IccEstimate(
        icc_reml=rho,
        reml_low=low,
        reml_high=high,
        icc_anova=anova[0],
        anova_low=anova[1],
        anova_high=anova[2],
        teams=J,
        people=N,
        avg_team_size=N / J,
        sites=K,
        icc2_total=None if three is None else three[0],
        icc3=None if three is None else three[1],
        icc3_low=None if three is None else three[2],
        icc3_high=None if three is None else three[3],
        r2_1=r2["r2_1"],
        r2_2=r2["r2_2"],
        r2_3=r2["r2_3"],
        alpha=alpha,
        notes=notes,
        total_variance=sigma2 / (1 - rho),
    )
