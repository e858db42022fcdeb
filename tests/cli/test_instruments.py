"""``hearten instruments list|show`` and ``hearten score NAME FILE``."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd


def test_list_and_show(hearten: Callable[..., Any]) -> None:
    listed = hearten("instruments", "list")
    assert listed.code == 0, listed.err
    for name in ("swemwbs", "wemwbs", "ons4", "uwes9", "cbi_work", "valued", "belonging",
                 "turnover", "motivation", "hse_indicator", "caseload", "supervision"):  # fmt: skip
        assert name in listed.out
    shown = hearten("instruments", "show", "swemwbs")
    assert shown.code == 0, shown.err
    assert "I’ve been feeling useful" in shown.out
    assert "5: All of the time" in shown.out
    assert "swemwbs_metric" in shown.out
    assert "© NHS Health Scotland" in shown.out
    hidden = hearten("instruments", "show", "belonging")
    assert "The wording is not bundled" in hidden.out
    unknown = hearten("instruments", "show", "phq9")
    assert unknown.code == 2
    assert "known instruments are" in unknown.err


def test_score_keeps_the_input_and_explains_every_empty_score(
    hearten: Callable[..., Any], tmp_path: Path
) -> None:
    path = tmp_path / "answers.csv"
    path.write_text(
        "person,swemwbs_1,swemwbs_2,swemwbs_3,swemwbs_4,swemwbs_5,swemwbs_6,swemwbs_7\n"
        "a,4,4,4,4,4,4,4\nb,4,4,9,4,4,4,4\nc,4,4,,4,4,4,4\nd,1,1,1,1,1,1,1\n"
    )
    out = tmp_path / "scored.csv"
    r = hearten("score", "swemwbs", str(path), "--out", str(out))
    assert r.code == 0, r.err
    assert "2 with a score left empty" in r.err
    scored = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert list(scored.columns[:8]) == list(pd.read_csv(path, nrows=0).columns)
    assert scored["swemwbs_3"].tolist() == ["4", "9", "", "1"]
    assert scored["swemwbs_raw"].tolist() == ["28.0", "", "", "7.0"]
    assert scored["swemwbs_metric"].tolist() == ["25.03", "", "", "7.0"]
    assert scored["swemwbs_problems"].tolist() == [
        "",
        "swemwbs_3 is 9, outside 1 to 5",
        "raw: 6 of 7 items answered, 7 needed",
        "",
    ]


def test_score_prints_bands_and_refuses_missing_columns(
    hearten: Callable[..., Any], tmp_path: Path
) -> None:
    path = tmp_path / "ons.csv"
    path.write_text("ons4_1,ons4_2,ons4_3,ons4_4\n9,5,3,1\n")
    r = hearten("score", "ons4", str(path))
    assert r.code == 0, r.err
    row = pd.read_csv(io.StringIO(r.out)).iloc[0]
    assert row["ons4_life_satisfaction_band"] == "very high"
    assert row["ons4_anxiety_band"] == "very low"
    bad = tmp_path / "bad.csv"
    bad.write_text("ons4_1,ons4_2\n9,5\n")
    refused = hearten("score", "ons4", str(bad))
    assert refused.code == 2
    assert "missing: ons4_3, ons4_4" in refused.err
