"""Balance of a parallel trial's arms: the analysed sample at baseline, everyone randomised
(people and the clusters' means) and the sample-ratio tests, for the report's balance tables,
built as the run's typed parts (:mod:`hearten.analysis.balance_table`)."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
from numpy.typing import ArrayLike

from hearten.analysis.balance_table import ArmBalance, BalanceRow, RandomisedBalance, SampleRatio
from hearten.stats.balance import balance_row, cluster_means, sample_ratio_test

BALANCE_VARIABLES = (
    ("baseline", "Baseline score"),
    ("fte", "Full-time equivalent"),
    ("caseload", "Caseload"),
    ("years_in_post", "Years in post"),
)


def _row(variable: str, values_by_arm: Mapping[str, ArrayLike], control: str) -> BalanceRow:
    """One variable's balance (:func:`hearten.stats.balance.balance_row`) as the run holds it."""
    row = balance_row(variable, values_by_arm, control)
    return BalanceRow(
        variable=row.variable,
        arms=tuple(ArmBalance(arm=a.arm, n=a.n, mean=a.mean, sd=a.sd) for a in row.arms),
        std_diff=row.std_diff,
    )


def analysed_balance(data: pd.DataFrame, arms: list[str], control: str) -> tuple[BalanceRow, ...]:
    """Baseline balance of the analysed sample, caseload included (a structural stressor)."""
    return tuple(
        _row(
            label,
            {a: data.loc[data["arm"] == a, column].to_numpy(dtype=float) for a in arms},
            control,
        )
        for column, label in BALANCE_VARIABLES
    )


def sample_ratio(
    data: pd.DataFrame, arms: list[str], ratio: list[int], clustered: bool
) -> tuple[SampleRatio, ...]:
    """Sample-ratio tests of the consenting and the responding samples (``balance``)."""
    if clustered:  # each arm's share of the people randomised, not of the clusters
        shares = {a: float((data["arm"] == a).sum()) for a in arms}
    else:
        shares = {a: float(r) for a, r in zip(arms, ratio, strict=True)}
    samples = (
        ("consented", data["consented"]),
        ("answered the follow-up", data["consented"] & data["outcome"].notna()),
    )
    out = []
    for label, rows in samples:
        if not rows.any():
            continue
        counts = data.loc[rows, "arm"].value_counts()
        test = sample_ratio_test({a: int(counts.get(a, 0)) for a in arms}, shares)
        out.append(
            SampleRatio(
                sample=label,
                arms=test.arms,
                observed=test.observed,
                expected=test.expected,
                statistic=test.statistic,
                df=test.df,
                p_value=test.p_value,
            )
        )
    return tuple(out)


def randomisation_balance(
    data: pd.DataFrame, arms: list[str], control: str, clustered: bool, unit: str
) -> RandomisedBalance:
    """Balance of everyone randomised: people, and (cluster trials) the clusters' means."""
    people = analysed_balance(data, arms, control)
    clusters: list[BalanceRow] = []
    if clustered:
        arm_of = data.groupby("cluster")["arm"].first()
        columns = [("size", f"People per {unit}")] + [
            (c, f"{label} ({unit} mean)") for c, label in BALANCE_VARIABLES
        ]
        frame = data.assign(size=1.0)
        for column, label in columns:
            if column == "size":
                values = frame.groupby("cluster")["size"].sum()
                means, keys = values.to_numpy(dtype=float), values.index.to_numpy()
            else:
                means, keys = cluster_means(frame[column].to_numpy(dtype=float), frame["cluster"])
            arm = arm_of[keys].to_numpy()
            clusters.append(_row(label, {a: means[arm == a] for a in arms}, control))
    return RandomisedBalance(people=people, clusters=tuple(clusters))
