"""Randomisation inference that re-draws the sequences of a stepped-wedge trial."""

from __future__ import annotations

from itertools import permutations
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hearten.errors import DataError
from hearten.stats.estimate import fit_ols
from hearten.stats.stepped_wedge_ri import sequence_test

REFERENCE = Path(__file__).parent / "reference"


def _twoway(means: pd.DataFrame, starts: dict[str, int]) -> float:
    """The effect by least squares on the cluster-period means with cluster and period
    dummies (an independent route to the statistic)."""
    rows = means.stack().rename("y").reset_index()
    rows.columns = ["c", "p", "y"]
    treated = (rows["p"] >= rows["c"].map(starts)).astype(float)
    X = pd.concat(
        [treated.rename("treated"), pd.get_dummies(rows["c"], dtype=float),
         pd.get_dummies(rows["p"], drop_first=True, dtype=float)], axis=1,
    )  # fmt: skip
    fit = fit_ols(rows["y"], X.to_numpy(), list(map(str, X.columns)))
    return float(fit.coef[0])


def test_the_exact_test_enumerates_every_allocation_of_clusters_to_sequences() -> None:
    d = pd.read_csv(REFERENCE / "stepped_wedge_data.csv")
    d = d[d["cluster"].isin(["C01", "C02", "C03", "C04", "C05", "C06"])]
    start = {"C01": 1, "C02": 2, "C03": 3, "C04": 1, "C05": 2, "C06": 3}
    result = sequence_test(d["y"], d["cluster"], d["period"], start)
    assert result.exact
    assert result.allocations == 90  # 6! / (2! 2! 2!)
    means = d.pivot_table(index="cluster", columns="period", values="y")
    assert result.estimate == pytest.approx(_twoway(means, start), rel=1e-9)
    seen = {}
    for order in set(permutations([1, 1, 2, 2, 3, 3])):
        seen[order] = _twoway(means, dict(zip(sorted(start), order, strict=True)))
    p = np.mean([abs(v) >= abs(result.estimate) - 1e-12 for v in seen.values()])
    assert result.p_value == pytest.approx(p)


def test_stratified_or_large_designs_are_re_drawn_by_the_allocation_rule() -> None:
    d = pd.read_csv(REFERENCE / "stepped_wedge_data.csv")
    start = {f"C{i:02d}": (i - 1) % 4 + 1 for i in range(1, 13)}
    strata = {c: "north" if int(c[1:]) <= 8 else "south" for c in start}
    strata.update({"C09": "south", "C10": "south", "C11": "south", "C12": "south"})
    r = sequence_test(d["y"], d["cluster"], d["period"], start, strata, seed=5, reps=2000)
    assert not r.exact
    assert r.allocations == 2000
    again = sequence_test(d["y"], d["cluster"], d["period"], start, strata, seed=5, reps=2000)
    assert again.p_value == r.p_value
    assert 0 < r.p_value <= 1


def test_a_cluster_missing_a_period_is_refused() -> None:
    d = pd.read_csv(REFERENCE / "stepped_wedge_data.csv")
    d = d[~((d["cluster"] == "C01") & (d["period"] == 0))]
    start = {f"C{i:02d}": (i - 1) % 4 + 1 for i in range(1, 13)}
    with pytest.raises(DataError, match="every cluster measured in every period"):
        sequence_test(d["y"], d["cluster"], d["period"], start)
