"""Baseline balance: means by arm and standardised differences."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike


@dataclass(frozen=True, slots=True)
class ArmSummary:
    """A variable's summary in one arm: ``n`` non-missing values, mean and SD (n - 1)."""

    arm: str
    n: int
    mean: float | None
    sd: float | None


@dataclass(frozen=True, slots=True)
class BalanceRow:
    """One baseline variable across arms.

    Attributes:
        variable: the variable's label.
        arms: one :class:`ArmSummary` per arm, control first.
        std_diff: per non-control arm, the standardised mean difference against control,
            ``(mean_t - mean_c) / sqrt((sd_t² + sd_c²) / 2)`` (Austin 2009); ``None`` when
            either arm has fewer than two values or no spread.
    """

    variable: str
    arms: tuple[ArmSummary, ...]
    std_diff: tuple[float | None, ...]


def balance_row(variable: str, values_by_arm: Mapping[str, ArrayLike], control: str) -> BalanceRow:
    """Summarise one baseline variable by arm; missing values (NaN) are left out."""
    order = [control, *[a for a in values_by_arm if a != control]]
    summaries = []
    for arm in order:
        v = np.asarray(values_by_arm[arm], dtype=np.float64)
        v = v[np.isfinite(v)]
        mean = float(v.mean()) if v.size else None
        sd = float(v.std(ddof=1)) if v.size > 1 else None
        summaries.append(ArmSummary(arm, int(v.size), mean, sd))
    c = summaries[0]
    diffs: list[float | None] = []
    for t in summaries[1:]:
        if None in (t.mean, c.mean, t.sd, c.sd):
            diffs.append(None)
            continue
        pooled = np.sqrt(((t.sd or 0.0) ** 2 + (c.sd or 0.0) ** 2) / 2.0)
        diffs.append(float(((t.mean or 0.0) - (c.mean or 0.0)) / pooled) if pooled > 0 else None)
    return BalanceRow(variable, tuple(summaries), tuple(diffs))
