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

``A_g`` is computed from the thin SVD of ``X_g L`` (``B = L L'``), because ``H_gg`` has rank at
most ``k``: ``A_g = I + U (diag((1 - s²)^(-1/2)) - I) U'``. This costs ``O(n_g k²)`` per cluster
instead of ``O(n_g³)``, so memory stays linear in the number of rows. ``Ω`` is never formed:
its trace and squared Frobenius norm are reduced to ``k × k`` products.
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
) -> Vcov:
    """Compute a robust variance estimate.

    Args:
        X: ``(n, k)`` design matrix of full column rank.
        resid: ``(n,)`` OLS residuals.
        bread: ``(k, k)`` inverse of ``X'X``.
        kind: the estimator.
        cluster: ``(n,)`` integer cluster codes ``0..G-1``; required for ``CR*``.
    """
    n, k = X.shape
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


def _cluster_vcov(
    X: NDArray[np.float64],
    resid: NDArray[np.float64],
    bread: NDArray[np.float64],
    kind: VcovType,
    cluster: NDArray[np.int64],
) -> Vcov:
    n, k = X.shape
    order = np.argsort(cluster, kind="stable")
    starts = np.flatnonzero(np.r_[True, np.diff(cluster[order]) != 0])
    bounds = np.r_[starts, n]
    G = len(starts)
    if G < 2:
        raise EstimationError(
            "only one cluster: cluster-robust errors need at least two clusters "
            "(check the cluster column, or analyse without clustering)"
        )
    Xs, es = X[order], resid[order]
    if kind != "CR2":
        scores = np.add.reduceat(Xs * es[:, None], starts, axis=0)
        matrix = bread @ (scores.T @ scores) @ bread
        if kind == "CR1":
            matrix = matrix * (G / (G - 1)) * ((n - 1) / (n - k))
        return Vcov(kind, _symmetric(matrix), np.full(k, float(G - 1)), G)

    chol = np.linalg.cholesky(bread)
    scores = np.empty((G, k))
    # For the Satterthwaite df: d[g, p] = p_g'p_g and q[g, :, p] = X_g' p_g, per coefficient p.
    d = np.empty((G, k))
    q = np.empty((G, k, k))
    for g in range(G):
        Xg = Xs[bounds[g] : bounds[g + 1]]
        eg = es[bounds[g] : bounds[g + 1]]
        u, s, _ = np.linalg.svd(Xg @ chol, full_matrices=False)
        one_minus = 1.0 - s**2
        inv_sqrt = np.where(
            one_minus > SINGULAR_TOLERANCE,
            1.0 / np.sqrt(np.clip(one_minus, SINGULAR_TOLERANCE, None)),
            0.0,
        )
        shrink = inv_sqrt - 1.0
        # Columns: the residuals, then X_g B; A_g is applied to all at once.
        E = np.column_stack([eg, Xg @ bread])
        AE = E + u @ (shrink[:, None] * (u.T @ E))
        scores[g] = Xg.T @ AE[:, 0]
        P = AE[:, 1:]  # (n_g, k): column p is p_g for coefficient p
        d[g] = np.einsum("ij,ij->j", P, P)
        q[g] = Xg.T @ P
    matrix = _symmetric(bread @ (scores.T @ scores) @ bread)
    df = np.empty(k)
    for p in range(k):
        Q = q[:, :, p]  # (G, k): row g is q_g
        BQ = Q @ bread  # row g is (B q_g)'
        quad = np.einsum("gi,gi->g", BQ, Q)  # q_g' B q_g
        S = Q.T @ Q
        BS = bread @ S
        trace = d[:, p].sum() - np.trace(BS)
        frob = (d[:, p] ** 2).sum() - 2.0 * (d[:, p] * quad).sum() + np.einsum("ij,ji->", BS, BS)
        df[p] = trace**2 / frob
    return Vcov(kind, matrix, df, G)


def _symmetric(m: NDArray[np.float64]) -> NDArray[np.float64]:
    return (m + m.T) / 2.0
