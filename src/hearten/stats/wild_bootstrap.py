"""The wild cluster restricted bootstrap-t test of one coefficient, and its interval.

**Wild cluster restricted bootstrap** (Cameron, Gelbach and Miller 2008; MacKinnon and Webb
2017): residuals ``ũ`` of the model fitted under ``H0`` are multiplied by one weight per
cluster (Rademacher ±1, or Webb's six-point distribution when clusters are very few), and
the CR1 t statistic is recomputed. Written by hand, following Roodman et al. (2019), so that
every bootstrap t comes from ``G × G`` and ``G × B`` products: with ``S`` the ``G × k`` cluster
scores ``X_g'ũ_g``, ``β*_j - τ0 = c'v`` with ``c = S B e_j``, and the CR1 variance is
``f Σ_g (c_g v_g - D_g v)²`` with ``D_g = e_j' B X_g'X_g B S'``. When ``2^G`` (or ``6^G``)
is at most the number of replications every weight vector is enumerated and the p-value is
exact. ``ũ`` is linear in ``τ0``, so inverting the test needs no refitting.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from hearten.errors import EstimationError
from hearten.stats.chunks import Runner, current, ordered, seeded_chunks
from hearten.stats.resampling import (
    BOOTSTRAP_WEIGHTS,
    BootstrapWeights,
    ResamplingTest,
    resampling_test,
)

WEBB_POINTS = np.array([-np.sqrt(1.5), -1.0, -np.sqrt(0.5), np.sqrt(0.5), 1.0, np.sqrt(1.5)])
#: Bootstrap draws per chunk (each chunk seeded from the one seed; see ``stats.chunks``).
WILD_CHUNK = 2000


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

    return resampling_test(
        "wild",
        term,
        float(problem.beta[j]),
        p_value,
        se=problem.se,
        alpha=alpha,
        reps=m.shape[1],
        enumerated=enumerated,
        seed=seed,
        weights=weights,
        null=null,
    )
