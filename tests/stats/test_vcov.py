"""CR2 by its textbook dense formulas, against the fast implementation.

The dense version forms ``(I - H_gg)^(-1/2)`` by eigendecomposition and the Satterthwaite
``Ω`` matrix explicitly (Pustejovsky & Tipton 2018, eqs. 7 and 11). It is slow and simple,
so it is a good independent check, including clusters smaller than the number of
coefficients and strata fixed effects that make ``I - H_gg`` singular.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hearten.stats.vcov import robust_vcov

#: Both computations are exact up to floating-point error on small well-conditioned designs.
DENSE_TOLERANCE = 1e-8


def _inv_sqrt_psd(m: np.ndarray) -> np.ndarray:
    vals, vecs = np.linalg.eigh(m)
    inv = np.where(vals > 1e-12, 1.0 / np.sqrt(np.clip(vals, 1e-12, None)), 0.0)
    return (vecs * inv) @ vecs.T


def dense_cr2(
    X: np.ndarray, e: np.ndarray, cluster: np.ndarray, w: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """CR2 with working model I and weights W (Pustejovsky & Tipton 2018), all n × n."""
    n, k = X.shape
    W = np.diag(np.ones(n) if w is None else w)
    M = np.linalg.inv(X.T @ W @ X)
    IH = np.eye(n) - X @ M @ X.T @ W
    groups = [np.flatnonzero(cluster == g) for g in np.unique(cluster)]
    A = {i: _inv_sqrt_psd((IH @ IH.T)[np.ix_(idx, idx)]) for i, idx in enumerate(groups)}
    meat = np.zeros((k, k))
    for i, idx in enumerate(groups):
        u = X[idx].T @ W[np.ix_(idx, idx)] @ A[i] @ e[idx]
        meat += np.outer(u, u)
    V = M @ meat @ M
    df = np.empty(k)
    for p in range(k):
        c = np.zeros(k)
        c[p] = 1.0
        G = np.column_stack(
            [
                IH[idx, :].T @ (A[i] @ W[np.ix_(idx, idx)] @ X[idx] @ M @ c)
                for i, idx in enumerate(groups)
            ]
        )
        omega = G.T @ G
        df[p] = np.trace(omega) ** 2 / np.sum(omega**2)
    return V, df


def _design(rng: np.random.Generator, n_clusters: int, with_strata: bool) -> tuple:
    sizes = rng.integers(1, 7, n_clusters)
    cluster = np.repeat(np.arange(n_clusters), sizes)
    n = len(cluster)
    treat = rng.integers(0, 2, n_clusters)[cluster].astype(float)
    cols = [np.ones(n), treat, rng.normal(size=n)]
    if with_strata:
        stratum = (np.arange(n_clusters) % 3)[cluster]
        cols += [(stratum == 1).astype(float), (stratum == 2).astype(float)]
    X = np.column_stack(cols)
    e = rng.normal(size=n) * (1 + treat)
    return X, e, cluster


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n_clusters=st.integers(6, 14), with_strata=st.booleans())
def test_fast_cr2_equals_the_dense_textbook_formulas(
    seed: int, n_clusters: int, with_strata: bool
) -> None:
    rng = np.random.default_rng(seed)
    X, e, cluster = _design(rng, n_clusters, with_strata)
    if np.linalg.matrix_rank(X) < X.shape[1]:
        return  # a degenerate draw (e.g. one arm empty) is not a CR2 question
    B = np.linalg.inv(X.T @ X)
    fast = robust_vcov(X, e, B, "CR2", cluster.astype(np.int64))
    V, df = dense_cr2(X, e, cluster)
    np.testing.assert_allclose(fast.matrix, V, rtol=DENSE_TOLERANCE, atol=1e-12)
    np.testing.assert_allclose(fast.df, df, rtol=DENSE_TOLERANCE)


def test_very_unequal_clusters_in_many_padded_batches_with_weights(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import hearten.stats.vcov as vcov

    monkeypatch.setattr(vcov, "BATCH_CELLS", 400)  # force many small batches
    rng = np.random.default_rng(11)
    sizes = np.array([1, 1, 2, 3, 5, 8, 13, 21, 34, 55, 9, 4])
    cluster = np.repeat(np.arange(len(sizes)), sizes)
    n = len(cluster)
    stratum = (np.arange(len(sizes)) % 2)[cluster]
    treat = (np.arange(len(sizes)) % 4 < 2)[cluster].astype(float)
    X = np.column_stack([np.ones(n), treat, rng.normal(size=n), stratum.astype(float)])
    e = rng.normal(size=n)
    w = rng.uniform(0.5, 2.0, n)
    B = np.linalg.inv(X.T @ (X * w[:, None]))
    assert len(vcov._size_batches(np.asarray(sizes), width=13)) > 4
    for weights in (None, w):
        bread = np.linalg.inv(X.T @ X) if weights is None else B
        fast = robust_vcov(X, e, bread, "CR2", cluster.astype(np.int64), weights)
        V, df = dense_cr2(X, e, cluster, weights)
        np.testing.assert_allclose(fast.matrix, V, rtol=DENSE_TOLERANCE, atol=1e-12)
        np.testing.assert_allclose(fast.df, df, rtol=DENSE_TOLERANCE)


def test_cluster_order_in_the_data_does_not_matter() -> None:
    rng = np.random.default_rng(7)
    X, e, cluster = _design(rng, 10, True)
    B = np.linalg.inv(X.T @ X)
    perm = rng.permutation(len(e))
    a = robust_vcov(X, e, B, "CR2", cluster.astype(np.int64))
    b = robust_vcov(X[perm], e[perm], B, "CR2", cluster[perm].astype(np.int64))
    np.testing.assert_allclose(a.matrix, b.matrix, rtol=1e-10)
    np.testing.assert_allclose(a.df, b.df, rtol=1e-10)
    assert a.n_clusters == 10


@pytest.mark.parametrize("kind", ["CR0", "CR1"])
def test_cr0_and_cr1_use_g_minus_one_degrees_of_freedom(kind: str) -> None:
    rng = np.random.default_rng(3)
    X, e, cluster = _design(rng, 9, False)
    v = robust_vcov(X, e, np.linalg.inv(X.T @ X), kind, cluster.astype(np.int64))  # type: ignore[arg-type]
    assert np.all(v.df == 8)
