"""Simulated trials: people drawn from the model, randomised, followed up, summed by unit.

``draw`` makes one chunk of replications at once (the model is in :mod:`hearten.stats.simulate`),
``cluster_sums`` reduces it to what the batched fit needs, and ``table`` or ``dataset`` gives one
replication as a table to analyse by other means.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from hearten.stats.batched import ClusterSums
from hearten.stats.simulation_spec import SimulationSpec, check_spec, randomised_units

Array = NDArray[np.float64]


def _assign(strata: NDArray[np.int64], share: float, R: int, rng: np.random.Generator) -> Array:
    """``(R, units)`` 0/1 assignments with ``round(share · size)`` treated in each stratum."""
    per = np.bincount(strata)
    start = np.r_[0, np.cumsum(per)[:-1]]
    order = np.argsort(strata[None, :] + rng.random((R, len(strata))), axis=1)
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(len(strata))[None, :].repeat(R, 0), axis=1)
    within = rank - start[strata][None, :]
    treated: Array = (within < np.round(share * per)[strata][None, :]).astype(np.float64)
    return treated


@dataclass(frozen=True, slots=True)
class Draw:
    """One chunk's simulated people, flattened over replications.

    ``rep``, ``site``, ``team``, ``unit`` index each person (``team`` is -1 without teams;
    ``unit`` is the randomised unit, within the replication); ``treat`` the arm, ``took_part``
    ``D``, ``observed`` followed up, ``baseline`` ``x`` (``None`` without one) and
    ``outcome0`` the outcome without the effect ``y₀``; ``slot`` is ``rep · units + unit``,
    the person's randomised unit across the chunk.
    """

    R: int
    units: int
    strata: NDArray[np.int64] = field(repr=False)
    rep: NDArray[np.int64] = field(repr=False)
    site: NDArray[np.int64] = field(repr=False)
    team: NDArray[np.int64] = field(repr=False)
    unit: NDArray[np.int64] = field(repr=False)
    slot: NDArray[np.int64] = field(repr=False)
    treat: Array = field(repr=False)
    took_part: Array = field(repr=False)
    observed: Array = field(repr=False)
    baseline: Array | None = field(repr=False)
    outcome0: Array = field(repr=False)


def draw(s: SimulationSpec, R: int, rng: np.random.Generator) -> Draw:
    """Simulate ``R`` replications of ``s`` (the model in :mod:`hearten.stats.simulate`)."""
    K = s.sites or 1
    units, strata = randomised_units(s)
    teams = s.design not in ("ira", "bira")
    if teams:
        T = int(s.clusters or 0) * (K if s.design != "cra2" else 1)
        team_site = np.repeat(np.arange(K), T // K) if s.design != "cra2" else np.zeros(T, int)
        mean = float(s.cluster_size or 1)
        if s.cv > 0:
            shape = 1 / s.cv**2
            sizes = np.maximum(1, np.round(rng.gamma(shape, mean / shape, (R, T)))).astype(int)
        else:
            sizes = np.full((R, T), max(1, round(mean)))
        # Integer division is slow on big arrays: every index is built by repetition.
        team_slot = np.repeat(np.arange(R * T), sizes.ravel())
        rep = np.repeat(np.arange(R), sizes.sum(axis=1))
        team = team_slot - rep * T
        site = team_site[team]
        site_slot = rep * K + site
        unit, slot = (team, team_slot) if s.design != "cra3" else (site, site_slot)
    else:
        per_site = int(s.n or 0) if s.design == "bira" else units
        rep = np.repeat(np.arange(R), units)
        unit = np.tile(np.arange(units), R)
        slot = np.arange(R * units)
        site = np.tile(np.repeat(np.arange(K), per_site), R)
        team = np.full(len(rep), -1)
    N = len(rep)
    r = s.pre_post
    rho1 = 1 - s.icc2 - s.icc3
    covariate = r != 0
    e = rng.standard_normal(N)
    y0 = math.sqrt(rho1) * e
    x = (
        math.sqrt(rho1) * (r * e + math.sqrt(1 - r * r) * rng.standard_normal(N))
        if covariate
        else e
    )
    if teams:
        levels = ((s.icc2, T, team_slot), (s.icc3, K, site_slot))
        for icc, count, index in levels:
            if icc == 0:
                continue
            effect = rng.standard_normal(R * count)
            y0 += math.sqrt(icc) * effect[index]
            if covariate:
                other = r * effect + math.sqrt(1 - r * r) * rng.standard_normal(R * count)
                x += math.sqrt(icc) * other[index]
    treat = _assign(strata, s.treated, R, rng).ravel()[slot]
    took_part = treat if s.uptake == 1 else treat * (rng.random(N) < s.uptake)
    lost = np.where(treat > 0, s.lost_treated, s.attrition)
    observed = (rng.random(N) >= lost).astype(np.float64)
    return Draw(
        R, units, strata, rep, site, team, unit, slot, treat, took_part, observed,
        x if covariate else None, y0,
    )  # fmt: skip


def cluster_sums(s: SimulationSpec, d: Draw) -> ClusterSums:
    """Sum each replication's randomised units over their observed people."""
    G = d.units
    idx = d.slot
    size = d.R * G

    def total(w: Array) -> Array:
        sums = np.bincount(idx, weights=w * d.observed, minlength=size)
        return np.asarray(sums, dtype=np.float64).reshape(d.R, G)

    m = total(np.ones(len(idx)))
    sy = np.stack([total(d.outcome0), total(d.took_part)], axis=-1)
    treat_unit = np.zeros(size)
    treat_unit[idx] = d.treat
    cols = [np.ones((d.R, G)), treat_unit.reshape(d.R, G)]
    if s.design in ("bira", "bcra3f2"):
        stratum = np.broadcast_to(d.strata, (d.R, G))
        cols += [(stratum == k).astype(np.float64) for k in range(1, int(d.strata.max()) + 1)]
    z = np.stack(cols, axis=-1)
    if d.baseline is None:
        return ClusterSums(z, m, None, None, sy, None)
    x = d.baseline
    sxy = np.stack([total(x * d.outcome0), total(x * d.took_part)], axis=-1)
    return ClusterSums(z, m, total(x), total(x * x), sy, sxy)


def table(d: Draw, r: int, effect: float) -> pd.DataFrame:
    """Replication ``r`` of a draw as a table, a row per person, ``outcome`` at ``effect``."""
    rows = d.rep == r
    return pd.DataFrame(
        {
            "site": d.site[rows],
            "team": d.team[rows],
            "unit": d.unit[rows],
            "arm": np.where(d.treat[rows] > 0, "treatment", "control"),
            "took_part": d.took_part[rows].astype(bool),
            "observed": d.observed[rows].astype(bool),
            "baseline": d.baseline[rows] if d.baseline is not None else np.nan,
            "outcome": d.outcome0[rows] + effect * d.took_part[rows],
        }
    )


def dataset(s: SimulationSpec, seed: int) -> pd.DataFrame:
    """One simulated trial as a table (to try an analysis on, or to check the batched one)."""
    check_spec(s)
    return table(draw(s, 1, np.random.default_rng(seed)), 0, s.effect)
