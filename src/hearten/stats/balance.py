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


def cluster_means(values: ArrayLike, cluster: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Each cluster's mean of ``values`` (missing values left out) and the cluster labels, in
    sorted label order: the units of a cluster-level balance table."""
    import pandas as pd

    frame = pd.DataFrame({"v": np.asarray(values, dtype=np.float64), "c": np.asarray(cluster)})
    means = frame.groupby("c", sort=True)["v"].mean()
    return means.to_numpy(dtype=np.float64), means.index.to_numpy()


@dataclass(frozen=True, slots=True)
class SampleRatioTest:
    """A sample-ratio-mismatch test: are the arms' counts what the allocation implies?

    Attributes:
        observed: count per arm, in the order given.
        expected: the counts implied by ``expected_shares``.
        statistic, df, p_value: Pearson's chi-square goodness-of-fit test.
    """

    arms: tuple[str, ...]
    observed: tuple[int, ...]
    expected: tuple[float, ...]
    statistic: float
    df: int
    p_value: float


def sample_ratio_test(
    observed: Mapping[str, int], expected_shares: Mapping[str, float]
) -> SampleRatioTest:
    """Pearson's chi-square test of the arms' counts against the shares they should have.

    For people randomised one by one the shares are the allocation ratio's; for a subsample
    (those who consented, those who answered) of a cluster trial give each arm's share of
    the people randomised, so that unequal team sizes are not mistaken for a mismatch. People
    in a cluster trial are not independent, so there a small p-value is a prompt to look, not
    proof; the report's attrition section tests differential response with CR2.
    """
    from scipy import stats as sps

    from hearten.errors import EstimationError

    arms = tuple(expected_shares)
    total_share = sum(expected_shares.values())
    counts = np.asarray([observed.get(a, 0) for a in arms], dtype=np.float64)
    if counts.sum() == 0 or total_share <= 0:
        raise EstimationError("a sample-ratio test needs people in the sample")
    expected = counts.sum() * np.asarray([expected_shares[a] for a in arms]) / total_share
    if (expected <= 0).any():
        raise EstimationError("every arm needs a positive expected share")
    result = sps.chisquare(counts, expected)
    return SampleRatioTest(
        arms=arms,
        observed=tuple(int(c) for c in counts),
        expected=tuple(float(e) for e in expected),
        statistic=float(result.statistic),
        df=len(arms) - 1,
        p_value=float(result.pvalue),
    )
