"""Issue 25: a stepped-wedge trial's export carries its roll-out, so the planned analysis can
be reproduced from the files alone; a parallel trial's export keeps its ``arm`` column."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from hearten.analysis.run import run_analysis
from hearten.stats.stepped_wedge_fit import fit_stepped_wedge
from hearten.surveys.exports import build_exports, write_exports
from hearten.trials.lifecycle import design_of
from hearten.trials.rollout import change_schedule, trial_schedule
from tests.analysis.test_stepped_wedge import answer_every_period, design_text, make_trial
from tests.conftest import CLOCK

pytestmark = pytest.mark.django_db


@pytest.fixture
def stepped(write_roster: Callable[[str], Path], db: None) -> Any:
    t = make_trial(write_roster, design_text())
    answer_every_period(t, effect=1, skip_every=4)
    return t


def test_the_planned_model_is_reproduced_from_the_exported_columns(stepped: Any) -> None:
    run = run_analysis(stepped, CLOCK)
    long = build_exports(stepped)["responses_long"]
    planned = design_of(stepped).planned_outcomes()[0]
    rows = long[
        (long["variable"] == f"{planned.instrument}_{planned.score}")
        & long["period"].notna()
        & (long["condition"] != "transition")
    ].sort_values(["period", "team", "pseudonym"])  # the analysis's row order
    fit = fit_stepped_wedge(
        rows["value"].astype(float), rows["team"], rows["period"].astype(int),
        rows["exposed"].astype(float),
    )  # fmt: skip
    effect = run.result["effects"][0]
    assert len(rows) == run.result["model"]["n"] == 150
    assert fit.estimate == pytest.approx(effect["estimate"], rel=1e-10)
    assert fit.std_error == pytest.approx(effect["std_error"], rel=1e-10)
    assert "arm" not in long.columns  # it named the change for everyone


def test_sequences_and_starts_as_drawn_and_as_carried_out(stepped: Any) -> None:
    drawn = {r.unit: r for r in trial_schedule(stepped, as_drawn=True).rows}
    moved = next(u for u, r in drawn.items() if r.start == 1)
    change_schedule(stepped, moved, 3, "the manager left", now=CLOCK)
    tables = build_exports(stepped)
    wide, long = tables["responses_wide"], tables["responses_long"]
    for _, row in wide.iterrows():
        r = drawn[row["team"]]
        assert (row["sequence"], row["start_period"]) == (r.sequence, r.start)
        assert row["start_period_actual"] == (3 if row["team"] == moved else r.start)
    # Exposure stays as drawn (intention to treat), period by period.
    for _, row in long.iterrows():
        r = drawn[row["team"]]
        assert row["period"] == int(row["wave"][1:])
        assert row["exposed"] == int(row["period"] >= r.start)
        assert row["condition"] == r.conditions[row["period"]]
    # Wide columns by period: every p0 column before any p1 column, and so on.
    answered = [c for c in wide.columns if re.match(r"p\d_", c) and "_complete" not in c]
    assert [int(c[1]) for c in answered] == sorted(int(c[1]) for c in answered)
    book = tables["codebook"].set_index("variable")
    assert "arm" not in book.index
    assert "drawn to start" in book.loc["start_period", "label"]
    assert "reschedule" in book.loc["start_period_actual", "label"]
    assert book.loc["exposed", "values"] == "1=yes; 0=no"
    assert "Randomised arm" not in " ".join(book["label"])


@pytest.mark.parametrize("fmt", ["csv", "parquet", "dta"])
def test_the_roll_out_columns_are_written_in_every_format(
    stepped: Any, tmp_path: Path, fmt: str
) -> None:
    written = {p.name: p for p in write_exports(stepped, tmp_path, fmt, now=CLOCK)}  # type: ignore[arg-type]
    read = {"csv": pd.read_csv, "parquet": pd.read_parquet, "dta": pd.read_stata}[fmt]
    wide = read(written[f"responses_wide.{fmt}"])
    assert {"sequence", "start_period", "start_period_actual"} <= set(wide.columns)
    assert set(wide["sequence"].astype(int)) == {1, 2, 3, 4}
