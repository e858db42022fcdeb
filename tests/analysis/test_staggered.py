"""An observational staggered comparison's JSON form: what ``--json`` prints, key for key,
with numbers that are not finite as ``null``."""

from __future__ import annotations

import json
import math
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from hearten.analysis.staggered import StaggeredComparison, compare_file
from hearten.stats.staggered import Comparison

FIT_KEYS = [
    "cells", "pre_trend", "pre_average", "simple", "dynamic", "group", "comparison", "method",
    "anticipation", "n_units", "n_clusters", "few_clusters", "seed", "draws", "alpha",
    "critical_value", "notes",
]  # fmt: skip
"""The keys ``hearten staggered --json`` has always printed under ``fit``, in that order."""


@pytest.fixture(scope="module")
def comparison() -> StaggeredComparison:
    rng = np.random.default_rng(2)
    rows = []
    for i, when in enumerate(["2025-04"] * 3 + ["2025-06"] * 3 + [""] * 5):
        for m in range(1, 9):
            month = f"2025-{m:02d}"
            y = 5 + rng.normal(0, 0.3) - (1.0 if when and month >= when else 0.0)
            rows.append({"team": f"T{i}", "month": month, "rate": f"{y:.3f}", "adopted": when})
    return compare_file(
        pd.DataFrame(rows), outcome="rate", unit="team", time="month", adopted="adopted",
        comparison=Comparison.NOT_YET_TREATED, anticipation=0, seed=4, draws=99,
    )  # fmt: skip


def test_the_json_form_has_the_printed_keys_in_order(comparison: StaggeredComparison) -> None:
    given = comparison.to_json()
    assert list(given) == ["outcome", "label", "months", "cohorts", "fit", "notes"]
    assert list(given["fit"]) == FIT_KEYS
    assert list(given["cohorts"]) == ["first_treated", "before", "after"]
    assert given["fit"]["comparison"] == "not-yet-treated"
    assert given["fit"]["method"] == "dr"
    assert given["months"][0] == "2025-01"
    assert given["fit"]["cells"][0] == {
        "group": 4, "time": 2, "att": comparison.fit.cells[0].att,
        "se": comparison.fit.cells[0].se, "boot_se": comparison.fit.cells[0].boot_se,
        "lower": comparison.fit.cells[0].lower, "upper": comparison.fit.cells[0].upper,
        "pre": True,
    }  # fmt: skip


def test_numbers_that_are_not_finite_are_written_as_null(
    comparison: StaggeredComparison,
) -> None:
    fit = comparison.fit
    nan = math.nan
    cell = replace(fit.cells[0], boot_se=nan, lower=nan, upper=math.inf)
    broken = replace(comparison, fit=replace(fit, cells=(cell, *fit.cells[1:])))
    written = json.loads(json.dumps(broken.to_json(), allow_nan=False))
    assert written["fit"]["cells"][0]["boot_se"] is None
    assert written["fit"]["cells"][0]["upper"] is None
    assert written["fit"]["cells"][0]["att"] == fit.cells[0].att
