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


def _stratified_panel(effect: float) -> tuple[pd.DataFrame, dict[str, int], dict[str, str]]:
    """Two sites of three teams, three steps, four periods: team and period levels, a small
    fixed wobble, and ``effect`` once a team has started."""
    start = {"A1": 1, "A2": 2, "A3": 3, "B1": 1, "B2": 2, "B3": 3}
    strata = {c: c[0] for c in start}
    wobble = [0.3, -0.2, 0.1, -0.4, 0.25, 0.05, -0.15, 0.35, -0.3, 0.2, 0.0, -0.1]
    rows = []
    for i, c in enumerate(sorted(start)):
        for p in range(4):
            y = i + 0.5 * p + effect * (p >= start[c]) + wobble[(i * 4 + p) % len(wobble)]
            rows.append({"cluster": c, "period": p, "y": y})
    return pd.DataFrame(rows), start, strata


def test_a_stratified_design_is_tested_exactly_over_the_product_of_its_strata() -> None:
    d, start, strata = _stratified_panel(effect=3.0)
    result = sequence_test(d["y"], d["cluster"], d["period"], start, strata, seed=1, reps=99)
    assert result.exact
    assert result.allocations == 36  # 3! orderings in each of the two sites
    # An independent enumeration: each site's teams permuted among its own sequences.
    means = d.pivot_table(index="cluster", columns="period", values="y")
    values = []
    for a in permutations([1, 2, 3]):
        for b in permutations([1, 2, 3]):
            drawn = dict(zip(["A1", "A2", "A3", "B1", "B2", "B3"], a + b, strict=True))
            values.append(_twoway(means, drawn))
    assert len(values) == 36
    p = np.mean([abs(v) >= abs(result.estimate) - 1e-12 for v in values])
    assert result.p_value == pytest.approx(p)
    # A large effect: only the drawn allocation is as extreme, so p is 1/36, not ~0.028.
    assert result.p_value == pytest.approx(1 / 36)


def test_a_hand_countable_stratified_design_has_four_allocations() -> None:
    # Two strata of two clusters, two sequences: each stratum can swap its pair, so 2 × 2.
    # With y = the drawn treatment exactly, the drawn allocation (estimate 1) and the one
    # that swaps both pairs (estimate -1) are as extreme; swapping one pair gives 0: p = 2/4.
    start = {"a1": 1, "a2": 2, "b1": 1, "b2": 2}
    rows = [{"cluster": c, "period": p, "y": float(p >= start[c])} for c in start for p in range(3)]
    d = pd.DataFrame(rows)
    strata = {"a1": "a", "a2": "a", "b1": "b", "b2": "b"}
    result = sequence_test(d["y"], d["cluster"], d["period"], start, strata)
    assert result.exact
    assert result.allocations == 4
    assert result.estimate == pytest.approx(1.0)
    means = d.pivot_table(index="cluster", columns="period", values="y")
    swapped_one = _twoway(means, {"a1": 2, "a2": 1, "b1": 1, "b2": 2})
    swapped_both = _twoway(means, {"a1": 2, "a2": 1, "b1": 2, "b2": 1})
    assert swapped_one == pytest.approx(0.0, abs=1e-12)
    assert swapped_both == pytest.approx(-1.0)
    assert result.p_value == pytest.approx(2 / 4)


def test_above_the_limit_a_stratified_design_is_re_drawn_whatever_the_row_order() -> None:
    d, start, strata = _stratified_panel(effect=1.0)
    r = sequence_test(d["y"], d["cluster"], d["period"], start, strata, 3, 500, exact_limit=35)
    assert not r.exact
    assert r.allocations == 500
    shuffled = d.sample(frac=1.0, random_state=4)
    again = sequence_test(
        shuffled["y"], shuffled["cluster"], shuffled["period"], start, strata, 3, 500, 35
    )
    assert again.p_value == r.p_value
