"""Allocating units that join after the trial was randomised (late joiners), one at a time.

Two schemes, each reproducible from the trial's seed and the joiner's place in the order of
joining, on any machine (raw ``PCG64`` streams, as in ``hearten.stats.randomise``):

* **Blocked** (permuted blocks within strata): each stratum has its own sequence of blocks,
  each a shuffle of the ratio's arms (``ratio × multiple`` slots); the stratum's ``i``-th
  joiner takes slot ``i``. Every joiner's probability of arm ``k`` is exactly the ratio's
  share, and after every complete block the stratum's joiners are in exact ratio. Block ``b``
  of stratum ``s`` comes from ``SeedSequence([seed, 3, h(s), b])`` with ``h`` the first 8
  bytes of SHA-256 of the stratum's name.
* **Minimisation** (Pocock and Simon 1975) with a biased coin: for each arm, the imbalance
  the joiner would create is the sum over factors (e.g. site, role) of the range of the
  ratio-scaled arm counts among units with the joiner's level; the arm(s) with least
  imbalance get probability ``p`` (shared among ties), the others share ``1 - p``; when every
  arm ties, each gets ``1/arms``. The joiner's uniform comes from
  ``SeedSequence([seed, 4, sequence])``. The probability recorded is the one the joiner
  actually faced; minimisation is not a design randomisation inference can re-draw without
  replaying the whole sequence, so analyse late joiners by the usual (model-based) methods.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np

from hearten.errors import DesignError
from hearten.stats.randomise import check_arms, check_seed, permutation, uniforms

LateScheme = Literal["blocked", "minimisation"]
LATE_SCHEMES: tuple[LateScheme, ...] = get_args(LateScheme)
BLOCK_STREAM = 3
MINIMISATION_STREAM = 4


@dataclass(frozen=True, slots=True)
class LateAllocation:
    """One late joiner's arm, the probability it had of that arm, and how it was drawn."""

    arm: str
    probability: float
    scheme: LateScheme


def _stratum_key(stratum: str) -> int:
    return int.from_bytes(hashlib.sha256(stratum.encode()).digest()[:8], "big")


def blocked_joiner(
    stratum: str,
    index: int,
    arm_names: Sequence[str],
    ratio: Sequence[int],
    seed: int,
    multiple: int = 1,
) -> LateAllocation:
    """The arm of the ``index``-th (from 0) joiner in ``stratum`` by permuted blocks."""
    check_arms(arm_names, ratio)
    check_seed(seed)
    if index < 0 or multiple < 1:
        raise DesignError("the joiner's index and the block multiple must be positive")
    size = sum(ratio) * multiple
    block, slot = divmod(index, size)
    bits = np.random.PCG64(
        np.random.SeedSequence([seed, BLOCK_STREAM, _stratum_key(stratum), block])
    )
    pool = np.repeat(np.arange(len(arm_names)), [r * multiple for r in ratio])
    arm = int(pool[permutation(size, bits)][slot])
    return LateAllocation(arm_names[arm], ratio[arm] / sum(ratio), "blocked")


def minimisation_probabilities(
    existing: Sequence[tuple[str, Mapping[str, str]]],
    factors: Mapping[str, str],
    arm_names: Sequence[str],
    ratio: Sequence[int],
    p: float = 0.8,
) -> list[float]:
    """Each arm's probability for a joiner with ``factors`` (module docstring).

    ``existing`` lists every unit already allocated as ``(arm, {factor: level})``.
    """
    check_arms(arm_names, ratio)
    if not 1.0 / len(arm_names) <= p < 1.0:
        raise DesignError(
            f"the minimisation probability must be at least 1/{len(arm_names)} and below 1"
        )
    if not factors:
        raise DesignError("minimisation needs at least one factor (e.g. site)")
    index = {a: i for i, a in enumerate(arm_names)}
    scores = np.zeros(len(arm_names))
    for factor, level in factors.items():
        counts = np.zeros(len(arm_names))
        for arm, levels in existing:
            if levels.get(factor) == level:
                counts[index[arm]] += 1
        for k in range(len(arm_names)):
            trial = counts.copy()
            trial[k] += 1
            scaled = trial / np.asarray(ratio, dtype=np.float64)
            scores[k] += scaled.max() - scaled.min()
    best = np.flatnonzero(np.isclose(scores, scores.min()))
    if len(best) == len(arm_names):
        return [1.0 / len(arm_names)] * len(arm_names)
    others = len(arm_names) - len(best)
    return [p / len(best) if k in best else (1 - p) / others for k in range(len(arm_names))]


def minimise_joiner(
    existing: Sequence[tuple[str, Mapping[str, str]]],
    factors: Mapping[str, str],
    arm_names: Sequence[str],
    ratio: Sequence[int],
    seed: int,
    sequence: int,
    p: float = 0.8,
) -> LateAllocation:
    """The arm of late joiner number ``sequence`` (from 0, across the trial) by minimisation."""
    check_seed(seed)
    probs = minimisation_probabilities(existing, factors, arm_names, ratio, p)
    bits = np.random.PCG64(np.random.SeedSequence([seed, MINIMISATION_STREAM, sequence]))
    u = float(uniforms(bits, 1)[0])
    arm = min(int(np.searchsorted(np.cumsum(probs), u, side="right")), len(probs) - 1)
    return LateAllocation(arm_names[arm], probs[arm], "minimisation")
