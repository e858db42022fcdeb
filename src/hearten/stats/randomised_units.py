"""The randomised units of a trial's design, and the assignments it could have made.

The randomisation tests re-draw assignments from the trial's actual design: whole clusters
move together and each stratum keeps its number of treated units. The linear test
(:mod:`hearten.stats.inference`), the tests of rate and hazard ratios
(:mod:`hearten.stats.ratio_inference`) and the Westfall–Young step-down
(:mod:`hearten.stats.multiplicity`) share these units, their seeded chunks of re-draws, the
integer codes of strata and clusters, and the null model's columns (covariates and strata
indicators); the wild score bootstrap (:mod:`hearten.stats.score_bootstrap`) shares the codes
and the columns.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from hearten.errors import EstimationError
from hearten.stats.chunks import seeded_chunks

#: At most this many re-randomisations per chunk (fewer for large trials, to bound memory).
RI_CHUNK = 1000


def label_codes(
    values: ArrayLike | None, n: int, default: Literal["one", "each"]
) -> NDArray[np.int64]:
    """Integer codes of labels (sorted); without labels, one group (``one``) or one per row
    (``each``)."""
    if values is None:
        return np.zeros(n, dtype=np.int64) if default == "one" else np.arange(n, dtype=np.int64)
    return pd.factorize(pd.Series(np.asarray(values)), sort=True)[0].astype(np.int64)


def assignment_codes(
    treat: ArrayLike, strata: ArrayLike | None, cluster: ArrayLike | None
) -> tuple[NDArray[np.float64], NDArray[np.int64], NDArray[np.int64]]:
    """The 0/1 assignment as randomised, the codes of its strata (one when none are given)
    and of its randomised units (each person when no clusters are given).

    Raises:
        EstimationError: the assignment is not 0/1.
    """
    t = np.asarray(treat, dtype=np.float64)
    n = len(t)
    if not np.all(np.isin(t, (0.0, 1.0))):
        raise EstimationError("randomisation inference needs a 0/1 treatment")
    return t, label_codes(strata, n, "one"), label_codes(cluster, n, "each")


def adjustment_matrix(
    n: int, covariates: ArrayLike | None, s_codes: NDArray[np.int64], intercept: bool = True
) -> NDArray[np.float64]:
    """What a test adjusts for: an intercept (unless ``intercept`` is false, as in a Cox
    model), the covariates and the strata indicators (all strata but the first)."""
    cols = [np.ones(n)] if intercept else []
    if covariates is not None:
        cols += list(np.asarray(covariates, dtype=np.float64).reshape(n, -1).T)
    cols += [(s_codes == s).astype(np.float64) for s in range(1, int(s_codes.max()) + 1)]
    return np.column_stack(cols) if cols else np.zeros((n, 0))


def ri_chunks(n: int, reps: int, seed: int) -> list[tuple[int, int, np.random.SeedSequence]]:
    """The chunks of re-randomisations for ``n`` rows: their size is fixed by ``n`` alone
    (memory), never by the number of workers."""
    return seeded_chunks(reps, max(1, min(RI_CHUNK, 4_000_000 // max(n, 1))), seed)


@dataclass(frozen=True, slots=True)
class RandomisedUnits:
    """The randomised units of a design: which observations each holds, its stratum, and
    how many units each stratum treated."""

    cluster: NDArray[np.int64]  # the unit of each observation
    treated: NDArray[np.float64]  # each unit's assignment
    groups: tuple[NDArray[np.int64], ...]  # the units of each stratum
    counts: tuple[int, ...]  # treated units per stratum

    @classmethod
    def of(
        cls, treat: NDArray[np.float64], cluster: NDArray[np.int64], strata: NDArray[np.int64]
    ) -> RandomisedUnits:
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

    def redrawn_units(self, reps: int, seed: int, rows: int) -> tuple[NDArray[np.float64], bool]:
        """The units' re-draws, ``(units, R)``, and whether they are every assignment: all
        of them when they number at most ``reps``, else ``reps`` seeded draws in the chunks
        of :func:`ri_chunks` for ``rows`` rows (the chunks fix the draws: a caller keeps
        its ``rows`` to keep its numbers)."""
        if self.assignments <= reps:
            return self.every_unit(), True
        chunks = ri_chunks(rows, reps, seed)
        drawn = [self.draw_units(c, np.random.default_rng(sq)) for _, c, sq in chunks]
        return np.hstack(drawn), False


def design_draws(
    treat: NDArray[np.float64],
    cluster: NDArray[np.int64],
    strata: NDArray[np.int64],
    reps: int,
    seed: int,
) -> tuple[NDArray[np.float64], bool]:
    """Assignments re-drawn from the design: ``(n, R)`` 0/1 columns, and whether enumerated.

    Units are clusters; each stratum keeps its number of treated units. The draws are those
    :func:`hearten.stats.inference.randomisation_inference` makes with the same seed.
    """
    units = RandomisedUnits.of(treat, cluster, strata)
    drawn, enumerated = units.redrawn_units(reps, seed, len(treat))
    return drawn[units.cluster], enumerated
