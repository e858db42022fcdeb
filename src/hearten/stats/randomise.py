"""Randomisation of units (people, teams or offices) to arms: complete, blocked, clustered,
matched pairs and re-randomised for balance.

**Reproducible on any machine and numpy version.** numpy promises a stable bit stream from
``PCG64`` and ``SeedSequence`` but not from ``Generator`` methods such as ``permutation``, so
the uniforms and the shuffle are built here from the raw 64-bit stream (hand-written for that
guarantee, not for want of a library). A draw depends only on the seed and the *rule*
(:class:`Rule`: the units in canonical order, their strata, the arms and ratio, and any
re-randomisation criterion), never on the order the units were given in.

**Blocked draws.** Within each stratum of ``n`` units and arm probabilities ``p_k`` (from the
ratio), arm ``k`` gets ``floor(n p_k)`` units plus possibly one of the ``r`` leftover units;
the leftovers go to arms by systematic sampling on the fractional parts, so every unit's
probability of arm ``k`` is exactly ``p_k`` and the counts differ from ``n p_k`` by less
than one (randomizr's ``block_ra`` gives the same guarantee). Complete randomisation is one
stratum; cluster randomisation draws clusters as the units; matched pairs are strata of two.

**Re-draws** for randomisation inference come from a second stream of the same seed
(``SeedSequence([seed, 1])``), each drawn by the same rule, so anyone with the seed and the
rule can reproduce every one (:func:`redraws`). Re-randomisation's rule is in
``hearten.stats.rerandomise``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np
from numpy.typing import NDArray

from hearten.errors import DesignError

SchemeKind = Literal[
    "complete",
    "blocked",
    "cluster",
    "blocked-cluster",
    "matched-pairs",
    "rerandomised",
    "stepped-wedge",
]
SCHEMES: tuple[SchemeKind, ...] = get_args(SchemeKind)
SCHEME_BLOCKED: SchemeKind = "blocked"
#: The stream of randomisation-inference re-draws (the allocation itself uses stream 0).
REDRAW_STREAM = 1
#: Units in every stratum when no strata are given.
ONE_STRATUM = "all"

Acceptance = Callable[[NDArray[np.int64]], bool]


@dataclass(frozen=True, slots=True)
class Rule:
    """Everything a draw depends on besides the seed.

    Attributes:
        units: the randomised units, sorted by stratum then unit (the canonical order).
        strata: each unit's stratum (``"all"`` when unstratified; a pair's label for matched
            pairs).
        arm_names: the arms, in design order.
        ratio: the allocation ratio, one whole number per arm.
        covariates: for re-randomisation, each unit's baseline covariates (same order).
        threshold: for re-randomisation, the largest Mahalanobis distance accepted.
    """

    units: tuple[str, ...]
    strata: tuple[str, ...]
    arm_names: tuple[str, ...]
    ratio: tuple[int, ...]
    covariates: tuple[tuple[float, ...], ...] | None = None
    threshold: float | None = None

    @property
    def probabilities(self) -> NDArray[np.float64]:
        return np.asarray(self.ratio, dtype=np.float64) / float(sum(self.ratio))


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
        draws: draws made before one was accepted (1 unless re-randomised).
    """

    units: tuple[str, ...]
    strata: tuple[str, ...]
    arms: tuple[str, ...]
    probabilities: tuple[float, ...]
    seed: int
    scheme: SchemeKind
    arm_names: tuple[str, ...]
    ratio: tuple[int, ...]
    draws: int = 1


def check_arms(arm_names: Sequence[str], ratio: Sequence[int]) -> None:
    """Refuse fewer than two arms, or a ratio that is not one positive whole number per arm."""
    if len(arm_names) < 2:
        raise DesignError("a trial needs at least two arms")
    if len(set(arm_names)) != len(arm_names):
        raise DesignError("each arm must have its own name")
    if len(ratio) != len(arm_names) or any(int(r) != r or int(r) < 1 for r in ratio):
        raise DesignError("give one positive whole-number ratio per arm, e.g. 1:1")


def check_seed(seed: int) -> None:
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise DesignError("the seed must be a non-negative whole number")


def make_rule(
    units: Sequence[str],
    strata: Sequence[str] | None,
    arm_names: Sequence[str],
    ratio: Sequence[int],
    covariates: Sequence[Sequence[float]] | None = None,
    threshold: float | None = None,
) -> Rule:
    """Validate and put units in canonical order (by stratum, then unit)."""
    check_arms(arm_names, ratio)
    if len(set(units)) != len(units):
        raise DesignError("each unit must appear once")
    labels = list(strata) if strata is not None else [ONE_STRATUM] * len(units)
    if len(labels) != len(units):
        raise DesignError("give one stratum per unit")
    order = sorted(range(len(units)), key=lambda i: (labels[i], units[i]))
    covs = None
    if covariates is not None:
        if len(covariates) != len(units):
            raise DesignError("give one row of covariates per unit")
        covs = tuple(tuple(float(v) for v in covariates[i]) for i in order)
    return Rule(
        units=tuple(units[i] for i in order),
        strata=tuple(labels[i] for i in order),
        arm_names=tuple(arm_names),
        ratio=tuple(int(r) for r in ratio),
        covariates=covs,
        threshold=threshold,
    )


def uniforms(bits: np.random.PCG64, size: int) -> NDArray[np.float64]:
    """``size`` uniforms on [0, 1) from the top 53 bits of the raw stream."""
    raw = np.asarray(bits.random_raw(size), dtype=np.uint64)
    return (raw >> np.uint64(11)).astype(np.float64) * (1.0 / 9007199254740992.0)


def permutation(n: int, bits: np.random.PCG64) -> NDArray[np.int64]:
    """A Fisher–Yates shuffle of ``0..n-1`` driven by :func:`uniforms`."""
    perm = np.arange(n)
    if n < 2:
        return perm
    u = uniforms(bits, n - 1)
    for step, i in enumerate(range(n - 1, 0, -1)):
        j = int(u[step] * (i + 1))
        perm[i], perm[j] = perm[j], perm[i]
    return perm


def arm_counts(n: int, probs: NDArray[np.float64], bits: np.random.PCG64) -> NDArray[np.int64]:
    """Arm sizes for ``n`` units: floors, plus leftovers by systematic sampling."""
    target = n * probs
    counts = np.floor(target + 1e-9).astype(np.int64)
    frac = np.clip(target - counts, 0.0, None)
    leftover = n - int(counts.sum())
    if leftover > 0:
        start = float(uniforms(bits, 1)[0])
        edges = np.cumsum(frac)
        for j in range(leftover):
            arm = int(np.searchsorted(edges, start + j, side="right"))
            counts[min(arm, len(counts) - 1)] += 1  # guard against rounding at the end
    return counts


def _blocks(rule: Rule) -> list[NDArray[np.intp]]:
    """The positions of each stratum's units, strata in sorted order."""
    labels = np.asarray(rule.strata, dtype=object)
    return [np.flatnonzero(labels == s) for s in sorted(set(rule.strata))]


def blocked_draw(rule: Rule, bits: np.random.PCG64) -> NDArray[np.int64]:
    """One blocked draw: each unit's arm index (canonical order)."""
    arms = np.empty(len(rule.units), dtype=np.int64)
    probs = rule.probabilities
    for block in _blocks(rule):
        counts = arm_counts(len(block), probs, bits)
        pool = np.repeat(np.arange(len(rule.arm_names)), counts)
        arms[block] = pool[permutation(len(pool), bits)]
    return arms


def draw_accepted(
    rule: Rule, bits: np.random.PCG64, accept: Acceptance | None, max_draws: int
) -> tuple[NDArray[np.int64], int]:
    """Blocked draws until ``accept`` takes one; the draw and how many were made."""
    for made in range(1, max_draws + 1):
        arms = blocked_draw(rule, bits)
        if accept is None or accept(arms):
            return arms, made
    raise DesignError(
        f"no draw met the balance criterion in {max_draws:,} tries: raise the acceptance "
        "probability or balance on fewer covariates"
    )


def redraws(
    rule: Rule, seed: int, reps: int, accept: Acceptance | None = None, max_draws: int = 100_000
) -> NDArray[np.int64]:
    """``reps`` re-draws by the same rule from the seed's re-draw stream: ``(reps, units)``
    arm indices. Draw ``r`` is the same however many are asked for."""
    check_seed(seed)
    bits = np.random.PCG64(np.random.SeedSequence([seed, REDRAW_STREAM]))
    out = np.empty((reps, len(rule.units)), dtype=np.int64)
    for r in range(reps):
        out[r] = draw_accepted(rule, bits, accept, max_draws)[0]
    return out


def scheme_of(strata: Sequence[str] | None, clustered: bool) -> SchemeKind:
    if strata is None:
        return "cluster" if clustered else "complete"
    return "blocked-cluster" if clustered else "blocked"


def assign(
    rule: Rule,
    seed: int,
    scheme: SchemeKind,
    accept: Acceptance | None = None,
    probabilities: NDArray[np.float64] | None = None,
    max_draws: int = 100_000,
) -> Assignment:
    """Draw the allocation of ``rule`` from ``seed`` (stream 0).

    ``probabilities`` (``units × arms``) when they are not the ratio's shares, as after
    re-randomisation with unequal arms.
    """
    check_seed(seed)
    arms, made = draw_accepted(rule, np.random.PCG64(seed), accept, max_draws)
    probs = (
        probabilities
        if probabilities is not None
        else np.tile(rule.probabilities, (len(rule.units), 1))
    )
    return Assignment(
        units=rule.units,
        strata=rule.strata,
        arms=tuple(rule.arm_names[a] for a in arms),
        probabilities=tuple(float(probs[i, a]) for i, a in enumerate(arms)),
        seed=seed,
        scheme=scheme,
        arm_names=rule.arm_names,
        ratio=rule.ratio,
        draws=made,
    )


def block_randomise(
    units: Sequence[str],
    strata: Sequence[str] | None,
    arm_names: Sequence[str],
    ratio: Sequence[int],
    seed: int,
    clustered: bool = False,
) -> Assignment:
    """Randomise ``units`` to ``arm_names`` in ``ratio``, separately within each stratum.

    The result does not depend on the order ``units`` are given in. With ``strata=None``
    all units form one stratum (complete randomisation); ``clustered`` says the units are
    clusters (teams or offices), which names the scheme.
    """
    check_seed(seed)
    rule = make_rule(units, strata, arm_names, ratio)
    return assign(rule, seed, scheme_of(strata, clustered))


def form_pairs(
    units: Sequence[str], score: Sequence[float], strata: Sequence[str] | None = None
) -> list[str]:
    """Match units into pairs on ``score`` within strata: sorted by score, neighbours paired
    (optimal for one score: it minimises the total within-pair distance). With an odd number
    in a stratum the unit with the middle score is left alone. Returns each unit's pair label.
    """
    if len(score) != len(units):
        raise DesignError("give one matching score per unit")
    values = np.asarray(score, dtype=np.float64)
    if not np.all(np.isfinite(values)):
        raise DesignError("the matching score is missing for some units: fill it in first")
    labels = list(strata) if strata is not None else [ONE_STRATUM] * len(units)
    pair = [""] * len(units)
    for stratum in sorted(set(labels)):
        members = sorted(
            (i for i in range(len(units)) if labels[i] == stratum),
            key=lambda i: (values[i], units[i]),
        )
        if len(members) % 2:
            alone = members.pop(len(members) // 2)
            pair[alone] = f"{stratum}/single/{units[alone]}"
        for k in range(0, len(members), 2):
            pair[members[k]] = pair[members[k + 1]] = f"{stratum}/pair-{k // 2 + 1:03d}"
    return pair


def pair_randomise(
    units: Sequence[str],
    score: Sequence[float],
    arm_names: Sequence[str],
    seed: int,
    strata: Sequence[str] | None = None,
) -> Assignment:
    """Matched-pair randomisation: pairs formed on ``score`` (:func:`form_pairs`), one unit
    of each pair to each of two arms, each with probability one half."""
    if len(arm_names) != 2:
        raise DesignError("matched pairs need exactly two arms (one unit of each pair to each)")
    check_seed(seed)
    rule = make_rule(units, form_pairs(units, score, strata), arm_names, [1, 1])
    return assign(rule, seed, "matched-pairs")
