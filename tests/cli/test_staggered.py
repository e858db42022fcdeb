"""``hearten staggered FILE``: an observational staggered comparison on a file, no database."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from hearten.stats.staggered import fit_staggered

EXACT = 1e-9
"""The command and the library see the same numbers."""


def _panel(tmp_path: Path, extra: str = "") -> Path:
    rng = np.random.default_rng(8)
    adopted = ["2025-04"] * 3 + ["2025-06"] * 3 + [""] * 5
    lines = ["team,month,absence_rate,adopted"]
    for i, when in enumerate(adopted):
        base = rng.normal(5, 1)
        for m in range(1, 9):
            month = f"2025-{m:02d}"
            y = base + 0.1 * m + rng.normal(0, 0.2) - (1.0 if when and month >= when else 0.0)
            lines.append(f"T{i},{month},{y:.4f},{when}")
    path = tmp_path / "panel.csv"
    path.write_text("\n".join(lines) + "\n" + extra)
    return path


def test_the_file_command_gives_the_library_s_estimate(
    hearten: Callable[..., Any], tmp_path: Path
) -> None:
    path = _panel(tmp_path)
    r = hearten("staggered", str(path), "--outcome", "absence_rate", "--seed", "3",
                "--draws", "199", "--json")  # fmt: skip
    assert r.code == 0, r.err
    result = json.loads(r.out)
    data = pd.read_csv(path, dtype={"adopted": str}).fillna({"adopted": ""})
    data["period"] = data["month"].str[5:].astype(int)
    data["first"] = [int(a[5:]) if a else 0 for a in data["adopted"]]
    fit = fit_staggered(data, outcome="absence_rate", unit="team", time="period",
                        first_treated="first", seed=3, draws=199)  # fmt: skip
    assert result["fit"]["group"]["overall"] == pytest.approx(fit.group.overall, abs=EXACT)
    assert result["fit"]["seed"] == 3
    assert result["fit"]["few_clusters"] is True
    assert result["months"][0] == "2025-01"
    assert result["cohorts"]["first_treated"]["T0"] == 4


def test_the_file_command_prints_the_event_study_and_the_seed(
    hearten: Callable[..., Any], tmp_path: Path
) -> None:
    figure = tmp_path / "event.svg"
    r = hearten("staggered", str(_panel(tmp_path)), "--outcome", "absence_rate",
                "--figure", str(figure))  # fmt: skip
    assert r.code == 0, r.err
    assert "Observational comparison (teams chose when to adopt)" in r.out
    assert "Event study (uniform bands)" in r.out
    assert "Bootstrap seed " in r.out
    assert figure.read_text().startswith("<?xml")


@pytest.mark.parametrize(
    ("extra", "option", "message"),
    [
        ("T0,2025-13,5.0,2025-04\n", None, "is not a month: write it as YYYY-MM"),
        ("", "--outcome=absence", "the file has no column 'absence'"),
        ("", "--comparison=everyone", "choose one of not-yet-treated, never-treated"),
        ("T0,2025-09,5.0,2025-05\n", None, "adopted must be the same on every row of a team"),
        ("", "--figure=event.pdf", "name a .svg or .png file"),
    ],
)
def test_bad_input_is_one_line_that_says_what_to_fix(
    hearten: Callable[..., Any], tmp_path: Path, extra: str, option: str | None, message: str
) -> None:
    args = ["staggered", str(_panel(tmp_path, extra)), "--outcome", "absence_rate"]
    if option:
        args.append(option)
    r = hearten(*args)
    assert r.code == 2
    assert message in r.err
    assert "Traceback" not in r.err
