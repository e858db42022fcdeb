"""The trial's ANCOVA with CR2/Satterthwaite (or HC2) inference, for many replications at once.

A simulated trial has one baseline covariate ``x`` that varies within clusters and columns that
do not: the intercept, the treatment indicator (clusters are the randomised units) and the
strata indicators. So every cluster ``g`` is summarised by its row ``z_g`` of constant
columns and the sums ``m = Σ o``, ``Σ o x``, ``Σ o x²``, ``Σ o y`` and ``Σ o x y`` over its
observed people (``o = 1`` if followed up), and ``X_g'X_g = F_g F_g'`` with the ``k × 2``
matrix ``F_g = [√m (z_g, x̄_g), √w e_x]`` (``w`` the within-cluster sum of squares of ``x``,
``e_x`` the covariate's unit vector). ``X'X``, ``X'y`` and the cluster scores ``X_g'e_g``
follow from these sums.

CR2's adjustment ``A_g = (I - H_gg)^(-1/2)`` never needs the ``n_g × n_g`` matrix: by the
push-through identity ``X_g' f(X_g M X_g') = f(X_g'X_g M) X_g'``, and ``X_g'X_g M = F F'M``
shares its non-zero eigenvalues with the ``2 × 2`` matrix ``Γ = F'MF``, so for the treatment
contrast ``c`` with ``a = F'Mc``:

* adjusted score ``c'M X_g'A_g e_g = c'M s_g + a' φ(Γ) F'M s_g``, ``φ(t) = ((1-t)^(-1/2) - 1)/t``;
* ``d_g = p_g'p_g = a' (I - Γ)⁻¹ a`` and ``X_g'p_g = F (I - Γ)^(-1/2) a`` for the
  Satterthwaite degrees of freedom ``(tr Ω)² / tr Ω²`` with ``Ω = diag(d) - P M P'``
  (``P`` stacking the ``X_g'p_g``), as ``hearten.stats.vcov._cr2`` computes cluster by cluster.

Eigenvalues of ``Γ`` at 1 (a cluster that alone determines a coefficient) get the
pseudo-inverse, as estimatr does. Everything is ``O(R G k²)`` for ``R`` replications of ``G``
clusters, with no Python loop over replications or clusters. With one person per cluster
(individual randomisation) the same algebra gives HC2, with ``n - k`` degrees of freedom as
estimatr uses.

The outcome is ``y = y₀ + τ D`` (``D`` = treated and took part), so estimates and scores are
linear in the effect ``τ``: each replication is kept as ``b₀ + τ b_D`` and the variance
``A + 2Bτ + Cτ²``, and power at any effect needs no refitting. Written by hand: no library
fits thousands of small CR2 regressions in one batch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from hearten.stats.vcov import SINGULAR_TOLERANCE

Array = NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class ClusterSums:
    """Per replication ``r`` and cluster ``g``, the sums over its observed people.

    Attributes:
        z: ``(R, G, kz)`` the cluster's constant columns (intercept, treatment, strata).
        m, sx, sxx: counts, and sums of ``x`` and ``x²`` (``sx``, ``sxx`` ``None`` without
            a covariate).
        sy, sxy: ``(R, G, 2)`` sums of ``y₀`` and ``D`` (and of ``x y₀``, ``x D``).
        treat_column: index of the treatment column.
    """

    z: Array
    m: Array
    sx: Array | None
    sxx: Array | None
    sy: Array
    sxy: Array | None
    treat_column: int = 1


@dataclass(frozen=True, slots=True)
class BatchFit:
    """The treatment coefficient of each replication, linear in the effect ``τ``.

    ``estimate(τ) = b0 + τ b_d``; ``variance(τ) = A + 2Bτ + Cτ²``; ``df`` the Satterthwaite
    (CR2) or ``n - k`` (HC2) degrees of freedom; ``ok`` False where the design was singular
    (e.g. everyone in one arm lost to follow-up); ``people`` and ``clusters`` analysed.
    """

    b0: Array
    b_d: Array
    A: Array
    B: Array
    C: Array
    df: Array
    ok: NDArray[np.bool_]
    people: Array
    clusters: Array


def _design(s: ClusterSums) -> tuple[Array, Array]:
    """``F`` ``(R, G, k, 2)`` and the ``X'y`` pieces ``(R, G, k, 2)`` of every cluster."""
    m = s.m
    R, G, kz = s.z.shape
    safe = np.where(m > 0, m, 1.0)
    root = np.sqrt(m)
    if s.sx is None or s.sxx is None or s.sxy is None:
        F = np.zeros((R, G, kz, 2))
        F[..., 0] = s.z * root[..., None]
        q = s.z[..., None] * s.sy[:, :, None, :]
        return F, q
    xcol = s.treat_column + 1
    k = kz + 1
    xbar = s.sx / safe
    u = np.insert(s.z, xcol, xbar, axis=2)
    within = np.clip(s.sxx - s.sx * xbar, 0.0, None)
    F = np.zeros((R, G, k, 2))
    F[..., 0] = u * root[..., None]
    F[..., xcol, 1] = np.sqrt(within)
    zq = np.insert(s.z, xcol, 0.0, axis=2)
    q = zq[..., None] * s.sy[:, :, None, :]
    q[..., xcol, :] = s.sxy
    return F, q


def _inverse(XtX: Array) -> tuple[Array, NDArray[np.bool_]]:
    """Batched inverses of ``X'X`` and which replications are well conditioned (judged on
    the matrix scaled to a unit diagonal); a singular one is inverted as the identity, and
    its replication is to be dropped."""
    scale = np.sqrt(np.einsum("rkk->rk", XtX)) + 1e-300
    ok = np.linalg.cond(XtX / scale[:, :, None] / scale[:, None, :]) < 1e10
    safe = XtX.copy()
    safe[~ok] = np.eye(XtX.shape[-1])
    inverse = np.asarray(np.linalg.inv(safe), dtype=np.float64)
    return inverse, np.asarray(ok, dtype=np.bool_)


def _eigen2(g: Array) -> tuple[Array, Array]:
    """Eigenvalues ``(…, 2)`` and eigenvectors (columns, ``(…, 2, 2)``) of symmetric 2 × 2
    matrices, in closed form (a rotation by ``θ = ½ atan2(2b, a - d)``): many times faster
    than LAPACK on millions of tiny matrices."""
    a, b, d = g[..., 0, 0], g[..., 0, 1], g[..., 1, 1]
    theta = 0.5 * np.arctan2(2.0 * b, a - d)
    c, s = np.cos(theta), np.sin(theta)
    lam = np.stack(
        [a * c * c + 2 * b * s * c + d * s * s, a * s * s - 2 * b * s * c + d * c * c], axis=-1
    )
    Q = np.stack([np.stack([c, -s], axis=-1), np.stack([s, c], axis=-1)], axis=-2)
    return lam, Q


def fit_batch(s: ClusterSums, singletons: bool) -> BatchFit:
    """ANCOVA with CR2 (``singletons=False``) or HC2 (one person per cluster) for every
    replication (module docstring)."""
    F, q = _design(s)
    R, G, k, _ = F.shape
    j = s.treat_column
    Ft = F.transpose(0, 1, 3, 2)
    flat = Ft.reshape(R, 2 * G, k)
    M, ok = _inverse(flat.transpose(0, 2, 1) @ flat)
    beta = M @ q.sum(axis=1)  # (R, k, 2): for y0 and D
    # Cluster scores s_g = X_g'y_g - X_g'X_g β for y0 and D.
    scores = q - F @ (Ft @ beta[:, None])
    v = M[:, :, j]
    MF = M[:, None] @ F
    a = MF[:, :, j, :]  # F'Mc
    lam, Q = _eigen2(Ft @ MF)
    lam = np.clip(lam, 0.0, 1.0)
    rest = 1.0 - lam
    singular = rest <= SINGULAR_TOLERANCE
    root_rest = np.sqrt(np.where(singular, 1.0, rest))
    f = np.where(singular, 0.0, 1.0 / root_rest)
    phi = np.where(singular, -1.0, 1.0 / (root_rest * (1.0 + root_rest)))
    Qt = Q.transpose(0, 1, 3, 2)
    a_t = (Qt @ a[..., None])[..., 0]
    FMs_t = Qt @ (MF.transpose(0, 1, 3, 2) @ scores)  # (R, G, 2 eigen, 2 outcomes)
    w = (v[:, None, None, :] @ scores)[:, :, 0, :] + ((a_t * phi)[:, :, None, :] @ FMs_t)[
        :, :, 0, :
    ]
    A = np.einsum("rg,rg->r", w[..., 0], w[..., 0])
    B = np.einsum("rg,rg->r", w[..., 0], w[..., 1])
    C = np.einsum("rg,rg->r", w[..., 1], w[..., 1])
    people = s.m.sum(axis=1)
    clusters = (s.m > 0).sum(axis=1).astype(np.float64)
    if singletons:
        df = people - k
    else:
        d = np.einsum("rga,rga->rg", a_t * a_t, f * f)
        P = (F @ (Q @ (f * a_t)[..., None]))[..., 0]  # X_g'p_g, (R, G, k)
        N = P.transpose(0, 2, 1) @ P
        NM = N @ M
        PMP = np.einsum("rgk,rgk->rg", P @ M, P)
        trace = d.sum(axis=1) - np.einsum("rkk->r", NM)
        frob = (
            (d**2).sum(axis=1)
            - 2.0 * np.einsum("rg,rg->r", d, PMP)
            + np.einsum("rkl,rlk->r", NM, NM)
        )
        df = trace**2 / np.where(frob > 0, frob, np.nan)
    return BatchFit(
        b0=beta[:, j, 0],
        b_d=beta[:, j, 1],
        A=A,
        B=B,
        C=C,
        df=df,
        ok=ok & np.isfinite(df) & (df > 0),
        people=people,
        clusters=clusters,
    )


def wild_p_values(
    s: ClusterSums, effect: float, nulls: tuple[float, ...], V: Array, one_sided: bool
) -> NDArray[np.float64]:
    """Wild cluster restricted bootstrap p-values (Rademacher weights ``V``, ``(R, G, B)``)
    of ``H0: τ = τ0`` for each ``τ0`` in ``nulls``, at the effect ``effect``.

    The same algebra as ``hearten.stats.wild_bootstrap._WildProblem`` (Roodman et al. 2019) with
    CR1 t statistics, batched over replications: with restricted scores ``S`` (``G × k``),
    ``c = S M e_j``, ``D_gh = e_j'M X_g'X_g M S_h``; a draw's numerator is ``c'v`` and its
    variance ``f Σ_g (c_g v_g - D_g v)²``. Returns ``(len(nulls), R)``.
    """
    F, q = _design(s)
    R, k = F.shape[0], F.shape[2]
    j = s.treat_column
    y_q = q[..., 0] + effect * q[..., 1]  # X_g'y_g, (R, G, k)
    Cg = np.einsum("rgka,rgla->rgkl", F, F)
    XtX = Cg.sum(axis=1)
    keep = [i for i in range(k) if i != j]
    M, ok = _inverse(XtX)
    Mr, ok_r = _inverse(XtX[:, keep][:, :, keep])
    bad = ~(ok & ok_r)
    beta = np.einsum("rkl,rl->rk", M, y_q.sum(axis=1))
    beta_r = np.einsum("rkl,rl->rk", Mr, y_q.sum(axis=1)[:, keep])
    pi = np.einsum("rkl,rl->rk", Mr, XtX[:, keep, j])
    S_y = y_q - np.einsum("rgkl,rl->rgk", Cg[:, :, :, keep], beta_r)
    S_x = Cg[:, :, :, j] - np.einsum("rgkl,rl->rgk", Cg[:, :, :, keep], pi)
    s_obs = y_q - np.einsum("rgkl,rl->rgk", Cg, beta)
    n = s.m.sum(axis=1)
    Gobs = (s.m > 0).sum(axis=1)
    scale = (Gobs / (Gobs - 1)) * ((n - 1) / (n - k))
    Bj = M[:, j]
    se = np.sqrt(scale * np.einsum("rg,rg->r", *(2 * [np.einsum("rgk,rk->rg", s_obs, Bj)])))
    Y = np.einsum("rgkl,rl->rgk", Cg, Bj)  # X_g'X_g M e_j
    out = np.empty((len(nulls), R))
    for i, tau0 in enumerate(nulls):
        S = S_y - tau0 * S_x
        c = np.einsum("rgk,rk->rg", S, Bj)
        D = np.einsum("rgk,rkl,rhl->rgh", Y, M, S)
        K = c[:, :, None] * V - D @ V
        se_star = np.sqrt(scale[:, None] * np.einsum("rgb,rgb->rb", K, K))
        num = np.einsum("rg,rgb->rb", c, V)
        t_star = np.divide(num, se_star, out=np.zeros_like(num), where=se_star > 0)
        t_obs = (beta[:, j] - tau0) / se
        if one_sided:
            out[i] = np.mean(t_star >= (t_obs * (1 - 1e-12))[:, None], axis=1)
        else:
            out[i] = np.mean(np.abs(t_star) >= (np.abs(t_obs) * (1 - 1e-12))[:, None], axis=1)
    out[:, bad] = np.nan
    return out
