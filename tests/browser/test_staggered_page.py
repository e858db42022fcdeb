"""The observational staggered comparison's page in a real browser: no accessibility
problems axe-core can find, and the event-study figure has its accessible name."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hearten.analysis.staggered import StaggeredComparison, compare_file
from hearten.stats.staggered import Comparison
from tests.browser.conftest import axe_violations


def _result() -> StaggeredComparison:
    rng = np.random.default_rng(2)
    rows = []
    for i, when in enumerate(["2025-04"] * 3 + ["2025-06"] * 3 + [""] * 5):
        base = rng.normal(5, 1)
        for m in range(1, 9):
            month = f"2025-{m:02d}"
            y = base + rng.normal(0, 0.3) - (1.0 if when and month >= when else 0.0)
            rows.append({"team": f"T{i}", "month": month, "rate": f"{y:.3f}", "adopted": when})
    return compare_file(
        pd.DataFrame(rows), outcome="rate", unit="team", time="month", adopted="adopted",
        comparison=Comparison.NOT_YET_TREATED, anticipation=0, seed=4, draws=99,
    )  # fmt: skip


def test_the_page_passes_axe_and_names_its_figure(browser: Any, tmp_path: Path) -> None:
    from django.template.loader import render_to_string

    from hearten.reports.staggered import context

    html = render_to_string("reports/staggered.html", context(_result(), "protected caseloads"))
    path = tmp_path / "staggered.html"
    path.write_text(html, encoding="utf-8")
    page = browser.new_page()
    page.goto(path.as_uri())
    assert page.get_by_role("heading", level=1).inner_text().startswith("Observational comparison")
    assert page.get_by_role("img", name="Event study of rate").count() == 1
    assert axe_violations(page) == []
    page.close()
