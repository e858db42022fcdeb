"""Costs and cost-effectiveness: prices in one year, discounting, and the uncertainty of an
incremental cost-effectiveness ratio from a cluster bootstrap of costs and effects together.

* **Price year.** ``to_price_year`` moves an amount from the year it was priced in to the
  report's price year with a price index (e.g. HM Treasury's GDP deflator, which the Magenta
  Book recommends): ``amount × index[to] / index[from]``.
* **Discounting.** ``present_value`` discounts a cost in year ``t`` of the trial (``t = 0``
  the first year, undiscounted) by ``(1 + r)^t``; the Green Book's rate is 3.5% a year.
* **The bootstrap.** ``cost_effect_bootstrap`` resamples whole clusters with replacement
  within each stratum and arm (as they were randomised), keeping each person's cost and
  outcome together, so the draws of incremental cost and incremental effect carry their
  correlation. Each draw's difference in mean cost is over everyone randomised (cost is
  intention-to-treat: an arm paid for everyone offered it) and the difference in mean
  outcome over those with an outcome. It is written by hand because no maintained Python
  library offers a stratified cluster bootstrap of a pair of statistics; it is vectorised as
  cluster weights (how many times each cluster was drawn), so it never copies the data.
* **ICER and its quadrant.** ``icer`` gives ``Δcost / Δeffect`` and names the quadrant of the
  cost-effectiveness plane: a ratio is only meaningful when the intervention costs more and
  does more (or saves money and does less).
* **Acceptability.** ``acceptability`` is the share of draws whose net monetary benefit
  ``λ Δeffect − Δcost`` is positive at each willingness to pay ``λ`` (the CEAC).
* **One-way sensitivity.** ``one_way`` re-computes a result with each input at its low and
  high value in turn, the others at their base values, widest swing first (a tornado table).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from hearten.errors import DataError, EstimationError

#: The Green Book's discount rate for costs (3.5% a year for the first 30 years).
GREEN_BOOK_RATE = 0.035


def to_price_year(
    amount: float, priced_in: str, price_year: str, index: Mapping[str, float]
) -> float:
    """``amount`` priced in ``priced_in`` expressed in ``price_year``'s prices."""
    for year in (priced_in, price_year):
        if year not in index:
            have = ", ".join(sorted(index)) or "none"
            raise DataError(
                f"the price index has no value for {year} (it has: {have}); add it to the index"
            )
        if index[year] <= 0:
            raise DataError(f"the price index for {year} must be positive")
    return amount * index[price_year] / index[priced_in]


def present_value(amounts: ArrayLike, years: ArrayLike, rate: float = GREEN_BOOK_RATE) -> float:
    """The present value of ``amounts`` spent in ``years`` (0 = the first year) at ``rate``."""
    a, t = np.asarray(amounts, dtype=float), np.asarray(years, dtype=float)
    if a.shape != t.shape:
        raise DataError("give one year for every amount")
    if rate < 0 or rate >= 1:
        raise DataError(f"a discount rate is a share of a year, between 0 and 1 (got {rate})")
    if (t < 0).any():
        raise DataError("years count from 0 (the first year of the trial)")
    return float((a / (1.0 + rate) ** t).sum())


@dataclass(frozen=True, slots=True)
class Icer:
    """An incremental cost-effectiveness ratio and where it sits on the plane.

    Attributes:
        delta_cost, delta_effect: the intervention's extra cost and extra effect.
        ratio: ``delta_cost / delta_effect`` when both are positive (the intervention costs
            more and does more) or both negative; ``None`` otherwise.
        quadrant: ``"more effective, costs more"``, ``"dominant"`` (does more, costs
            less), ``"dominated"`` (does less, costs more) or ``"less effective, saves"``;
            ``"no difference in effect"`` when ``delta_effect`` is 0.
    """

    delta_cost: float
    delta_effect: float
    ratio: float | None
    quadrant: str


def icer(delta_cost: float, delta_effect: float) -> Icer:
    """The ICER of ``delta_cost`` for ``delta_effect`` (higher effect is better)."""
    if delta_effect == 0:
        return Icer(delta_cost, delta_effect, None, "no difference in effect")
    if delta_effect > 0:
        if delta_cost > 0:
            return Icer(delta_cost, delta_effect, delta_cost / delta_effect,
                        "more effective, costs more")  # fmt: skip
        return Icer(delta_cost, delta_effect, None, "dominant")
    if delta_cost >= 0:
        return Icer(delta_cost, delta_effect, None, "dominated")
    return Icer(delta_cost, delta_effect, delta_cost / delta_effect, "less effective, saves")


@dataclass(frozen=True, slots=True)
class CostEffect:
    """Incremental cost and effect with their joint bootstrap distribution.

    Attributes:
        delta_cost, delta_effect: the differences in mean cost per person randomised and in
            mean outcome (intervention minus comparator) in the data.
        cost_draws, effect_draws: the same differences in each bootstrap draw.
        cost_low, cost_high, effect_low, effect_high: percentile intervals at ``level``.
        correlation: the correlation of the cost and effect draws.
        clusters: clusters in each arm (comparator, intervention).
        reps, seed, level: the bootstrap's size, seed and interval level.
    """

    delta_cost: float
    delta_effect: float
    cost_draws: NDArray[np.float64]
    effect_draws: NDArray[np.float64]
    cost_low: float
    cost_high: float
    effect_low: float
    effect_high: float
    correlation: float
    clusters: tuple[int, int]
    reps: int
    seed: int
    level: float


def _codes(values: ArrayLike) -> NDArray[np.int64]:
    _, codes = np.unique(np.asarray(values).astype(str), return_inverse=True)
    return codes.astype(np.int64)


def _cluster_weights(
    arm_of: NDArray[np.int64], g: NDArray[np.int64], s: NDArray[np.int64], reps: int, seed: int
) -> NDArray[np.float64]:
    """``(reps, clusters)``: how many times each cluster is drawn, drawing with replacement
    within each arm-by-stratum cell as many clusters as it has."""
    stratum_of = np.zeros(len(arm_of), dtype=np.int64)
    stratum_of[g] = s
    rng = np.random.default_rng(seed)
    weights = np.zeros((reps, len(arm_of)))
    for cell in sorted({(int(a), int(b)) for a, b in zip(arm_of, stratum_of, strict=True)}):
        members = np.flatnonzero((arm_of == cell[0]) & (stratum_of == cell[1]))
        picks = rng.integers(0, len(members), size=(reps, len(members)))
        counts = np.zeros((reps, len(members)))
        np.add.at(counts, (np.repeat(np.arange(reps), len(members)), picks.ravel()), 1.0)
        weights[:, members] = counts
    return weights


def cost_effect_bootstrap(
    cost: ArrayLike,
    outcome: ArrayLike,
    treated: ArrayLike,
    cluster: ArrayLike,
    stratum: ArrayLike | None = None,
    reps: int = 2000,
    seed: int = 0,
    level: float = 0.95,
) -> CostEffect:
    """Draw clusters with replacement within each stratum and arm; return the joint draws of
    the difference in mean cost (everyone) and in mean outcome (those with one, ``nan``
    elsewhere), intervention (``treated`` true) minus comparator."""
    c = np.asarray(cost, dtype=float)
    y = np.asarray(outcome, dtype=float)
    t = np.asarray(treated).astype(bool)
    g = _codes(cluster)
    s = _codes(stratum) if stratum is not None else np.zeros(len(c), dtype=np.int64)
    if not (len(c) == len(y) == len(t) == len(g) == len(s)):
        raise DataError("cost, outcome, arm, cluster and stratum need one value per person")
    if np.isnan(c).any():
        raise DataError("every person randomised needs a cost (0 when nothing was spent)")
    if reps < 100:
        raise DataError(f"use at least 100 bootstrap draws (got {reps})")
    arm_of = np.zeros(g.max() + 1, dtype=int) - 1
    for arm in (0, 1):
        members = np.unique(g[t == bool(arm)])
        if len(members) < 2:
            raise EstimationError("each arm needs at least two clusters to bootstrap")
        if (arm_of[members] >= 0).any():
            raise DataError("a cluster has people in both arms: costs are bootstrapped by cluster")
        arm_of[members] = arm
    have = ~np.isnan(y)
    n_clusters = g.max() + 1
    # cluster totals: people, cost, people with an outcome, outcome
    totals = np.zeros((n_clusters, 4))
    np.add.at(totals, g, np.column_stack([np.ones_like(c), c, have, np.where(have, y, 0.0)]))
    weights = _cluster_weights(arm_of, g, s, reps, seed)

    def differences(w: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        out = []
        for arm in (0, 1):
            sums = w[:, arm_of == arm] @ totals[arm_of == arm]
            with np.errstate(invalid="ignore", divide="ignore"):
                out.append((sums[:, 1] / sums[:, 0], sums[:, 3] / sums[:, 2]))
        return out[1][0] - out[0][0], out[1][1] - out[0][1]

    point_c, point_e = differences(np.ones((1, n_clusters)))
    if np.isnan(point_e).any():
        raise EstimationError("an arm has nobody with an outcome")
    draw_c, draw_e = differences(weights)
    keep = ~np.isnan(draw_e)  # a draw of only clusters without outcomes has no effect
    draw_c, draw_e = draw_c[keep], draw_e[keep]
    tail = (1 - level) / 2 * 100
    cl, ch = np.percentile(draw_c, [tail, 100 - tail])
    el, eh = np.percentile(draw_e, [tail, 100 - tail])
    corr = float(np.corrcoef(draw_c, draw_e)[0, 1]) if draw_c.std() and draw_e.std() else 0.0
    return CostEffect(
        float(point_c[0]), float(point_e[0]), draw_c, draw_e, float(cl), float(ch),
        float(el), float(eh), corr,
        (int((arm_of == 0).sum()), int((arm_of == 1).sum())), reps, seed, level,
    )  # fmt: skip


def adjusted_cost_effect_bootstrap(
    cost: ArrayLike,
    arm: Sequence[str],
    control: str,
    cluster: ArrayLike,
    outcome: ArrayLike,
    design: ArrayLike,
    columns: Mapping[str, int],
    stratum: ArrayLike | None = None,
    weights: ArrayLike | None = None,
    reps: int = 2000,
    seed: int = 0,
    level: float = 0.95,
) -> dict[str, CostEffect]:
    """The cluster bootstrap of incremental cost and of the *adjusted* effect together.

    One row per person randomised (every arm): ``cost`` (everyone), ``outcome`` (``nan``
    for people not analysed) and ``design``, the rows of the primary model's design matrix
    (intercept, arm indicators, covariates, strata; any finite values where ``outcome`` is
    ``nan``), with ``weights`` (e.g. inverse-probability-of-response) when the model has
    them. ``columns`` names, for each arm compared with ``control``, the column of
    ``design`` holding its effect.

    Clusters are drawn with replacement within each arm and stratum, as in
    :func:`cost_effect_bootstrap`, and the same draw gives each arm's difference in mean cost
    over everyone randomised and the (weighted) least-squares coefficient of its indicator:
    each draw refits the primary model on the resampled clusters (written as cluster
    weights: ``(Σ_g n_g X_g'W_gX_g)⁻¹ Σ_g n_g X_g'W_g y_g`` with ``n_g`` the times cluster
    ``g`` was drawn), so with all ``n_g = 1`` the effect is exactly the primary estimate.
    Draws whose resampled design is not of full rank (a covariate's indicator that no
    drawn person has, say) cannot identify the effect and are left out.
    """
    c = np.asarray(cost, dtype=float)
    y = np.asarray(outcome, dtype=float)
    X = np.asarray(design, dtype=float)
    a = np.asarray(arm, dtype=object)
    g = _codes(cluster)
    s = _codes(stratum) if stratum is not None else np.zeros(len(c), dtype=np.int64)
    w = np.ones(len(c)) if weights is None else np.asarray(weights, dtype=float)
    if X.ndim != 2 or not (len(c) == len(y) == len(a) == len(g) == len(s) == len(w) == len(X)):
        raise DataError("cost, outcome, arm, cluster, stratum, weights and the design matrix "
                        "need one row per person")  # fmt: skip
    if np.isnan(c).any():
        raise DataError("every person randomised needs a cost (0 when nothing was spent)")
    if reps < 100:
        raise DataError(f"use at least 100 bootstrap draws (got {reps})")
    arms = sorted({str(x) for x in a.tolist()})
    if control not in arms or set(columns) - set(arms) or control in columns:
        raise DataError(
            f"compare arms of the data ({', '.join(arms)}) with the control {control!r}"
        )
    code = np.array([arms.index(str(x)) for x in a.tolist()], dtype=np.int64)
    arm_of = np.zeros(g.max() + 1, dtype=np.int64) - 1
    for k in range(len(arms)):
        members = np.unique(g[code == k])
        if len(members) < 2:
            raise EstimationError("each arm needs at least two clusters to bootstrap")
        if (arm_of[members] >= 0).any():
            raise DataError("a cluster has people in two arms: costs are bootstrapped by cluster")
        arm_of[members] = k
    have = ~np.isnan(y)
    if not np.isfinite(X[have]).all():
        raise DataError("the design matrix has a missing value for someone analysed")
    n_clusters, k = g.max() + 1, X.shape[1]
    ww = np.where(have, w, 0.0)
    Xh = np.where(have[:, None], X, 0.0)
    cross = np.zeros((n_clusters, k, k))
    np.add.at(cross, g, ww[:, None, None] * Xh[:, :, None] * Xh[:, None, :])
    moment = np.zeros((n_clusters, k))
    np.add.at(moment, g, (ww * np.where(have, y, 0.0))[:, None] * Xh)
    money = np.zeros((n_clusters, 2))
    np.add.at(money, g, np.column_stack([np.ones_like(c), c]))

    def draws(n: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        A = np.tensordot(n, cross, axes=(1, 0))
        b = n @ moment
        full = np.linalg.matrix_rank(A) == k
        coef = np.full((len(n), k), np.nan)
        coef[full] = np.linalg.solve(A[full], b[full][:, :, None])[:, :, 0]
        spend = np.column_stack(
            [(n[:, arm_of == j] @ money[arm_of == j]) for j in range(len(arms))]
        ).reshape(len(n), len(arms), 2)
        return spend[:, :, 1] / spend[:, :, 0], coef

    point_cost, point_coef = draws(np.ones((1, n_clusters)))
    if np.isnan(point_coef).any():
        raise EstimationError("the primary model's design is not of full rank")
    draw_cost, draw_coef = draws(_cluster_weights(arm_of, g, s, reps, seed))
    keep = ~np.isnan(draw_coef).any(axis=1)
    draw_cost, draw_coef = draw_cost[keep], draw_coef[keep]
    tail = (1 - level) / 2 * 100
    out = {}
    j0 = arms.index(control)
    for name, column in columns.items():
        j = arms.index(name)
        dc, de = draw_cost[:, j] - draw_cost[:, j0], draw_coef[:, column]
        cl, ch = np.percentile(dc, [tail, 100 - tail])
        el, eh = np.percentile(de, [tail, 100 - tail])
        corr = float(np.corrcoef(dc, de)[0, 1]) if dc.std() and de.std() else 0.0
        out[name] = CostEffect(
            float(point_cost[0, j] - point_cost[0, j0]), float(point_coef[0, column]), dc, de,
            float(cl), float(ch), float(el), float(eh), corr,
            (int((arm_of == j0).sum()), int((arm_of == j).sum())), reps, seed, level,
        )  # fmt: skip
    return out


def icer_interval(
    cost_draws: ArrayLike, effect_draws: ArrayLike, level: float = 0.95
) -> tuple[float, float] | None:
    """The percentile interval of the ICER over the bootstrap draws, or ``None`` when it is
    not defined.

    The ratio ``Δcost / Δeffect`` orders the draws by cost per unit of effect only when every
    draw's effect has the same sign as the estimate's: a draw with no effect, or one on the
    other side of zero, has a ratio that means something else (Briggs, O'Brien and Blackhouse,
    *Annu Rev Public Health* 2002), so the interval is given only when all draws of the effect
    are positive (or all negative); otherwise read the acceptability curve.
    """
    dc, de = np.asarray(cost_draws, dtype=float), np.asarray(effect_draws, dtype=float)
    if dc.shape != de.shape or dc.size == 0:
        raise DataError("give as many cost draws as effect draws")
    if not ((de > 0).all() or (de < 0).all()):
        return None
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(dc / de, [tail, 100 - tail])
    return float(low), float(high)


def acceptability(
    cost_draws: ArrayLike, effect_draws: ArrayLike, thresholds: Sequence[float]
) -> list[float]:
    """The cost-effectiveness acceptability curve: at each willingness to pay per unit of
    effect, the share of draws with a positive net monetary benefit."""
    dc, de = np.asarray(cost_draws, dtype=float), np.asarray(effect_draws, dtype=float)
    if dc.shape != de.shape or dc.size == 0:
        raise DataError("give as many cost draws as effect draws")
    return [float(np.mean(lam * de - dc > 0)) for lam in thresholds]


@dataclass(frozen=True, slots=True)
class Swing:
    """One input of a one-way sensitivity analysis at its low and high values."""

    name: str
    low: float
    high: float
    result_low: float | None
    result_high: float | None


def one_way(
    base: Mapping[str, float],
    ranges: Mapping[str, tuple[float, float]],
    result: Callable[[Mapping[str, float]], float | None],
) -> list[Swing]:
    """``result`` with each input in ``ranges`` set to its low and then its high value (the
    rest at ``base``), widest swing first; a result of ``None`` (e.g. no ICER) sorts last."""
    unknown = sorted(set(ranges) - set(base))
    if unknown:
        raise DataError(f"no base value for {', '.join(unknown)}")
    rows = []
    for name, (low, high) in ranges.items():
        rows.append(Swing(name, low, high, result({**base, name: low}),
                          result({**base, name: high})))  # fmt: skip

    def width(r: Swing) -> float:
        if r.result_low is None or r.result_high is None:
            return -1.0
        return abs(r.result_high - r.result_low)

    return sorted(rows, key=width, reverse=True)
