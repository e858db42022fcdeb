"""Agreement between coders: Cohen's kappa and Krippendorff's alpha for nominal data.

Two coders who tag the same transcript units with a code agree by chance some of the time;
both statistics correct the observed agreement for that chance.

**Cohen's kappa** (Cohen 1960) for two coders who each coded every unit:
``kappa = (p_o - p_e) / (1 - p_e)`` with ``p_o`` the share of units on which they agree and
``p_e = sum_c p_1c * p_2c`` the agreement expected from each coder's own marginal shares.

**Krippendorff's alpha** (Krippendorff 2011, *Computing Krippendorff's Alpha-Reliability*,
Annenberg School for Communication, University of Pennsylvania) for any number of coders,
with missing values: build the coincidence matrix ``o_ck`` in which each unit ``u`` with
``m_u >= 2`` values adds ``1 / (m_u - 1)`` for every ordered pair of values from different
coders; with ``n_c = sum_k o_ck`` and ``n = sum_c n_c``, for nominal data
``alpha = 1 - (n - 1) * (n - sum_c o_cc) / (n**2 - sum_c n_c**2)``. Units coded by fewer than
two coders are not pairable and drop out. Both are written by hand (a few lines over numpy)
so that the statistics core needs no extra dependency; the tests check them against the
published worked examples and against the ``krippendorff`` package.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class Kappa:
    """Cohen's kappa for two coders.

    ``kappa`` is ``None`` when chance agreement is already perfect (both coders used one and
    the same category for every unit), where the statistic is undefined.
    ``observed`` is ``p_o``, ``expected`` is ``p_e`` and ``units`` the number of units both
    coders coded.
    """

    kappa: float | None
    observed: float
    expected: float
    units: int


@dataclass(frozen=True, slots=True)
class Alpha:
    """Krippendorff's alpha for nominal data.

    ``alpha`` is ``None`` when the pairable values show no variation (every value the same),
    where the statistic is undefined. ``observed_disagreement`` is ``D_o`` and
    ``expected_disagreement`` is ``D_e`` (``alpha = 1 - D_o / D_e``); ``pairable_values`` is
    ``n`` (values in units with at least two values) and ``units`` the number of such units.
    """

    alpha: float | None
    observed_disagreement: float
    expected_disagreement: float
    pairable_values: int
    units: int


def cohen_kappa(first: Sequence[Hashable], second: Sequence[Hashable]) -> Kappa:
    """Cohen's kappa between two coders' nominal values for the same units (module
    docstring). Units where either value is ``None`` are left out."""
    if len(first) != len(second):
        raise ValueError(
            f"the two coders coded different numbers of units ({len(first)} and {len(second)})"
        )
    pairs = [(a, b) for a, b in zip(first, second, strict=True) if a is not None and b is not None]
    if not pairs:
        raise ValueError("no unit was coded by both coders")
    n = len(pairs)
    observed = sum(1 for a, b in pairs if a == b) / n
    categories = {a for a, _ in pairs} | {b for _, b in pairs}
    expected = sum(
        (sum(1 for a, _ in pairs if a == c) / n) * (sum(1 for _, b in pairs if b == c) / n)
        for c in categories
    )
    kappa = None if expected >= 1.0 else (observed - expected) / (1.0 - expected)
    return Kappa(kappa=kappa, observed=observed, expected=expected, units=n)


def krippendorff_alpha(reliability: Sequence[Sequence[Hashable | None]]) -> Alpha:
    """Krippendorff's alpha for nominal data (module docstring).

    ``reliability`` is the reliability data matrix of the computing note: one row per coder,
    one column per unit, ``None`` where a coder did not code a unit.
    """
    if not reliability:
        raise ValueError("no coders given")
    width = len(reliability[0])
    if any(len(row) != width for row in reliability):
        raise ValueError("every coder's row must have one value per unit")
    values: list[Hashable] = sorted(
        {v for row in reliability for v in row if v is not None}, key=repr
    )
    index = {v: i for i, v in enumerate(values)}
    coincidences = np.zeros((len(values), len(values)))
    units = 0
    for u in range(width):
        present = [index[row[u]] for row in reliability if row[u] is not None]
        m = len(present)
        if m < 2:
            continue
        units += 1
        counts = np.bincount(present, minlength=len(values)).astype(float)
        # ordered pairs from different coders: n_c * n_k off the diagonal, n_c * (n_c - 1) on it
        pairs = np.outer(counts, counts) - np.diag(counts)
        coincidences += pairs / (m - 1)
    margins = coincidences.sum(axis=1)
    n = float(margins.sum())
    if n == 0:
        raise ValueError("no unit was coded by two or more coders")
    agreeing = float(np.trace(coincidences))
    observed = (n - agreeing) / n
    expected = (n * n - float((margins**2).sum())) / (n * (n - 1))
    alpha = None if expected == 0 else 1.0 - observed / expected
    return Alpha(
        alpha=alpha,
        observed_disagreement=observed,
        expected_disagreement=expected,
        pairable_values=round(n),
        units=units,
    )
