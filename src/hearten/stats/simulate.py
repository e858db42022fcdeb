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
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import stats as sps

from hearten.errors import DesignError
from hearten.stats.batched import BatchFit, fit_batch, wild_p_values
from hearten.stats.chunks import Runner, current, seeded_chunks
from hearten.stats.power import solve_mdes, solve_power
from hearten.stats.simulated_trials import Draw, cluster_sums, dataset, draw, table
from hearten.stats.simulation_spec import SIM_METHODS, SimMethod, SimulationSpec, check_spec

__all__ = [
    "CHUNK",
    "SIM_METHODS",
    "WILD_CHUNK",
    "ChunkResult",
    "Draw",
    "Estimate",
    "Replications",
    "SimMethod",
    "SimulationResult",
    "SimulationSpec",
    "check_spec",
    "cluster_sums",
    "dataset",
    "draw",
    "power_at",
    "run_chunk",
    "simulate",
    "summarise",
    "table",
    "tasks",
]

#: Replications per chunk: the unit of work and of seeding.
CHUNK = 200
#: Chunks of the wild bootstrap are smaller: each holds ``G × B`` weights per replication.
WILD_CHUNK = 20

Array = NDArray[np.float64]


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
