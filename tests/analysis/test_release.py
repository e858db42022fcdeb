"""The anonymised dataset as a release (issue 28, item 2): bands, small teams pooled, and
k-anonymity over the quasi-identifiers, checked by counting every combination."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from hearten.analysis.release import QUASI, SUPPRESSED, band, codebook, release


def _frame() -> pd.DataFrame:
    """Two sites: DU has two teams of six and one of two; WA one team of seven and one of
    three, each with exact years in post (to the day), caseloads and FTE."""
    rng = np.random.default_rng(4)
    teams = [("DU", "DU-0", 6), ("DU", "DU-1", 6), ("DU", "DU-2", 2), ("WA", "WA-0", 7),
             ("WA", "WA-1", 3)]  # fmt: skip
    rows = []
    for site, team, n in teams:
        for i in range(n):
            rows.append({
                "row": "", "arm": "a" if team.endswith("0") else "b", "stratum": site,
                "cluster": team, "site": site, "team": team,
                "role": "Social worker" if i % 3 else "Team manager",
                "fte": [1.0, 0.8, 0.6, 0.4][i % 4], "caseload": float(rng.integers(5, 30)),
                "years_in_post": float(rng.uniform(0, 15)), "outcome": float(rng.normal()),
            })  # fmt: skip
    return pd.DataFrame(rows)


def test_every_combination_of_quasi_identifiers_is_shared_by_at_least_k() -> None:
    data = _frame()
    r = release(data, 5)
    groups = r.data.groupby(list(QUASI), dropna=False).size()
    assert groups.min() >= 5
    assert r.smallest_group == groups.min()
    # Exact years in post (16 digits) never leave: only bands or "suppressed".
    allowed = {"under 1", "1 to under 2", "2 to under 5", "5 to under 10", "10 or more",
               SUPPRESSED}  # fmt: skip
    assert set(r.data["years_in_post"]) <= allowed
    assert set(r.data["fte"]) <= {"under 0.5", "0.5 to under 0.8", "0.8 to under 1",
                                  "1 or more", SUPPRESSED}  # fmt: skip
    # DU-2 (2 people) and WA-1 (3) are below k: DU-2 pools to DU-pooled (2, still below k,
    # dropped); WA-1 pools to WA-pooled (3, dropped).
    assert r.pooled_teams == ("DU-2", "WA-1")
    assert r.dropped_rows == 5
    assert len(r.data) == 19
    assert list(r.data["row"]) == [f"R{i:05d}" for i in range(1, 20)]
    assert set(r.data["team"]) == {"DU-0", "DU-1", "WA-0"}
    # The outcome is released unchanged.
    kept = data[data["team"].isin(["DU-0", "DU-1", "WA-0"])]
    assert list(r.data["outcome"]) == list(kept["outcome"])


def test_small_teams_pool_within_their_site_when_the_pool_reaches_k() -> None:
    data = _frame()
    data.loc[data["team"] == "WA-1", "team"] = "WA-1"
    extra = data[data["team"] == "WA-1"].copy()
    extra["team"] = extra["cluster"] = "WA-2"
    r = release(pd.concat([data, extra], ignore_index=True), 5)
    assert r.pooled_teams == ("DU-2", "WA-1", "WA-2")
    assert (r.data["team"] == "WA-pooled").sum() == 6
    assert (r.data["cluster"] == "WA-pooled").sum() == 6
    assert r.dropped_rows == 2


def test_bands_take_each_value_to_the_band_whose_lower_edge_it_reaches() -> None:
    values = pd.Series([0.0, 0.99, 1.0, 4.9, 5.0, 9.99, 10.0, 40.0, np.nan])
    assert list(band(values, "years_in_post")) == [
        "under 1", "under 1", "1 to under 2", "2 to under 5", "5 to under 10",
        "5 to under 10", "10 or more", "10 or more", "",
    ]  # fmt: skip


def test_the_codebook_says_how_each_variable_was_treated() -> None:
    r = release(_frame(), 5)
    text = codebook(r, "Trial")
    assert "Threshold k = 5" in text
    assert "teams of fewer than k people pooled as SITE-pooled (DU-2, WA-1)" in text
    assert "Rows dropped (a pool of small teams still below k): 5." in text
    assert "banded: under 1; 1 to under 2" in text
    for variable, teams in r.suppressed.items():
        assert f"| `{variable}` |" in text
        assert f"{teams} team(s) |" in text


@pytest.mark.django_db
def test_the_purged_trials_release_is_k_anonymous_and_made_again_from_what_is_kept(
    trial: Any, hearten_home: Path
) -> None:
    import copy
    from datetime import UTC, datetime

    from hearten.analysis.retention import anonymised_release, purge_trial
    from hearten.trials.models import AuditEvent
    from tests.analysis.test_plan import _ready

    _ready(trial)
    design = copy.deepcopy(trial.design)
    design["privacy"] = {"ends_on": "2027-01-31", "retain_until": "2027-12-31"}
    trial.design = design
    trial.save()
    result = purge_trial(trial, now=datetime(2028, 1, 1, 9, tzinfo=UTC))
    data = pd.read_csv(result.dataset, keep_default_na=False)
    assert data.groupby(list(QUASI)).size().min() >= 5
    assert "." not in "".join(data["years_in_post"].astype(str))  # no exact start date
    assert (result.dataset.parent / "anonymised-codebook.md").exists()
    # Made again from what the purge kept, it is the same file byte for byte.
    import hashlib

    from hearten.spreadsheet import neutral_frame

    again = neutral_frame(anonymised_release(trial).data).to_csv(index=False)
    assert again == result.dataset.read_text()
    event = AuditEvent.objects.filter(trial=trial, action="exported").last()
    assert event is not None
    assert event.detail["sha256"] == hashlib.sha256(again.encode()).hexdigest()
