"""Stratified (blocked) randomisation of units (people, teams or offices) to arms.

The draw is reproducible from its seed on any machine and numpy version: numpy promises a
stable bit stream from ``PCG64`` but not from ``Generator`` methods such as ``permutation``,
so the uniforms and the shuffle are built here from the raw 64-bit stream (hand-written for
that guarantee, not for want of a library).

Within each stratum of ``n`` units and arm probabilities ``p_k`` (from the ratio), arm ``k``
gets ``floor(n p_k)`` units plus possibly one of the ``r`` leftover units; the leftovers go
to arms by systematic sampling on the fractional parts ``n p_k - floor(n p_k)``, so every
unit's probability of arm ``k`` is exactly ``p_k`` and the counts differ from ``n p_k`` by
less than one (randomizr's ``block_ra`` gives the same guarantee).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from hearten.errors import DesignError

SCHEME_BLOCKED = "blocked"


@dataclass(frozen=True, slots=True)
class Assignment:
    """A randomised allocation of units to arms.

    Attributes:
        units: unit identifiers, sorted by stratum then unit.
        strata: the stratum of each unit (same order).
        arms: the arm drawn for each unit.
        probabilities: each unit's probability of the arm it drew.
        seed: the seed that reproduces the draw.
        scheme: the randomisation scheme.
        arm_names: the arms, in design order.
        ratio: the allocation ratio, one integer per arm.
    """

    units: tuple[str, ...]
    strata: tuple[str, ...]
    arms: tuple[str, ...]
    probabilities: tuple[float, ...]
    seed: int
    scheme: str
    arm_names: tuple[str, ...]
    ratio: tuple[int, ...]


def block_randomise(
    units: Sequence[str],
    strata: Sequence[str] | None,
    arm_names: Sequence[str],
    ratio: Sequence[int],
    seed: int,
) -> Assignment:
    """Randomise ``units`` to ``arm_names`` in ``ratio``, separately within each stratum.

    The result does not depend on the order ``units`` are given in. With ``strata=None``
    all units form one stratum (complete randomisation).
    """
    if len(arm_names) < 2:
        raise DesignError("a trial needs at least two arms")
    if len(ratio) != len(arm_names) or any(int(r) < 1 for r in ratio):
        raise DesignError("give one positive whole-number ratio per arm, e.g. 1:1")
    if len(set(units)) != len(units):
        raise DesignError("each unit must appear once")
    if not isinstance(seed, int) or seed < 0:
        raise DesignError("the seed must be a non-negative whole number")
    labels = list(strata) if strata is not None else ["all"] * len(units)
    if len(labels) != len(units):
        raise DesignError("give one stratum per unit")
    probs = np.asarray(ratio, dtype=np.float64) / float(sum(ratio))
    bits = np.random.PCG64(seed)
    out_units: list[str] = []
    out_strata: list[str] = []
    out_arms: list[str] = []
    out_probs: list[float] = []
    for stratum in sorted(set(labels)):
        members = sorted(u for u, s in zip(units, labels, strict=True) if s == stratum)
        counts = _arm_counts(len(members), probs, bits)
        pool = np.repeat(np.arange(len(arm_names)), counts)
        drawn = pool[_permutation(len(pool), bits)]
        out_units += members
        out_strata += [stratum] * len(members)
        out_arms += [arm_names[i] for i in drawn]
        out_probs += [float(probs[i]) for i in drawn]
    return Assignment(
        units=tuple(out_units),
        strata=tuple(out_strata),
        arms=tuple(out_arms),
        probabilities=tuple(out_probs),
        seed=seed,
        scheme=SCHEME_BLOCKED,
        arm_names=tuple(arm_names),
        ratio=tuple(int(r) for r in ratio),
    )


def _uniforms(bits: np.random.PCG64, size: int) -> NDArray[np.float64]:
    """``size`` uniforms on [0, 1) from the top 53 bits of the raw stream."""
    raw = np.asarray(bits.random_raw(size), dtype=np.uint64)
    return (raw >> np.uint64(11)).astype(np.float64) * (1.0 / 9007199254740992.0)


def _permutation(n: int, bits: np.random.PCG64) -> NDArray[np.int64]:
    """A Fisher–Yates shuffle of ``0..n-1`` driven by :func:`_uniforms`."""
    perm = np.arange(n)
    if n < 2:
        return perm
    u = _uniforms(bits, n - 1)
    for step, i in enumerate(range(n - 1, 0, -1)):
        j = int(u[step] * (i + 1))
        perm[i], perm[j] = perm[j], perm[i]
    return perm


def _arm_counts(n: int, probs: NDArray[np.float64], bits: np.random.PCG64) -> NDArray[np.int64]:
    """Arm sizes for ``n`` units: floors, plus leftovers by systematic sampling."""
    target = n * probs
    counts = np.floor(target + 1e-9).astype(np.int64)
    frac = np.clip(target - counts, 0.0, None)
    leftover = n - int(counts.sum())
    if leftover > 0:
        start = float(_uniforms(bits, 1)[0])
        edges = np.cumsum(frac)
        for j in range(leftover):
            arm = int(np.searchsorted(edges, start + j, side="right"))
            counts[min(arm, len(counts) - 1)] += 1  # guard against rounding at the end
    return counts
