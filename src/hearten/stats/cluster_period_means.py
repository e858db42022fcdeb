"""REML fits of the stepped-wedge model to balanced cluster-period means whose periods are
correlated within a cluster, for many replications at once.

With ``m`` people in every cluster-period and the fixed effects (intercept, treatment,
periods) constant within a cell, the restricted likelihood of the people splits into that of
the cluster-period means ``ȳ_it`` and a part without the fixed effects, so the treatment
effect's REML estimate, model-based standard error and Satterthwaite df depend on the means
alone (:mod:`hearten.stats.stepped_wedge_sim` shows it for the cluster-intercept model).
A cluster's ``T`` means have the covariance

    ``V = a I + b J + c R(r)``,  ``R(r)[j, j'] = r^|j - j'|``,

with ``J`` the matrix of ones. The structures, as :mod:`hearten.stats.stepped_wedge`'s closed
form assumes them:

* ``exchangeable`` (``c = 0``): random cluster and cluster-by-period intercepts, the
  block-exchangeable model (Hooper et al. 2016, Stat Med 35:4718; Girling and Hemming 2016),
  for cross-sectional samples (``a = γ² + σ²/m``, ``b = τ²``) and, as the same family on the
  means, for a closed cohort (Hooper's model with person intercepts as well:
  ``a = γ² + σ²_e/m``, ``b = τ² + σ²_p/m``);
* ``decay`` (``b = 0``): cluster-by-period effects that decay as ``r^lag`` (Kasza et al.
  2019, SMMR 28:703), cross-sectional (``a = σ²/m``, ``c`` the cluster variance);
* ``decay-cohort``: the same with a closed cohort's persistent person effects (``b = σ²_p/m``).

REML with the scale ``σ² = a + b + c`` profiled out: ``(n - p) log q + C log|V₀| +
log|X'V₀⁻¹X|`` over ``V₀ = V/σ²``, with ``n = CT`` means, ``p`` fixed effects and ``q`` the
GLS residual quadratic form. ``V₀`` is written with shares of the variance (:func:`_relative`)
so that its parameters fill a box, ``[0, 1]`` each, with the boundaries (a variance at zero)
on its faces. Every replication has the same design, so each evaluation inverts one
``T × T`` matrix per replication and point. The search is a grid over the box refined
around each replication's best point (a box-constrained search that needs no starting value,
cannot leave the parameter space, and is not caught by the local optima in which R's
``nlme`` can stop for these models), for all replications at once. Satterthwaite's df for
the effect are as lmerTest's: ``df = 2v²/(∇v' A ∇v)``, ``A`` the (pseudo-)inverse of half the
Hessian of the restricted deviance in ``(a, b, c, r)``, by central differences.

Written by hand: no library fits thousands of small REML models with these correlation
structures in one batch. The tests check it against the one-at-a-time exchangeable fit and
against R's ``nlme`` (tests/stats/reference/make_cluster_period_means.R).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np
from numpy.typing import NDArray
from scipy import stats as sps

from hearten.errors import DesignError

Array = NDArray[np.float64]
Structure = Literal["exchangeable", "decay", "decay-cohort"]
STRUCTURES: tuple[Structure, ...] = get_args(Structure)
#: Grid points per ratio in the first, shared pass, and in each refinement around the best.
FIRST_GRID = {1: 41, 2: 17, 3: 9}
REFINE_GRID = {1: 5, 2: 5, 3: 3}
#: Each refinement looks a step either side of the best point so far, then halves the
#: step; 26 passes leave steps below 1e-8 in ``u`` and ``r``, well inside the deviance's
#: flat top.
REFINES = 26
#: The clusters' share of the variance stops short of 1, so the covariance stays invertible.
S_MAX = 1.0 - 1e-9


@dataclass(frozen=True, slots=True)
class MeansFits:
    """The model fitted to ``R`` replications (each ``(R,)``): the treatment ``estimate``,
    ``std_error``, Satterthwaite ``df`` and ``p_value``; the components of ``V``: ``a``
    (the identity), ``b`` (ones), ``c`` (the decaying part, 0 without) and ``r``."""

    estimate: Array
    std_error: Array
    df: Array
    p_value: Array
    a: Array
    b: Array
    c: Array
    r: Array


def _ratios(structure: Structure) -> int:
    return {"exchangeable": 1, "decay": 2, "decay-cohort": 3}[structure]


def _relative(structure: Structure, u: Array, T: int) -> Array:
    """``V`` over its total scale at the box points ``u`` (``(..., k)``): ``(..., T, T)``.

    ``u = (s, r, t)`` breaks the unit of variance into shares, so that every box point is a
    covariance and every covariance a box point: ``1 - s`` on the identity, ``s`` on the
    cluster's part, of which ``t`` decays as ``R(r)`` and ``1 - t`` stays (``J``)."""
    lag = np.abs(np.subtract.outer(np.arange(T), np.arange(T)))
    s = np.minimum(u[..., 0, None, None], S_MAX)
    own = (1.0 - s) * np.eye(T)
    if structure == "exchangeable":
        return np.asarray(own + s)
    decaying = u[..., 1, None, None] ** lag
    if structure == "decay":
        return np.asarray(own + s * decaying)
    t = u[..., 2, None, None]
    return np.asarray(own + s * (t * decaying + (1.0 - t)))


def _natural(structure: Structure, u: Array, scale: Array) -> Array:
    """``(a, b, c, r)`` from the box point ``u`` and the profiled ``scale`` (``(R, 4)``)."""
    s = np.minimum(u[:, 0], S_MAX)
    zero = np.zeros_like(scale)
    if structure == "exchangeable":
        return np.stack([scale * (1 - s), scale * s, zero, zero], axis=1)
    if structure == "decay":
        return np.stack([scale * (1 - s), zero, scale * s, u[:, 1]], axis=1)
    t = u[:, 2]
    return np.stack([scale * (1 - s), scale * s * (1 - t), scale * s * t, u[:, 1]], axis=1)


class _Means:
    """The sums of the means every evaluation needs (module docstring)."""

    def __init__(self, X: Array, means: Array) -> None:
        self.C, self.T, self.p = X.shape
        self.n = self.C * self.T
        self.Q = np.einsum("ctp,cuq->tupq", X, X)
        self.P = np.einsum("ctp,rcu->rtup", X, means)
        self.S = np.einsum("rct,rcu->rtu", means, means)

    def gls(self, V: Array) -> tuple[Array, Array, Array, Array]:
        """``log|V|``, ``X'V⁻¹X``, ``β̂`` and ``q`` for ``V`` of shape ``(R, G, T, T)``, or
        ``(1, G, T, T)`` for points every replication shares (inverted once)."""
        Vi = np.linalg.inv(V)
        logdet = np.linalg.slogdet(V)[1]
        A = np.einsum("rgtu,tupq->rgpq", Vi, self.Q)
        if V.shape[0] == 1 and self.P.shape[0] > 1:
            b = np.einsum("gtu,rtup->rgp", Vi[0], self.P)
            yy = np.einsum("gtu,rut->rg", Vi[0], self.S)
            logdet = np.broadcast_to(logdet, yy.shape)
            A = np.broadcast_to(A, (*yy.shape, self.p, self.p))
        else:
            b = np.einsum("rgtu,rtup->rgp", Vi, self.P)
            yy = np.einsum("rgtu,rut->rg", Vi, self.S)
        beta = np.linalg.solve(A, b[..., None])[..., 0]
        q = yy - np.einsum("rgp,rgp->rg", b, beta)
        return logdet, A, beta, q

    def profiled(self, V0: Array) -> Array:
        logdet, A, _, q = self.gls(V0)
        dof = self.n - self.p
        return np.asarray(
            dof * np.log(np.maximum(q, 1e-300)) + self.C * logdet + np.linalg.slogdet(A)[1]
        )

    def full(self, V: Array) -> tuple[Array, Array]:
        """The restricted deviance and the effect's variance at ``V`` (``(R, G, T, T)``)."""
        logdet, A, _, q = self.gls(V)
        deviance = self.C * logdet + np.linalg.slogdet(A)[1] + q
        return np.asarray(deviance), np.asarray(np.linalg.inv(A)[..., 1, 1])


def _covariance(structure: Structure, psi: Array, T: int) -> Array:
    """``V`` from the natural parameters ``ψ`` (``(..., 4)``: ``a``, ``b``, ``c``, ``r``)."""
    lag = np.abs(np.subtract.outer(np.arange(T), np.arange(T)))
    a, b, c, r = (psi[..., k, None, None] for k in range(4))
    decaying = c * r**lag if structure != "exchangeable" else 0.0
    return np.asarray(a * np.eye(T) + b + decaying)


def _search(m: _Means, structure: Structure) -> Array:
    """Each replication's REML ratios in the box (``(R, k)``)."""
    k = _ratios(structure)
    R = m.P.shape[0]
    first = np.array(list(itertools.product(np.linspace(0.0, 1.0, FIRST_GRID[k]), repeat=k)))
    dev = m.profiled(_relative(structure, first, m.T)[None])
    best = first[np.argmin(dev, axis=1)]
    step = np.full((R, k), 1.0 / (FIRST_GRID[k] - 1))
    unit = np.array(list(itertools.product(np.linspace(-1.0, 1.0, REFINE_GRID[k]), repeat=k)))
    for _ in range(REFINES):
        points = np.clip(best[:, None, :] + step[:, None, :] * unit[None], 0.0, 1.0)
        dev = m.profiled(_relative(structure, points, m.T))
        best = points[np.arange(R), np.argmin(dev, axis=1)]
        step = step / 2.0
    return np.asarray(best)


def fit_means(X: Array, means: Array, structure: Structure, alpha: float = 0.05) -> MeansFits:
    """The model with covariance ``structure`` fitted by REML to every replication's
    cluster-period means (``means``: ``(R, C, T)``; ``X``: ``(C, T, p)``, the treatment in
    column 1), with Satterthwaite df (module docstring)."""
    if structure not in STRUCTURES:
        raise DesignError(f"unknown structure {structure!r}: choose {', '.join(STRUCTURES)}")
    m = _Means(X, means)
    u = _search(m, structure)
    V0 = _relative(structure, u, m.T)[:, None]
    _, _, beta, q = m.gls(V0)
    psi = _natural(structure, u, q[:, 0] / (m.n - m.p))
    free = {"exchangeable": [0, 1], "decay": [0, 2, 3], "decay-cohort": [0, 1, 2, 3]}[structure]
    df, v = _satterthwaite(m, structure, psi, free)
    se = np.sqrt(v)
    estimate = beta[:, 0, 1]
    p = 2 * sps.t.sf(np.abs(estimate / se), df)
    return MeansFits(estimate, se, df, p, psi[:, 0], psi[:, 1], psi[:, 2], psi[:, 3])


def _satterthwaite(
    m: _Means, structure: Structure, psi: Array, free: list[int]
) -> tuple[Array, Array]:
    """Satterthwaite's df and the variance of the effect at ``psi`` (module docstring)."""
    k = len(free)
    h = np.maximum(np.abs(psi[:, free]) * 1e-4, 1e-7)
    shifts = [np.zeros(psi.shape)]
    for i in range(k):
        e = np.zeros(psi.shape)
        e[:, free[i]] = h[:, i]
        shifts.append(e)

    def at(points: list[Array]) -> tuple[Array, Array]:
        V = _covariance(structure, np.stack(points, axis=1), m.T)
        return m.full(V)

    corners: list[Array] = []
    for i in range(k):
        for j in range(k):
            ei, ej = shifts[i + 1], shifts[j + 1]
            corners += [psi + ei + ej, psi + ei - ej, psi - ei + ej, psi - ei - ej]
    dev, _ = at(corners)
    hess = np.zeros((len(psi), k, k))
    for i in range(k):
        for j in range(k):
            f = dev[:, 4 * (i * k + j) : 4 * (i * k + j) + 4]
            hess[:, i, j] = (f[:, 0] - f[:, 1] - f[:, 2] + f[:, 3]) / (4 * h[:, i] * h[:, j])
    sides = [psi + s for s in shifts[1:]] + [psi - s for s in shifts[1:]] + [psi]
    _, var = at(sides)
    grad = (var[:, :k] - var[:, k : 2 * k]) / (2 * h)
    v = var[:, 2 * k]
    A = np.linalg.pinv(hess / 2, hermitian=True)
    df = 2 * v**2 / np.einsum("ri,rij,rj->r", grad, A, grad)
    return np.asarray(df), np.asarray(v)
