"""The observational staggered comparison's page context, read from the typed result: a
number that is not finite is shown as a dash, as its JSON form stores it as ``null``."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd

from hearten.analysis.staggered import StaggeredComparison, compare_file
from hearten.reports.staggered import context
from hearten.stats.staggered import Comparison
from hearten.stats.staggered_inference import PreAverage


def _comparison() -> StaggeredComparison:
    rng = np.random.default_rng(3)
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


def test_the_page_reads_the_typed_result_and_shows_what_is_missing_as_a_dash() -> None:
    result = _comparison()
    fit = result.fit
    shown = context(result, "protected caseloads")
    assert shown["r"] is result
    assert shown["level"] == 95
    assert shown["overall"] == f"{fit.group.overall:.2f}"
    assert [g["month"] for g in shown["groups"]] == ["2025-04", "2025-06"]
    assert shown["cells"][0]["group_month"] == "2025-04"
    assert shown["cells"][0]["att"] == fit.cells[0].att
    cell = replace(fit.cells[0], boot_se=math.nan, lower=math.nan, upper=math.nan)
    assert fit.pre_average is not None
    average = PreAverage(fit.pre_average.estimate, math.nan, math.nan, fit.pre_average.periods)
    group = replace(fit.group, overall=math.nan)
    broken = replace(
        result, fit=replace(fit, cells=(cell, *fit.cells[1:]), pre_average=average, group=group)
    )
    missing = context(broken, "protected caseloads")
    assert missing["cells"][0]["lower"] is None
    assert missing["cells"][0]["boot_se"] is None
    assert missing["cells"][0]["att"] == fit.cells[0].att
    assert missing["pre_average_p"] == "–"
    assert missing["overall"] == missing["magnitude"] == "–"
