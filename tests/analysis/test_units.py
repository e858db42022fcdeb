"""The plan's inference follows what was randomised: HC2 for people, CR2 for offices."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from hearten.analysis.dataset import build_dataset
from hearten.analysis.run import run_analysis
from hearten.stats.stressors import stressor_associations
from hearten.surveys.services import invite, plan_waves
from hearten.trials.allocation import arms_by_participant, randomise_trial
from hearten.trials.design import parse_design
from hearten.trials.lifecycle import create_trial
from hearten.trials.models import AllocatedUnit, Participant
from hearten.trials.roster import import_roster
from tests.analysis.test_run import _answer
from tests.conftest import CLOCK

#: The clock the services are given (a fixed one: nothing here depends on the day).
NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)

pytestmark = pytest.mark.django_db


def _trial(design_file: Path, tmp_path: Path, unit: str) -> Any:
    text = design_file.read_text().replace('unit = "team"', f'unit = "{unit}"')
    trial = create_trial(parse_design(text), now=CLOCK)
    plan_waves(trial)
    lines = ["staff_id,site,team,office,role,fte,start_date,caseload"]
    for n in range(48):
        site = "Dudley" if n < 24 else "Shropshire"
        lines.append(
            f"S{n},{site},{site[:2]}-T{n % 4},{site[:2]}-O{n % 6},SW,1,2020-01-01,{8 + n % 9}"
        )
    roster = tmp_path / "roster.csv"
    roster.write_text("\n".join(lines) + "\n")
    import_roster(trial, roster, now=CLOCK)
    invite(trial.waves.get(name="baseline"), NOW)
    _answer(trial, "baseline", {})
    return trial


def test_an_individually_randomised_trial_is_analysed_with_hc2(
    design_file: Path, tmp_path: Path
) -> None:
    trial = _trial(design_file, tmp_path, "individual")
    randomise_trial(trial, 4, now=CLOCK)
    assert AllocatedUnit.objects.filter(allocation__trial=trial).count() == 48
    invite(trial.waves.get(name="follow-up"), NOW)
    _answer(trial, "follow-up", {})
    run = run_analysis(trial, CLOCK)
    assert run.result["model"]["vcov"] == "HC2"
    assert run.result["model"]["n_clusters"] is None
    assert run.result["effects"][0]["df"] == 48 - 4  # n - k: intercept, arm, baseline, site
    # Working conditions are shared within a team: their associations cluster by team (CR2)
    # even though people were randomised, and are wider than HC2's would be.
    data = build_dataset(trial)
    y, caseload = data["baseline"].to_numpy(dtype=float), data["caseload"].to_numpy(dtype=float)
    (by_team,) = stressor_associations(y, {"c": caseload}, data["stratum"].tolist(),
                                       data["team"].to_numpy())  # fmt: skip
    (hc2,) = stressor_associations(y, {"c": caseload}, data["stratum"].tolist())
    (found,) = [a for a in run.result["stressors"] if a["stressor"] == "caseload"]
    assert found["std_error"] == pytest.approx(by_team.std_error, rel=1e-12)
    assert found["df"] == pytest.approx(by_team.df, rel=1e-12)
    assert found["df"] < 8 < hc2.df  # Satterthwaite df with 8 teams, not n - k


def test_an_office_randomised_trial_clusters_by_office(design_file: Path, tmp_path: Path) -> None:
    trial = _trial(design_file, tmp_path, "office")
    randomise_trial(trial, 4, now=CLOCK)
    arms = arms_by_participant(trial)
    by_office: dict[str, set[str]] = {}
    for p in Participant.objects.filter(trial=trial).select_related("office"):
        assert p.office is not None
        by_office.setdefault(p.office.code, set()).add(arms[p.id])
    assert len(by_office) == 12
    assert all(len(s) == 1 for s in by_office.values())
    invite(trial.waves.get(name="follow-up"), NOW)
    _answer(trial, "follow-up", {})
    run = run_analysis(trial, CLOCK)
    assert run.result["model"]["vcov"] == "CR2"
    assert run.result["model"]["cluster"] == "office"
    assert run.result["model"]["n_clusters"] == 12
