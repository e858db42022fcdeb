"""Randomisation inference for a stepped-wedge trial: re-draw the allocation of clusters to
sequences and see how often the effect is as large as the one observed.

The statistic is the two-way fixed-effects estimate of the effect on the cluster-period
means (a fixed effect for each cluster and each period, equal weights): with a complete
cluster × period table ``Ȳ`` and the treatment table ``X`` of an allocation, it is
``Σ Ẍ Ȳ / Σ Ẍ²`` with ``Ẍ`` the doubly demeaned ``X``, so each re-draw costs one sum.
The sharp null is no effect for anyone, so the observed ``Ȳ`` stays as it is under every
allocation. When the distinct allocations number at most ``exact_limit`` they are all
enumerated (an exact test): for a stratified allocation, every arrangement of each stratum's
clusters over that stratum's sequences, combined across strata (the Cartesian product), so
their number is the product over strata of the multinomial counts. The enumeration keeps
each stratum's sequence sizes as drawn, so it is exact given those sizes (every arrangement
with them is equally likely under the rule), as for an unstratified allocation. Otherwise
``reps`` re-draws come from :func:`hearten.stats.randomise.redraws` by the allocation's own
rule and seed.
The p-value counts the observed allocation among the draws (``(1 + #{|T*| ≥ |T|}) /
(1 + R)``) for the re-drawn test, and is the share of all allocations for the exact one.

Hand-written: the statistic is one line, no library re-draws stepped-wedge sequences, and
the enumeration of distinct allocations is a few lines (no dependency offers it).
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from hearten.errors import DataError
from hearten.stats.randomise import redraws
from hearten.stats.sequences import allocations_possible, sequence_rule


@dataclass(frozen=True, slots=True)
class SequenceTest:
    """The observed two-way fixed-effects ``estimate``, its two-sided ``p_value``, how many
    allocations it was compared with (``allocations``) and whether they were all of them
    (``exact``)."""

    estimate: float
    p_value: float
    allocations: int
    exact: bool


def _means(y: ArrayLike, cluster: ArrayLike, period: ArrayLike) -> pd.DataFrame:
    frame = pd.DataFrame({"y": np.asarray(y, dtype=np.float64), "c": cluster, "p": period})
    table = frame.pivot_table(index="c", columns="p", values="y", aggfunc="mean")
    if table.isna().any().any():
        raise DataError(
            "randomisation inference needs every cluster measured in every period: some "
            "cluster-periods have no data"
        )
    return table


def _statistic(means: NDArray[np.float64], treated: NDArray[np.float64]) -> NDArray[np.float64]:
    """The two-way fixed-effects estimate for each treatment table (``(..., C, T)``)."""
    x = treated - treated.mean(axis=-1, keepdims=True) - treated.mean(axis=-2, keepdims=True)
    x = x + treated.mean(axis=(-1, -2), keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray((x * means).sum(axis=(-1, -2)) / (x * x).sum(axis=(-1, -2)))


def _tables(starts: NDArray[np.int64], periods: int) -> NDArray[np.float64]:
    return (np.arange(periods)[None, None, :] >= starts[:, :, None]).astype(np.float64)


def _all_starts(starts: Sequence[int]) -> Iterator[list[int]]:
    """Every distinct ordering of ``starts`` (each allocation once)."""
    counts = dict(Counter(starts))
    chosen: list[int] = []

    def place() -> Iterator[list[int]]:
        if len(chosen) == len(starts):
            yield list(chosen)
            return
        for value in sorted(counts):
            if counts[value]:
                counts[value] -= 1
                chosen.append(value)
                yield from place()
                chosen.pop()
                counts[value] += 1

    yield from place()


def _all_stratified_starts(starts: Sequence[int], labels: Sequence[str]) -> NDArray[np.int64]:
    """Every distinct allocation that keeps each stratum's clusters within the stratum and
    its sequence sizes as drawn: the Cartesian product of the strata's own orderings
    (``(allocations, clusters)``, clusters in the order given)."""
    groups = {s: [i for i, label in enumerate(labels) if label == s] for s in sorted(set(labels))}
    within = [list(_all_starts([starts[i] for i in members])) for members in groups.values()]
    out = np.empty((math.prod(len(w) for w in within), len(starts)), dtype=np.int64)
    for row, combination in enumerate(itertools.product(*within)):
        for members, values in zip(groups.values(), combination, strict=True):
            out[row, members] = values
    return out


def _allocation_count(
    units: Sequence[str], start: dict[str, int], labels: Sequence[str] | None, steps: int
) -> int:
    """How many distinct allocations the exact test would enumerate: the product over strata
    of the multinomial count of the stratum's clusters in its sequence sizes."""
    strata = labels if labels is not None else [""] * len(units)
    total = 1
    for stratum in sorted(set(strata)):
        members = [u for u, s in zip(units, strata, strict=True) if s == stratum]
        total *= allocations_possible(
            [sum(1 for u in members if start[u] == k) for k in range(1, steps + 1)]
        )
    return total


def sequence_test(
    y: ArrayLike,
    cluster: ArrayLike,
    period: ArrayLike,
    start: dict[str, int],
    strata: dict[str, str] | None = None,
    seed: int = 0,
    reps: int = 10_000,
    exact_limit: int = 50_000,
) -> SequenceTest:
    """Test no effect by re-drawing which clusters start when (module docstring).

    ``start`` is each cluster's start period (its sequence number), ``strata`` each cluster's
    stratum when the allocation was stratified, ``seed`` the allocation's seed.
    """
    table = _means(y, cluster, period)
    # The clusters in the order the allocation listed them (its roster snapshot sorts the
    # units by key), so the rule re-drawn is the one drawn, whatever order the rows came in.
    table.index = [str(c) for c in table.index]
    table = table.loc[sorted(table.index)]
    units = list(table.index)
    missing = [u for u in units if u not in start]
    if missing:
        raise DataError(f"no start period for cluster {missing[0]!r}: give every cluster's")
    periods = table.shape[1]
    means = table.to_numpy(dtype=np.float64)
    observed_starts = np.array([[start[u] for u in units]])
    observed = float(_statistic(means, _tables(observed_starts, periods))[0])
    steps = max(start.values())
    labels = [strata[u] for u in units] if strata is not None else None
    if _allocation_count(units, start, labels, steps) <= exact_limit:
        drawn = _all_stratified_starts(observed_starts[0].tolist(), labels or [""] * len(units))
        stats = _statistic(means, _tables(drawn, periods))
        p = float(np.mean(np.abs(stats) >= abs(observed) - 1e-12))
        return SequenceTest(observed, p, len(drawn), True)
    rule = sequence_rule(units, labels, steps)
    position = {u: i for i, u in enumerate(units)}
    order = [position[u] for u in rule.units]
    drawn = np.empty((reps, len(units)), dtype=np.int64)
    drawn[:, order] = redraws(rule, seed, reps) + 1
    stats = _statistic(means, _tables(drawn, periods))
    hits = int(np.sum(np.abs(stats) >= abs(observed) - 1e-12))
    return SequenceTest(observed, (1 + hits) / (1 + reps), reps, False)
