"""Balance of a parallel trial's arms: the analysed sample at baseline, everyone randomised
(people and the clusters' means) and the sample-ratio tests, for the report's balance tables."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import pandas as pd

from hearten.stats.balance import balance_row, cluster_means, sample_ratio_test

BALANCE_VARIABLES = (
    ("baseline", "Baseline score"),
    ("fte", "Full-time equivalent"),
    ("caseload", "Caseload"),
    ("years_in_post", "Years in post"),
)


def analysed_balance(data: pd.DataFrame, arms: list[str], control: str) -> list[dict[str, Any]]:
    """Baseline balance of the analysed sample, caseload included (a structural stressor)."""
    return [
        asdict(
            balance_row(
                label,
                {a: data.loc[data["arm"] == a, column].to_numpy(dtype=float) for a in arms},
                control,
            )
        )
        for column, label in BALANCE_VARIABLES
    ]


def sample_ratio(
    data: pd.DataFrame, arms: list[str], ratio: list[int], clustered: bool
) -> list[dict[str, Any]]:
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
        out.append({"sample": label, **asdict(test)})
    return out


def randomisation_balance(
    data: pd.DataFrame, arms: list[str], control: str, clustered: bool, unit: str
) -> dict[str, list[dict[str, Any]]]:
    """Balance of everyone randomised: people, and (cluster trials) the clusters' means."""
    people = analysed_balance(data, arms, control)
    clusters: list[dict[str, Any]] = []
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
            clusters.append(asdict(balance_row(label, {a: means[arm == a] for a in arms}, control)))
    return {"people": people, "clusters": clusters}
