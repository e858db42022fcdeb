"""Simulation of the analysis that will actually be run: power, bias, RMSE, coverage, type S.

Each replication draws a trial from the model below, randomises it as the design says, loses
people to follow-up, and analyses it as Hearten does (ANCOVA on the baseline with strata fixed
effects, CR2 with Satterthwaite degrees of freedom by the randomised unit, or HC2 when people
are randomised; optionally the wild cluster restricted bootstrap). Replications are fitted in
batches (``hearten.stats.batched``), not one model at a time.

**Model** (outcomes in units of their total SD). For person ``i`` in team ``j`` in site ``k``
``y = τ D + √ρ₃ v_k + √ρ₂ u_jk + √(1-ρ₂-ρ₃) e_ijk`` and the baseline
``x = √ρ₃ v'_k + √ρ₂ u'_jk + √(1-ρ₂-ρ₃) e'_ijk``, every pair ``(v, v')``, ``(u, u')``,
``(e, e')`` standard normal with correlation ``r`` (``pre_post``). So ``x`` has the outcome's
ICCs and explains ``R² = r²`` at every level, the closed form's ``R²₁ = R²₂ = R²₃``.
``D = 1`` for people in the treated arm who take part (probability ``uptake``, independent of
everything else), so ``τ`` is the effect on those who take part and the ITT effect is
``uptake · τ``: bias, RMSE and coverage are measured against the latter. Team sizes are drawn
per replication from a gamma distribution with the given mean and coefficient of variation
(rounded, at least 1). People are followed up with probability ``1 - attrition`` (by arm),
independently of their outcomes. ``ira`` and ``bira`` have no teams; ``cra2`` has one site.

**Randomisation**: the design's unit (people for ``ira``/``bira``, teams for
``cra2``/``bcra3f2``, sites for ``cra3``), with ``round(P · units)`` treated in each stratum
(sites for ``bira`` and ``bcra3f2``, which are analysed with site fixed effects).

**Monte-Carlo standard errors** (Morris, White & Crowther 2019): power, coverage and type S
as binomial proportions; bias ``SD(est)/√R``; RMSE by the delta method
``SD((est - θ)²) / (2 RMSE √R)``. The MDES is found by bisection on the same replications
(common random numbers: estimates and variances are linear and quadratic in ``τ``); its
Monte-Carlo SE is the power's divided by the slope of the power curve there.

Replications run in chunks of ``CHUNK`` with seeds spawned from the one seed
(``numpy.random.SeedSequence``), so the answer depends on the seed and the number of
replications only, not on how many workers ran the chunks or in what order.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal, get_args

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import stats as sps

from hearten.errors import DesignError
from hearten.stats.batched import BatchFit, ClusterSums, fit_batch, wild_p_values
from hearten.stats.chunks import Runner, current, seeded_chunks
from hearten.stats.power import DESIGNS, DesignKind, PowerDesign, solve_mdes, solve_power

SimMethod = Literal["cr2", "wild"]
SIM_METHODS: tuple[SimMethod, ...] = get_args(SimMethod)
#: Replications per chunk: the unit of work and of seeding.
CHUNK = 200
#: Chunks of the wild bootstrap are smaller: each holds ``G × B`` weights per replication.
WILD_CHUNK = 20

Array = NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class SimulationSpec:
    """A trial to simulate (sizes and names as in ``hearten power``; see module docstring).

    Attributes:
        design: ``ira``, ``bira``, ``cra2``, ``bcra3f2`` or ``cra3``.
        n: people (``ira``) or people per site (``bira``).
        clusters: teams (``cra2``: in all; ``bcra3f2``, ``cra3``: per site).
        cluster_size: mean people per team; ``cv`` the coefficient of variation of sizes.
        sites: sites ``K`` (``bira``, ``bcra3f2``, ``cra3``).
        icc2, icc3: team and site ICCs.
        pre_post: correlation of baseline and follow-up at every level (0: no baseline).
        effect: effect on those who take part, in SDs of the outcome.
        uptake: share of the treated arm who take part.
        attrition, attrition_treated: shares not followed up in the control and treated
            arms (``attrition_treated`` defaults to ``attrition``).
        treated: share of units randomised to treatment.
        alpha, one_sided: the test.
        method: ``cr2`` (CR2/Satterthwaite, HC2 for individual designs) or ``wild``.
        bootstrap_reps: wild bootstrap draws per replication.
        power: target power for the MDES search.
    """

    design: DesignKind
    n: int | None = None
    clusters: int | None = None
    cluster_size: float | None = None
    sites: int | None = None
    cv: float = 0.0
    icc2: float = 0.0
    icc3: float = 0.0
    pre_post: float = 0.0
    effect: float = 0.0
    uptake: float = 1.0
    attrition: float = 0.0
    attrition_treated: float | None = None
    treated: float = 0.5
    alpha: float = 0.05
    one_sided: bool = False
    method: SimMethod = "cr2"
    bootstrap_reps: int = 399
    power: float = 0.8

    @property
    def itt(self) -> float:
        """The ITT effect the analysis estimates."""
        return self.uptake * self.effect

    @property
    def lost_treated(self) -> float:
        return self.attrition if self.attrition_treated is None else self.attrition_treated

    def closed_form(self) -> PowerDesign:
        """The nearest PowerUp! design (``R² = pre_post²`` at every level)."""
        r2 = self.pre_post**2
        cluster = self.design not in ("ira", "bira")
        return PowerDesign(
            design=self.design,
            n=self.n if not cluster else self.cluster_size,
            clusters=self.clusters,
            sites=self.sites,
            icc2=self.icc2 if cluster else 0.0,
            icc3=self.icc3 if self.design == "cra3" else 0.0,
            r2_1=r2,
            r2_2=r2 if cluster else 0.0,
            r2_3=r2 if self.design == "cra3" else 0.0,
            covariates=1 if self.pre_post else 0,
            treated=self.treated,
            alpha=self.alpha,
            one_sided=self.one_sided,
            attrition=(self.attrition + self.lost_treated) / 2,
            cv=self.cv,
        )


def _need(value: float | None, name: str, design: str) -> None:
    if value is None:
        raise DesignError(f"the {design} design needs {name}")


def check_spec(s: SimulationSpec) -> None:
    """Refuse a specification that cannot be simulated, saying what to change."""
    if s.design not in DESIGNS:
        raise DesignError(f"unknown design {s.design!r}: choose {', '.join(DESIGNS)}")
    if s.method not in SIM_METHODS:
        raise DesignError(f"unknown method {s.method!r}: choose {' or '.join(SIM_METHODS)}")
    if s.design in ("ira", "bira"):
        _need(s.n, "n (people" + (" per site)" if s.design == "bira" else ")"), s.design)
    else:
        _need(s.clusters, "clusters (teams)", s.design)
        _need(s.cluster_size, "cluster_size (mean people per team)", s.design)
    if s.design in ("bira", "bcra3f2", "cra3"):
        _need(s.sites, "sites", s.design)
    for name in ("icc2", "icc3", "attrition", "cv"):
        value = getattr(s, name)
        if not 0.0 <= value < (1.0 if name != "cv" else 3.0):
            top = "3" if name == "cv" else "1"
            raise DesignError(f"{name} must be at least 0 and below {top}, not {value}")
    if not 0.0 <= s.lost_treated < 1.0:
        raise DesignError(f"attrition_treated must be at least 0 and below 1, not {s.lost_treated}")
    if s.icc2 + s.icc3 >= 1.0:
        raise DesignError("icc2 and icc3 together must be below 1")
    if not -1.0 < s.pre_post < 1.0:
        raise DesignError(f"pre_post must be between -1 and 1, not {s.pre_post}")
    if not 0.0 < s.uptake <= 1.0:
        raise DesignError(f"uptake must be above 0 and at most 1, not {s.uptake}")
    if not 0.0 < s.treated < 1.0:
        raise DesignError(f"treated must be between 0 and 1, not {s.treated}")
    if not 0.0 < s.alpha < 0.5 or not 0.0 < s.power < 1.0:
        raise DesignError("alpha must be in (0, 0.5) and power in (0, 1)")
    if s.method == "wild" and s.design in ("ira", "bira"):
        raise DesignError(
            "the wild cluster bootstrap is for cluster-randomised designs: use method "
            "'cr2' (HC2 for individual randomisation)"
        )
    if s.method == "wild" and s.bootstrap_reps < 99:
        raise DesignError("use at least 99 bootstrap draws (bootstrap_reps)")
    units, strata = _units(s)
    per = np.bincount(strata)
    treated = np.round(s.treated * per)
    if (treated < 1).any() or (treated > per - 1).any():
        raise DesignError(
            f"each stratum has {per.min()} randomised units: too few to put at least one in "
            "each arm at this share treated; add units or change treated"
        )
    if s.design in ("ira", "bira") and units - 2 - (s.sites or 1) < 1:
        raise DesignError("too few people for any degrees of freedom: add people")


def _units(s: SimulationSpec) -> tuple[int, NDArray[np.int64]]:
    """The number of randomised units and each one's stratum."""
    K = s.sites or 1
    if s.design == "ira":
        return int(s.n or 0), np.zeros(int(s.n or 0), dtype=np.int64)
    if s.design == "bira":
        return int(s.n or 0) * K, np.repeat(np.arange(K), int(s.n or 0))
    if s.design == "cra2":
        return int(s.clusters or 0), np.zeros(int(s.clusters or 0), dtype=np.int64)
    if s.design == "bcra3f2":
        return int(s.clusters or 0) * K, np.repeat(np.arange(K), int(s.clusters or 0))
    return K, np.zeros(K, dtype=np.int64)  # cra3: sites randomised as one stratum


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
    """Simulate ``R`` replications of ``s`` (module docstring)."""
    K = s.sites or 1
    units, strata = _units(s)
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


@dataclass(frozen=True, slots=True)
class ChunkResult:
    """One chunk's replications: the batched fit and, for ``wild``, the p-values at 0 and at
    the true ITT effect (``(2, R)``)."""

    index: int
    fit: BatchFit
    wild: Array | None


def run_chunk(s: SimulationSpec, index: int, R: int, seed: np.random.SeedSequence) -> ChunkResult:
    """Simulate and analyse one chunk (a task for any executor)."""
    rng = np.random.default_rng(seed)
    d = draw(s, R, rng)
    sums = cluster_sums(s, d)
    fit = fit_batch(sums, singletons=s.design in ("ira", "bira"))
    wild = None
    if s.method == "wild":
        G = d.units
        if s.bootstrap_reps >= 2**G:
            grid = np.array(np.meshgrid(*[[-1.0, 1.0]] * G, indexing="ij")).reshape(G, -1)
            V = np.broadcast_to(grid, (R, *grid.shape))
        else:
            V = rng.choice(np.array([-1.0, 1.0]), size=(R, G, s.bootstrap_reps))
        wild = wild_p_values(sums, s.effect, (0.0, s.itt), V, s.one_sided)
    return ChunkResult(index, fit, wild)


@dataclass(frozen=True, slots=True)
class Estimate:
    """A Monte-Carlo estimate and its Monte-Carlo standard error."""

    value: float
    mcse: float


@dataclass(frozen=True, slots=True)
class SimulationResult:
    """What the simulation found at ``spec.effect`` (module docstring).

    Attributes:
        spec, reps, seed: what was simulated; ``failed`` replications with a singular design
            were dropped.
        itt: the true ITT effect; ``power``, ``bias``, ``rmse``, ``coverage``, ``type_s``
            (share of significant results with the wrong sign; ``None`` at a zero effect or
            with no significant results) with their Monte-Carlo SEs.
        type_m: mean exaggeration of significant estimates, ``|est| / |ITT|`` (``None`` as
            ``type_s``).
        mean_se, empirical_se: the average standard error, and the SD of the estimates.
        mean_df, mean_people, mean_clusters: averages over replications.
        mdes: the effect on those who take part reaching ``spec.power`` (CR2 only), with its
            Monte-Carlo SE; ``mdes_itt`` on the ITT scale.
        closed_form_power, closed_form_mdes: the nearest PowerUp! design's answers (ITT
            scale for the MDES).
    """

    spec: SimulationSpec
    reps: int
    seed: int
    failed: int
    itt: float
    power: Estimate
    bias: Estimate
    rmse: Estimate
    coverage: Estimate
    type_s: Estimate | None
    type_m: float | None
    mean_se: float
    empirical_se: float
    mean_df: float
    mean_people: float
    mean_clusters: float
    mdes: Estimate | None
    mdes_itt: float | None
    closed_form_power: float
    closed_form_mdes: float


@dataclass(frozen=True, slots=True)
class Replications:
    """Every replication's treatment coefficient, in chunk order (``BatchFit`` fields)."""

    fit: BatchFit
    wild: Array | None

    @classmethod
    def combine(cls, chunks: Sequence[ChunkResult]) -> Replications:
        ordered = sorted(chunks, key=lambda c: c.index)
        fields = BatchFit.__dataclass_fields__
        fit = BatchFit(**{f: np.concatenate([getattr(c.fit, f) for c in ordered]) for f in fields})
        wild = None
        if ordered and ordered[0].wild is not None:
            wild = np.concatenate([c.wild for c in ordered if c.wild is not None], axis=1)
        return cls(fit, wild)

    def at(self, tau: float) -> tuple[Array, Array, Array]:
        """Estimates, standard errors and df of the usable replications at effect ``tau``."""
        f = self.fit
        ok = f.ok
        est = f.b0[ok] + tau * f.b_d[ok]
        var = f.A[ok] + 2 * tau * f.B[ok] + tau * tau * f.C[ok]
        return est, np.sqrt(np.clip(var, 0.0, None)), f.df[ok]


def _critical(s: SimulationSpec, df: Array) -> Array:
    return np.asarray(sps.t.ppf(1 - (s.alpha if s.one_sided else s.alpha / 2), df), np.float64)


def _rejects(
    s: SimulationSpec, est: Array, se: Array, df: Array, null: float = 0.0
) -> NDArray[np.bool_]:
    t = (est - null) / se
    crit = _critical(s, df)
    return np.asarray(t > crit if s.one_sided else np.abs(t) > crit, dtype=np.bool_)


def power_at(s: SimulationSpec, reps: Replications, tau: float) -> float:
    """Analytic (CR2/HC2) power at effect ``tau`` (on those who take part)."""
    est, se, df = reps.at(tau)
    return float(np.mean(_rejects(s, est, se, df)))


def _proportion(values: Array) -> Estimate:
    p = float(np.mean(values))
    return Estimate(p, math.sqrt(p * (1 - p) / max(len(values), 1)))


def _mdes(s: SimulationSpec, reps: Replications) -> Estimate | None:
    """Smallest effect (on those who take part) with power at least ``s.power``."""
    f = reps.fit
    if not f.ok.any():
        return None
    sd = float(np.std(f.b0[f.ok]))
    slope_per_tau = float(np.mean(f.b_d[f.ok])) or 1.0
    high = max(4 * sd / abs(slope_per_tau), 1e-6)
    for _ in range(40):
        if power_at(s, reps, high) >= s.power:
            break
        high *= 2
    else:
        return None
    low = 0.0
    while high - low > 1e-6 * max(high, 1e-9):
        mid = (low + high) / 2
        if power_at(s, reps, mid) >= s.power:
            high = mid
        else:
            low = mid
    step = 0.05 * high
    slope = (power_at(s, reps, high + step) - power_at(s, reps, high - step)) / (2 * step)
    n = int(f.ok.sum())
    mcse = math.sqrt(s.power * (1 - s.power) / n) / slope if slope > 0 else math.nan
    return Estimate(high, mcse)


def summarise(s: SimulationSpec, reps: Replications, seed: int) -> SimulationResult:
    """The Monte-Carlo summaries of ``reps`` at ``s.effect`` (module docstring)."""
    f = reps.fit
    n = int(f.ok.sum())
    if n < 2:
        raise DesignError(
            "fewer than two replications could be analysed: the design is too small or "
            "attrition too high for the model to be estimated"
        )
    est, se, df = reps.at(s.effect)
    truth = s.itt
    if reps.wild is not None:
        p0, p_truth = reps.wild[0][f.ok], reps.wild[1][f.ok]
        reject, covered = p0 <= s.alpha, p_truth > s.alpha
    else:
        reject = _rejects(s, est, se, df)
        covered = ~_rejects(s, est, se, df, truth)
    err = est - truth
    sq = err**2
    rmse = math.sqrt(float(np.mean(sq)))
    type_s = type_m = None
    if truth != 0 and reject.any():
        wrong = np.sign(est[reject]) != np.sign(truth)
        type_s = _proportion(wrong.astype(np.float64))
        type_m = float(np.mean(np.abs(est[reject]))) / abs(truth)
    mdes = _mdes(s, reps) if reps.wild is None else None
    closed = s.closed_form()
    return SimulationResult(
        spec=s,
        reps=len(f.ok),
        seed=seed,
        failed=len(f.ok) - n,
        itt=truth,
        power=_proportion(reject.astype(np.float64)),
        bias=Estimate(float(np.mean(err)), float(np.std(err, ddof=1)) / math.sqrt(n)),
        rmse=Estimate(rmse, float(np.std(sq, ddof=1)) / (2 * rmse * math.sqrt(n)) if rmse else 0),
        coverage=_proportion(covered.astype(np.float64)),
        type_s=type_s,
        type_m=type_m,
        mean_se=float(np.mean(se)),
        empirical_se=float(np.std(est, ddof=1)),
        mean_df=float(np.mean(df)),
        mean_people=float(np.mean(f.people)),
        mean_clusters=float(np.mean(f.clusters)),
        mdes=mdes,
        mdes_itt=None if mdes is None else mdes.value * s.uptake,
        closed_form_power=solve_power(closed, truth).power if truth else closed.alpha,
        closed_form_mdes=solve_mdes(closed, s.power).mdes,
    )


def tasks(s: SimulationSpec, reps: int, seed: int) -> list[tuple[int, int, np.random.SeedSequence]]:
    """The chunks of ``reps`` replications and their spawned seeds."""
    return seeded_chunks(reps, WILD_CHUNK if s.method == "wild" else CHUNK, seed)


def simulate(
    s: SimulationSpec,
    reps: int,
    seed: int,
    runner: Runner | None = None,
    progress: Callable[[int], None] | None = None,
) -> tuple[SimulationResult, Replications]:
    """Simulate ``reps`` replications of ``s`` with ``seed`` and summarise them.

    ``runner`` runs the chunks (here by default; the CLI passes threads or a Dask cluster,
    :mod:`hearten.stats.chunks`); ``progress`` is called with the number of replications
    each finished chunk adds.
    """
    check_spec(s)
    if reps < 10:
        raise DesignError("simulate at least 10 replications (1,000 or more is usual)")
    done: list[ChunkResult] = []
    for chunk in (runner or current())(run_chunk, s, tasks(s, reps, seed)):
        done.append(chunk)
        if progress is not None:
            progress(len(chunk.fit.ok))
    replications = Replications.combine(done)
    return summarise(s, replications, seed), replications


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
