"""Few-cluster inference by resampling: the wild cluster bootstrap and randomisation inference.

Both test ``H0: τ = τ0`` for one coefficient and give a confidence interval by inverting the
test (the set of ``τ0`` not rejected at ``alpha``). Seeds are explicit and reported.

**Wild cluster restricted bootstrap** (Cameron, Gelbach and Miller 2008; MacKinnon and Webb
2017): residuals ``ũ`` of the model fitted under ``H0`` are multiplied by one weight per
cluster (Rademacher ±1, or Webb's six-point distribution when clusters are very few), and
the CR1 t statistic is recomputed. Written by hand, following Roodman et al. (2019), so that
every bootstrap t comes from ``G × G`` and ``G × B`` products: with ``S`` the ``G × k`` cluster
scores ``X_g'ũ_g``, ``β*_j - τ0 = c'v`` with ``c = S B e_j``, and the CR1 variance is
``f Σ_g (c_g v_g - D_g v)²`` with ``D_g = e_j' B X_g'X_g B S'``. When ``2^G`` (or ``6^G``)
is at most the number of replications every weight vector is enumerated and the p-value is
exact. ``ũ`` is linear in ``τ0``, so inverting the test needs no refitting.

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

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from hearten.errors import EstimationError
from hearten.stats.chunks import Runner, current, ordered, seeded_chunks

BootstrapWeights = Literal["rademacher", "webb"]
BOOTSTRAP_WEIGHTS: tuple[BootstrapWeights, ...] = get_args(BootstrapWeights)
WEBB_POINTS = np.array([-np.sqrt(1.5), -1.0, -np.sqrt(0.5), np.sqrt(0.5), 1.0, np.sqrt(1.5)])
#: Test inversion stops when the interval's ends are known to this fraction of the SE.
INVERSION_TOLERANCE = 1e-6
#: Bootstrap draws per chunk (each chunk seeded from the one seed; see ``stats.chunks``).
WILD_CHUNK = 2000
#: At most this many re-randomisations per chunk (fewer for large trials, to bound memory).
RI_CHUNK = 1000


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

    method: Literal["wild", "ri", "wild-score"]
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


def _cluster_index(cluster: ArrayLike, n: int) -> tuple[NDArray[np.int64], int]:
    codes = pd.factorize(pd.Series(np.asarray(cluster)), sort=True)[0].astype(np.int64)
    if len(codes) != n:
        raise EstimationError("the cluster labels must have one entry per observation")
    G = int(codes.max()) + 1
    if G < 2:
        raise EstimationError("the wild cluster bootstrap needs at least two clusters")
    return codes, G


class _WildProblem:
    """The pieces of the fast wild bootstrap that do not depend on the weights or ``τ0``."""

    def __init__(
        self,
        y: NDArray[np.float64],
        X: NDArray[np.float64],
        j: int,
        codes: NDArray[np.int64],
        G: int,
    ) -> None:
        n, k = X.shape
        self.j, self.G = j, G
        self.B = np.linalg.inv(X.T @ X)
        self.beta = self.B @ (X.T @ y)
        # Restricted residuals are linear in τ0: ũ(τ0) = ũ_y - τ0 ũ_x.
        Xr = np.delete(X, j, axis=1)
        Mr = np.linalg.pinv(Xr)
        u_y = y - Xr @ (Mr @ y)
        u_x = X[:, j] - Xr @ (Mr @ X[:, j])
        self.order = np.argsort(codes, kind="stable")
        self.starts = np.flatnonzero(np.r_[True, np.diff(codes[self.order]) != 0])
        self.Xs = X[self.order]
        ends = np.r_[self.starts[1:], n]
        self.XgXg = np.stack(
            [self.Xs[a:b].T @ self.Xs[a:b] for a, b in zip(self.starts, ends, strict=True)]
        )
        self.scale = (G / (G - 1)) * ((n - 1) / (n - k))  # CR1, as Stata and boottest
        self.S_y, self.S_x = self._scores(u_y), self._scores(u_x)
        s_obs = self._scores(y - X @ self.beta) @ self.B[j]
        self.se = math.sqrt(self.scale * float(s_obs @ s_obs))

    def _scores(self, u: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.add.reduceat(self.Xs * u[self.order][:, None], self.starts, axis=0)

    def moments(self, V: NDArray[np.float64]) -> NDArray[np.float64]:
        """For weight columns ``V`` (``G × R``): rows ``n_y, n_x, K_yy, K_xy, K_xx``.

        ``ũ``, the scores ``c`` and ``D`` are linear in ``τ0``, so each bootstrap t is
        ``(n_y - τ0 n_x) / √(f (K_yy - 2 τ0 K_xy + τ0² K_xx))``: five numbers per draw carry
        every ``τ0`` the interval's inversion tries, and chunks of draws can be computed
        anywhere and joined.
        """
        Bj = self.B[self.j]
        rows = []
        K = []
        for S in (self.S_y, self.S_x):
            c = S @ Bj
            D = np.einsum("i,gik,kl,hl->gh", Bj, self.XgXg, self.B, S)
            K.append(c[:, None] * V - D @ V)
            rows.append(c @ V)
        Ky, Kx = K
        rows += [
            np.einsum("gb,gb->b", Ky, Ky),
            np.einsum("gb,gb->b", Ky, Kx),
            np.einsum("gb,gb->b", Kx, Kx),
        ]
        return np.vstack(rows)

    def t_from(self, m: NDArray[np.float64], tau0: float) -> tuple[NDArray[np.float64], float]:
        """Bootstrap t statistics at ``τ0`` from :meth:`moments`, and the observed t."""
        num = m[0] - tau0 * m[1]
        var = np.maximum(m[2] - 2 * tau0 * m[3] + tau0 * tau0 * m[4], 0.0)
        se = np.sqrt(self.scale * var)
        t_star = np.divide(num, se, out=np.zeros_like(num), where=se > 0)
        return t_star, float((self.beta[self.j] - tau0) / self.se)

    def t_stats(self, tau0: float, V: NDArray[np.float64]) -> tuple[NDArray[np.float64], float]:
        """Bootstrap t statistics for weight columns ``V`` (``G × R``), and the observed t."""
        return self.t_from(self.moments(V), tau0)


def _points(kind: BootstrapWeights) -> NDArray[np.float64]:
    """The values a cluster's bootstrap weight can take."""
    return np.array([-1.0, 1.0]) if kind == "rademacher" else WEBB_POINTS


def _wild_chunk(
    problem: _WildProblem,
    index: int,
    count: int,
    seed: np.random.SeedSequence,
    kind: BootstrapWeights,
) -> tuple[int, NDArray[np.float64]]:
    """One chunk of bootstrap draws: its index and the moments of its ``count`` draws."""
    V = np.random.default_rng(seed).choice(_points(kind), size=(problem.G, count))
    return index, problem.moments(V)


def bootstrap_t_statistics(
    y: ArrayLike, X: ArrayLike, j: int, cluster: ArrayLike, V: ArrayLike, null: float = 0.0
) -> tuple[NDArray[np.float64], float]:
    """The wild restricted bootstrap t statistics of coefficient ``j`` for weights ``V``."""
    yv = np.asarray(y, dtype=np.float64)
    codes, G = _cluster_index(cluster, len(yv))
    problem = _WildProblem(yv, np.asarray(X, dtype=np.float64), j, codes, G)
    return problem.t_stats(null, np.asarray(V, dtype=np.float64))


def wild_cluster_bootstrap(
    y: ArrayLike,
    X: ArrayLike,
    names: list[str],
    term: str,
    cluster: ArrayLike,
    reps: int = 9999,
    seed: int = 0,
    weights: BootstrapWeights = "rademacher",
    null: float = 0.0,
    alpha: float = 0.05,
    runner: Runner | None = None,
) -> ResamplingTest:
    """Wild cluster restricted bootstrap-t test and interval for coefficient ``term``.

    The p-value is the share of bootstrap ``|t*|`` at least as large as the observed ``|t|``.
    Ties count: under full enumeration the all-ones weight vector and its mirror reproduce
    the data, so the exact test keeps its level (``wildboottest`` counts only strictly
    larger ones, so its enumerated p-value is smaller by ``2 / 2^G``).

    Sampled weights are drawn in chunks of :data:`WILD_CHUNK` with seeds spawned from
    ``seed``; ``runner`` runs the chunks (by default the one set by
    :func:`hearten.stats.chunks.using`, else here; threads or a Dask cluster) and the answer
    is the same wherever they run.
    """
    if weights not in BOOTSTRAP_WEIGHTS:
        raise EstimationError(
            f"unknown bootstrap weights {weights!r}: choose " + " or ".join(BOOTSTRAP_WEIGHTS)
        )
    if reps < 99:
        raise EstimationError("use at least 99 bootstrap replications (9,999 is usual)")
    yv = np.asarray(y, dtype=np.float64)
    Xm = np.asarray(X, dtype=np.float64)
    j = names.index(term)
    codes, G = _cluster_index(cluster, len(yv))
    problem = _WildProblem(yv, Xm, j, codes, G)
    points = _points(weights)
    enumerated = len(points) ** G <= reps
    if enumerated:
        grid = np.array(list(itertools.product(points, repeat=G))).T
        m = problem.moments(grid)
    else:
        chunks = [(*task, weights) for task in seeded_chunks(reps, WILD_CHUNK, seed)]
        m = np.hstack(ordered((runner or current())(_wild_chunk, problem, chunks)))

    def p_value(tau0: float) -> float:
        t_star, t_obs = problem.t_from(m, tau0)
        return float(np.mean(np.abs(t_star) >= abs(t_obs) * (1 - 1e-12)))

    estimate = float(problem.beta[j])
    low, high = _invert(p_value, estimate, problem.se, alpha)
    return ResamplingTest(
        method="wild",
        term=term,
        estimate=estimate,
        null=null,
        p_value=p_value(null),
        conf_low=low,
        conf_high=high,
        reps=m.shape[1],
        enumerated=enumerated,
        seed=None if enumerated else seed,
        weights=weights,
        alpha=alpha,
    )


def _invert(
    p_value: Callable[[float], float], estimate: float, se: float, alpha: float
) -> tuple[float, float]:
    """The ends of ``{τ0 : p(τ0) > alpha}`` by bracketing and bisection on each side."""
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


@dataclass(frozen=True, slots=True)
class _Units:
    """The randomised units of a design: which observations each holds, its stratum, and
    how many units each stratum treated."""

    cluster: NDArray[np.int64]  # the unit of each observation
    treated: NDArray[np.float64]  # each unit's assignment
    groups: tuple[NDArray[np.int64], ...]  # the units of each stratum
    counts: tuple[int, ...]  # treated units per stratum

    @classmethod
    def of(
        cls, treat: NDArray[np.float64], cluster: NDArray[np.int64], strata: NDArray[np.int64]
    ) -> _Units:
        unit_treat = pd.Series(treat).groupby(cluster).agg(["min", "max"])
        if (unit_treat["min"] != unit_treat["max"]).any():
            raise EstimationError(
                "the treatment varies within a cluster: give the randomised unit as the cluster"
            )
        unit_stratum = pd.Series(strata).groupby(cluster).agg(["min", "max"])
        if (unit_stratum["min"] != unit_stratum["max"]).any():
            raise EstimationError("a cluster spans two strata: clusters must be nested in strata")
        t_unit = unit_treat["min"].to_numpy()
        s_unit = unit_stratum["min"].to_numpy()
        groups = tuple(np.flatnonzero(s_unit == s) for s in np.unique(s_unit))
        counts = tuple(int(t_unit[g].sum()) for g in groups)
        return cls(cluster, t_unit, groups, counts)

    @property
    def assignments(self) -> int:
        """How many assignments the design could have made."""
        return math.prod(
            math.comb(len(g), c) for g, c in zip(self.groups, self.counts, strict=True)
        )

    def every(self) -> NDArray[np.float64]:
        """Every possible assignment: ``(n, assignments)`` 0/1 columns."""
        return self.every_unit()[self.cluster]

    def every_unit(self) -> NDArray[np.float64]:
        """Every possible assignment of the units: ``(units, assignments)``."""
        per_stratum = [
            list(itertools.combinations(range(len(g)), c))
            for g, c in zip(self.groups, self.counts, strict=True)
        ]
        draws = np.zeros((len(self.treated), self.assignments))
        for r, combo in enumerate(itertools.product(*per_stratum)):
            for g, chosen in zip(self.groups, combo, strict=True):
                draws[g[list(chosen)], r] = 1.0
        return draws

    def draw(self, reps: int, rng: np.random.Generator) -> NDArray[np.float64]:
        """``reps`` assignments re-drawn at random: ``(n, reps)`` 0/1 columns."""
        return self.draw_units(reps, rng)[self.cluster]

    def draw_units(self, reps: int, rng: np.random.Generator) -> NDArray[np.float64]:
        """``reps`` assignments of the units re-drawn at random: ``(units, reps)``."""
        draws = np.zeros((len(self.treated), reps))
        for g, c in zip(self.groups, self.counts, strict=True):
            keys = rng.random((reps, len(g)))
            ranks = np.argsort(keys, axis=1)[:, :c]  # the c units treated in each draw
            block = np.zeros((reps, len(g)))
            np.put_along_axis(block, ranks, 1.0, axis=1)
            draws[g] = block.T
        return draws


def _design_draws(
    treat: NDArray[np.float64],
    cluster: NDArray[np.int64],
    strata: NDArray[np.int64],
    reps: int,
    seed: int,
) -> tuple[NDArray[np.float64], bool]:
    """Assignments re-drawn from the design: ``(n, R)`` 0/1 columns, and whether enumerated.

    Units are clusters; each stratum keeps its number of treated units. The draws are those
    :func:`randomisation_inference` makes with the same seed.
    """
    units = _Units.of(treat, cluster, strata)
    if units.assignments <= reps:
        return units.every(), True
    chunks = _ri_chunks(len(treat), reps, seed)
    return np.hstack([units.draw(c, np.random.default_rng(sq)) for _, c, sq in chunks]), False


def _ri_chunks(n: int, reps: int, seed: int) -> list[tuple[int, int, np.random.SeedSequence]]:
    """The chunks of re-randomisations for ``n`` observations: their size is fixed by ``n``
    alone (memory), never by the number of workers."""
    return seeded_chunks(reps, max(1, min(RI_CHUNK, 4_000_000 // max(n, 1))), seed)


def _adjustment_matrix(
    n: int, covariates: ArrayLike | None, s_codes: NDArray[np.int64]
) -> NDArray[np.float64]:
    """Intercept, covariates and strata indicators: what every estimate adjusts for."""
    cols = [np.ones(n)]
    if covariates is not None:
        cols += list(np.asarray(covariates, dtype=np.float64).reshape(n, -1).T)
    cols += [(s_codes == s).astype(np.float64) for s in range(1, int(s_codes.max()) + 1)]
    return np.column_stack(cols)


def _codes(values: ArrayLike | None, n: int, default: str) -> NDArray[np.int64]:
    """Integer codes of labels; without labels, one group (``one``) or one per row."""
    if values is None:
        return np.zeros(n, dtype=np.int64) if default == "one" else np.arange(n, dtype=np.int64)
    return pd.factorize(pd.Series(np.asarray(values)), sort=True)[0].astype(np.int64)


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
    shared: tuple[_Units, _UnitProjection], index: int, count: int, seed: np.random.SeedSequence
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
    t = np.asarray(treat, dtype=np.float64)
    n = len(yv)
    if not np.all(np.isin(t, (0.0, 1.0))):
        raise EstimationError("randomisation inference needs a 0/1 treatment")
    s_codes = _codes(strata, n, "one")
    c_codes = _codes(cluster, n, "each")
    residualised = _Residualised.of(yv, t, _adjustment_matrix(n, covariates, s_codes))
    estimate = residualised.estimate()
    enumerated = False
    if draws is not None:
        drawn = np.asarray(draws, dtype=np.float64)
        if drawn.shape[0] != n or not np.all(np.isin(drawn, (0.0, 1.0))):
            raise EstimationError("give the re-draws as 0/1 columns, one row per observation")
        a, b = residualised.ab(drawn)
    else:
        units = _Units.of(t, c_codes, s_codes)
        projection = _UnitProjection.of(residualised, c_codes)
        enumerated = units.assignments <= reps
        if enumerated:
            a, b = projection.ab(units.every_unit())
        else:
            chunks = _ri_chunks(n, reps, seed)
            run = runner or current()
            a, b = np.hstack(ordered(run(_ri_chunk, (units, projection), chunks)))

    def p_value(tau0: float) -> float:
        observed = abs(estimate - tau0)
        extreme = int(np.sum(np.abs(a - tau0 * b) >= observed - 1e-12 * max(1.0, observed)))
        if enumerated:
            return extreme / len(a)
        return (1 + extreme) / (1 + len(a))

    se_guess = float(np.std(a, ddof=1)) if len(a) > 1 else 1.0
    low, high = _invert(p_value, estimate, se_guess, alpha)
    return ResamplingTest(
        method="ri",
        term=term,
        estimate=estimate,
        null=null,
        p_value=p_value(null),
        conf_low=low,
        conf_high=high,
        reps=len(a),
        enumerated=enumerated,
        seed=None if enumerated else seed,
        weights=None,
        alpha=alpha,
    )
