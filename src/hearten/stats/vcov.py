"""Heteroskedasticity- and cluster-robust variance estimators for OLS.

Written by hand because no maintained Python library offers the Bell–McCaffrey (CR2)
bias-reduced cluster-robust variance with Satterthwaite degrees of freedom: statsmodels and
pyfixest stop at CR1/CR3. The formulas follow estimatr (``lm_robust``) so that estimates,
standard errors and degrees of freedom match it:

* ``HC0``: ``B (Σ e_i² x_i x_i') B`` with ``B = (X'X)⁻¹``; ``HC1`` multiplies by ``n/(n-k)``;
  ``HC2`` divides ``e_i²`` by ``1 - h_ii``; ``HC3`` by ``(1 - h_ii)²``. Degrees of freedom
  ``n - k``.
* ``CR0``: ``B (Σ_g X_g' e_g e_g' X_g) B``; ``CR1`` multiplies by
  ``G/(G-1) · (n-1)/(n-k)`` (Stata's factor). Degrees of freedom ``G - 1``.
* ``CR2`` (Bell & McCaffrey 2002; Pustejovsky & Tipton 2018): residuals of cluster ``g`` are
  pre-multiplied by ``A_g = (I - H_gg)^(-1/2)`` (a pseudo-inverse square root), and each
  coefficient gets the Satterthwaite degrees of freedom ``(tr Ω)² / tr(Ω²)`` where
  ``Ω_gh = p_g' (I - H)_gh p_h`` and ``p_g = A_g X_g B c`` for the coefficient's contrast ``c``.

With weights ``W`` (weighted least squares, ``M = (X'WX)⁻¹``), CR2 follows clubSandwich and
estimatr with the working model ``Φ = I`` on the original scale: ``H = X M X'W``,
``A_g = [(I - H)(I - H)']_gg^(-1/2)``, the meat is ``Σ_g X_g'W_g A_g e_g e_g' A_g W_g X_g`` with
unweighted residuals, and ``p_g = A_g W_g X_g M c``. Without weights this is the formula above.

``[(I - H)(I - H)']_gg = I + Z_g K Z_g'`` with ``Z_g = [X_g, W_g X_g]`` and a ``2k × 2k`` matrix
``K`` (without weights ``Z_g = X_g`` and ``K = -M``), so its inverse square root comes from a
thin QR of ``Z_g`` and a small eigendecomposition: ``O(n_g k²)`` per cluster instead of
``O(n_g³)``, and memory linear in the number of rows. Clusters of similar size are stacked
(padded with zero rows, which the algebra leaves at zero) so numpy runs these as a few
batched calls rather than one Python iteration per cluster. ``Ω`` is never formed: its trace
and squared Frobenius norm reduce to ``3k × 3k`` products.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np
from numpy.typing import NDArray

from hearten.errors import EstimationError

VcovType = Literal["HC0", "HC1", "HC2", "HC3", "CR0", "CR1", "CR2"]
VCOV_TYPES: tuple[VcovType, ...] = get_args(VcovType)
CLUSTER_TYPES: frozenset[str] = frozenset({"CR0", "CR1", "CR2"})

#: Eigenvalues of ``I - H_gg`` at or below this are treated as zero in the pseudo-inverse
#: square root, as estimatr does (its threshold is 1e-12 too).
SINGULAR_TOLERANCE = 1e-12


@dataclass(frozen=True, slots=True)
class Vcov:
    """A robust variance-covariance estimate.

    Attributes:
        kind: the estimator (``HC0`` ... ``CR2``).
        matrix: ``(k, k)`` variance-covariance matrix of the coefficients.
        df: ``(k,)`` degrees of freedom for each coefficient's t test.
        n_clusters: number of clusters, or ``None`` for the HC estimators.
    """

    kind: VcovType
    matrix: NDArray[np.float64]
    df: NDArray[np.float64]
    n_clusters: int | None


def check_vcov_type(kind: str, clustered: bool) -> VcovType:
    """Validate a variance estimator's name against the data's clustering."""
    if kind not in VCOV_TYPES:
        allowed = ", ".join(VCOV_TYPES)
        raise EstimationError(f"unknown variance estimator {kind!r}: choose one of {allowed}")
    if clustered and kind not in CLUSTER_TYPES:
        raise EstimationError(
            f"{kind} ignores clustering but a cluster was given: use CR0, CR1 or CR2 "
            "(CR2 is the default), or drop the cluster"
        )
    if not clustered and kind in CLUSTER_TYPES:
        raise EstimationError(f"{kind} needs a cluster variable: give one, or use HC0-HC3")
    return kind


def default_vcov(clustered: bool) -> VcovType:
    """estimatr's defaults: CR2 when a cluster is given, HC2 otherwise."""
    return "CR2" if clustered else "HC2"


def robust_vcov(
    X: NDArray[np.float64],
    resid: NDArray[np.float64],
    bread: NDArray[np.float64],
    kind: VcovType,
    cluster: NDArray[np.int64] | None = None,
    weights: NDArray[np.float64] | None = None,
) -> Vcov:
    """Compute a robust variance estimate.

    Args:
        X: ``(n, k)`` design matrix of full column rank (unweighted).
        resid: ``(n,)`` residuals ``y - X b`` (unweighted).
        bread: ``(k, k)`` inverse of ``X'WX`` (``X'X`` without weights).
        kind: the estimator.
        cluster: ``(n,)`` integer cluster codes ``0..G-1``; required for ``CR*``.
        weights: ``(n,)`` positive weights, or ``None``.
    """
    n, k = X.shape
    if kind == "CR2":
        if cluster is None:
            raise EstimationError(f"{kind} needs a cluster variable")
        return _cr2(X, resid, bread, cluster, weights)
    if weights is not None:  # the other estimators work on the sqrt(W)-transformed data
        root = np.sqrt(weights)
        X, resid = X * root[:, None], resid * root
    if kind in CLUSTER_TYPES:
        if cluster is None:
            raise EstimationError(f"{kind} needs a cluster variable")
        return _cluster_vcov(X, resid, bread, kind, cluster)
    leverage = np.einsum("ij,jk,ik->i", X, bread, X)
    if kind == "HC0" or kind == "HC1":
        weights = resid**2
    elif kind == "HC2":
        weights = resid**2 / (1.0 - leverage)
    else:
        weights = resid**2 / (1.0 - leverage) ** 2
    meat = (X * weights[:, None]).T @ X
    matrix = bread @ meat @ bread
    if kind == "HC1":
        matrix = matrix * n / (n - k)
    return Vcov(kind, _symmetric(matrix), np.full(k, float(n - k)), None)


def _cluster_order(cluster: NDArray[np.int64]) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Row order grouping clusters together, and each cluster's start in that order."""
    order = np.argsort(cluster, kind="stable")
    starts = np.flatnonzero(np.r_[True, np.diff(cluster[order]) != 0])
    if len(starts) < 2:
        raise EstimationError(
            "only one cluster: cluster-robust errors need at least two clusters "
            "(check the cluster column, or analyse without clustering)"
        )
    return order, starts


def _cluster_vcov(
    X: NDArray[np.float64],
    resid: NDArray[np.float64],
    bread: NDArray[np.float64],
    kind: VcovType,
    cluster: NDArray[np.int64],
) -> Vcov:
    """CR0 and CR1 on (already weight-transformed) data."""
    n, k = X.shape
    order, starts = _cluster_order(cluster)
    G = len(starts)
    scores = np.add.reduceat(X[order] * resid[order][:, None], starts, axis=0)
    matrix = bread @ (scores.T @ scores) @ bread
    if kind == "CR1":
        matrix = matrix * (G / (G - 1)) * ((n - 1) / (n - k))
    return Vcov(kind, _symmetric(matrix), np.full(k, float(G - 1)), G)


def _cr2(
    X: NDArray[np.float64],
    resid: NDArray[np.float64],
    M: NDArray[np.float64],
    cluster: NDArray[np.int64],
    weights: NDArray[np.float64] | None,
) -> Vcov:
    """CR2 with Satterthwaite df (module docstring), weighted or not."""
    n, k = X.shape
    w = np.ones(n) if weights is None else weights
    order, starts = _cluster_order(cluster)
    G = len(starts)
    bounds = np.r_[starts, n]
    Xs, es, ws = X[order], resid[order], w[order]
    WX = Xs * ws[:, None]
    T = M @ (WX.T @ WX) @ M
    K = np.block([[T, -M], [-M, np.zeros((k, k))]])
    # Unweighted, (I - H)(I - H)' = I - H, so Z_g = X_g with K = -M suffices (half the width).
    Kz = -M if weights is None else K
    scores = np.empty((G, k))
    # Per cluster and coefficient p: d = p_g'p_g, a = X_g'p_g, b = X_g'W_g p_g.
    d = np.empty((G, k))
    a = np.empty((G, k, k))
    b = np.empty((G, k, k))
    sizes = np.diff(bounds)
    for batch in _size_batches(sizes, width=Kz.shape[0] + k + 1):
        # Clusters of similar size, stacked and padded with zero rows: a zero row of X_g,
        # W_g X_g and e_g stays zero through A_g, so padding changes nothing.
        m = int(sizes[batch].max())
        within = np.arange(m)
        present = within[None, :] < sizes[batch][:, None]
        rows = np.where(present, bounds[batch][:, None] + within[None, :], 0)
        pad = present[:, :, None]
        Xg = np.where(pad, Xs[rows], 0.0)
        WXg = np.where(pad, WX[rows], 0.0)
        eg = np.where(present, es[rows], 0.0)
        Z = Xg if weights is None else np.concatenate([Xg, WXg], axis=2)
        Q, R = np.linalg.qr(Z)
        lam, V = np.linalg.eigh(R @ Kz @ R.transpose(0, 2, 1))
        U = Q @ V
        one_plus = 1.0 + lam
        shrink = (
            np.where(
                one_plus > SINGULAR_TOLERANCE,
                1.0 / np.sqrt(np.clip(one_plus, SINGULAR_TOLERANCE, None)),
                0.0,
            )
            - 1.0
        )
        # Columns: the residuals, then W_g X_g M; A_g is applied to all at once.
        E = np.concatenate([eg[:, :, None], WXg @ M], axis=2)
        AE = E + U @ (shrink[:, :, None] * (U.transpose(0, 2, 1) @ E))
        scores[batch] = np.einsum("bmi,bm->bi", WXg, AE[:, :, 0])
        P = AE[:, :, 1:]
        d[batch] = np.einsum("bmj,bmj->bj", P, P)
        a[batch] = Xg.transpose(0, 2, 1) @ P
        b[batch] = WXg.transpose(0, 2, 1) @ P
    matrix = _symmetric(M @ (scores.T @ scores) @ M)
    df = np.empty(k)
    for p in range(k):
        A, B, dp = a[:, :, p], b[:, :, p], d[:, p]
        AM, BM, AT = A @ M, B @ M, A @ T
        # Ω = diag(d) + L, L = -A M B' - B M A' + A T A' = U C'.
        L_diag = -2.0 * np.einsum("gi,gi->g", AM, B) + np.einsum("gi,gi->g", AT, A)
        Uc = np.hstack([A, B, A])
        Cc = np.hstack([-BM, -AM, AT])
        L_frob = np.einsum("ij,ji->", Uc.T @ Uc, Cc.T @ Cc)
        trace = dp.sum() + L_diag.sum()
        frob = (dp**2).sum() + 2.0 * (dp * L_diag).sum() + L_frob
        df[p] = trace**2 / frob
    return Vcov("CR2", matrix, df, G)


#: A batch of clusters holds at most this many padded cells (rows × columns), to bound memory.
BATCH_CELLS = 2_000_000


def _size_batches(sizes: NDArray[np.intp], width: int) -> list[NDArray[np.intp]]:
    """Clusters grouped by similar size (each padded to its largest at most a quarter, or
    eight rows, more), so the per-cluster algebra runs as a few stacked calls."""
    by_size = np.argsort(sizes, kind="stable")
    batches = []
    start = 0
    while start < len(by_size):
        low = int(sizes[by_size[start]])
        stop = start + 1
        while (
            stop < len(by_size)
            and sizes[by_size[stop]] <= max(1.25 * low, low + 8)
            and (stop - start + 1) * int(sizes[by_size[stop]]) * width <= BATCH_CELLS
        ):
            stop += 1
        batches.append(by_size[start:stop])
        start = stop
    return batches


def _symmetric(m: NDArray[np.float64]) -> NDArray[np.float64]:
    return (m + m.T) / 2.0


def glm_sandwich(
    X: NDArray[np.float64],
    y: NDArray[np.float64],
    mu: NDArray[np.float64],
    dmu_deta: NDArray[np.float64],
    variance: NDArray[np.float64],
    cluster: NDArray[np.int64] | None,
) -> NDArray[np.float64]:
    """The robust sandwich of a GLM, as R's ``sandwich``/``vcovCL`` compute it.

    Bread: the expected information ``(X'WX)⁻¹`` with ``W = (dμ/dη)² / V(μ)``; scores
    ``x_i (y_i - μ_i) (dμ/dη)_i / V(μ_i)``, summed within clusters and scaled by
    ``G/(G-1)`` when clustered (HC0 otherwise). statsmodels' GLM sandwich uses the observed
    Hessian instead, which differs for non-canonical links such as the negative binomial's.
    """
    bread = np.linalg.inv((X * (dmu_deta**2 / variance)[:, None]).T @ X)
    scores = X * ((y - mu) * dmu_deta / variance)[:, None]
    factor = 1.0
    if cluster is not None:
        G = int(cluster.max()) + 1
        summed = np.zeros((G, X.shape[1]))
        np.add.at(summed, cluster, scores)
        scores, factor = summed, G / (G - 1)
    return np.asarray(factor * bread @ (scores.T @ scores) @ bread, dtype=np.float64)
