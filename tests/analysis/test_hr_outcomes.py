"""Absence and leaving from HR records, analysed as the plan says and shown in the report."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from hearten.analysis.run import run_analysis
from hearten.hr.imports import import_hr
from hearten.hr.outcomes import derive
from hearten.reports.render import write_report
from hearten.stats.counts import estimate_counts
from hearten.stats.ratio_inference import count_residuals, ratio_randomisation_test
from hearten.surveys.services import invite
from hearten.trials.allocation import arms_by_participant, randomise_trial
from tests.analysis.test_run import _answer
from tests.conftest import CLOCK

#: The clock the services are given (a fixed one: nothing here depends on the day).
NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)

pytestmark = pytest.mark.django_db


def _days_ago(days: int) -> datetime:
    """A clock ``days`` behind the tests' clock (the runs' ``now``): HR records describe the
    past."""
    return CLOCK - timedelta(days=days)


def test_absence_and_leaving_follow_the_plan(trial: Any, tmp_path: Path) -> None:
    design = dict(trial.design)
    design["analysis"] = {**design["analysis"], "hr": {"window_days": 180}}
    trial.design = design
    trial.save()
    invite(trial.waves.get(name="baseline"), NOW)
    _answer(trial, "baseline", {})
    randomise_trial(trial, 4, now=_days_ago(200))
    start = trial.allocation.randomised_on
    rng = np.random.default_rng(1)
    lines, leavers = ["staff_id,start,end"], ["staff_id,date"]
    for n in range(1, 41):
        latest = 20 if n % 7 == 0 else 150  # leavers' spells end before they leave
        day = start + timedelta(days=int(rng.integers(1, latest)))
        if rng.random() < 0.5:  # most absence is concentrated in a few people
            length = int(rng.geometric(0.15))
            lines.append(f"S{n:04d},{day},{day + timedelta(days=min(length, 25))}")
        if n % 7 == 0:
            leavers.append(f"S{n:04d},{start + timedelta(days=30 + n)}")
    (tmp_path / "absence.csv").write_text("\n".join(lines) + "\n")
    (tmp_path / "leavers.csv").write_text("\n".join(leavers) + "\n")
    import_hr(trial, "leavers", tmp_path / "leavers.csv", {}, now=CLOCK)
    import_hr(trial, "absence", tmp_path / "absence.csv", {}, now=CLOCK)
    arms = arms_by_participant(trial)
    invite(trial.waves.get(name="follow-up"), NOW)
    _answer(trial, "follow-up", {pid: 1 for pid, a in arms.items() if a == "letters"}, 5)
    run = run_analysis(trial, CLOCK)
    hr = run.result["hr"]
    assert hr["n"] == 40
    assert hr["leaving"]["events"] == 5
    # The same rate ratio from the stats layer on the derived outcomes.
    from hearten.analysis.dataset import build_dataset

    data = build_dataset(trial).merge(
        derive(trial, start, start + timedelta(days=179)), on="pseudonym"
    )
    fit = estimate_counts(
        data["absence_days"], data["arm"].tolist(), "control", data["exposure"], None,
        data["stratum"].tolist(), data["cluster"], "negbin",
    )  # fmt: skip
    expected = fit.effects[0]
    assert hr["absence"]["effects"][0]["rate_ratio"] == pytest.approx(expected.rate_ratio)
    assert fit.theta is not None
    assert hr["absence"]["theta"] == pytest.approx(fit.theta)
    assert set(hr["absence"]["rate_per_fte_year"]) == {"control", "letters"}
    # Eight teams: below the default threshold of 20, so randomisation inference, every
    # allocation of the teams within sites enumerated; the normal test's values kept beside.
    inference = hr["absence"]["inference"]
    assert (inference["method"], inference["enumerated"]) == ("ri", True)
    assert hr["leaving"]["inference"]["method"] == "ri"
    treat = (data["arm"] != "control").to_numpy(dtype=float)
    strata = data["stratum"].astype(str).to_numpy()
    residuals = count_residuals(
        data["absence_days"], treat, data["exposure"], None,
        pd.factorize(pd.Series(strata), sort=True)[0], fit.family,
    )  # fmt: skip
    test = ratio_randomisation_test(
        residuals, treat, 0.0, 1.0, strata, data["cluster"].to_numpy(), interval=False
    )
    assert inference["reps"] == test.reps
    absence = hr["absence"]["effects"][0]
    assert absence["p_value"] == pytest.approx(test.p_value)
    assert absence["normal_p_value"] == pytest.approx(expected.p_value)
    html = write_report(trial, now=CLOCK).read_text()
    assert "Sickness absence and leaving" in html
    assert "Rate ratio" in html
    assert f"Negative binomial model (θ = {fit.theta:.2f}, SE {fit.theta_se:.2f})" in html
    assert "Hazard ratio" in html
    assert hr["clusters"] == 8
    assert "with only 8 teams randomised" in html
    assert "p-values and intervals by randomisation inference (all" in html
    assert "This result is exploratory (the analysis plan was not locked" in html
    # The plan can set the threshold: 0 keeps the normal tests.
    trial.design = {
        **trial.design,
        "analysis": {
            **trial.design["analysis"],
            "hr": {"window_days": 180, "ri_below_clusters": 0},
        },
    }
    trial.save()
    again = run_analysis(trial, CLOCK).result["hr"]["absence"]
    assert again["inference"] == {"method": "normal"}
    assert again["effects"][0]["p_value"] == pytest.approx(expected.p_value)
    # Or choose the wild score bootstrap for few clusters: 2^8 sign flips of the teams.
    trial.design = {
        **trial.design,
        "analysis": {
            **trial.design["analysis"],
            "hr": {"window_days": 180, "few_clusters_test": "wild-score"},
        },
    }
    trial.save()
    wild = run_analysis(trial, CLOCK).result["hr"]["absence"]
    assert (wild["inference"]["method"], wild["inference"]["reps"]) == ("wild-score", 256)
    from hearten.stats.score_bootstrap import count_scores, wild_score_test

    scores = count_scores(data["absence_days"], treat, data["exposure"], None, strata, fit.family)
    bootstrap = wild_score_test(scores, data["cluster"].to_numpy(), 0.0, 1.0, interval=False)
    assert wild["effects"][0]["p_value"] == pytest.approx(bootstrap.p_value)
    assert "p-values and intervals by the wild score bootstrap (all 256 sign flips)" in (
        write_report(trial, now=CLOCK).read_text()
    )


def test_supervision_and_vacancies_stand_beside_the_effect(trial: Any, tmp_path: Path) -> None:
    """Supervision sessions in the 90 days before randomisation and each team's vacancy rate
    over the three months before it, related to the baseline score as caseload is."""
    from hearten.analysis.dataset import build_dataset
    from hearten.stats.stressors import stressor_associations

    invite(trial.waves.get(name="baseline"), NOW)
    _answer(trial, "baseline", {})
    randomise_trial(trial, 4, now=CLOCK)
    start = trial.allocation.randomised_on
    supervision = ["staff_id,date"]
    for n in range(1, 41):
        for k in range(n % 4):  # 0 to 3 sessions, one of them too early to count
            supervision.append(f"S{n:04d},{start - timedelta(days=20 + 40 * k)}")
    teams = trial.teams.order_by("code").values_list("code", flat=True)
    rates = ["team,month,vacancy_rate,agency_rate"]
    month = start.replace(day=1)
    for i, team in enumerate(teams):
        rates.append(f"{team},{month},{0.05 * i:.2f},0.1")
    (tmp_path / "supervision.csv").write_text("\n".join(supervision) + "\n")
    (tmp_path / "rates.csv").write_text("\n".join(rates) + "\n")
    import_hr(trial, "supervision", tmp_path / "supervision.csv", {}, now=CLOCK)
    import_hr(trial, "team-rates", tmp_path / "rates.csv", {}, now=CLOCK)
    invite(trial.waves.get(name="follow-up"), NOW)
    _answer(trial, "follow-up", {}, 5)
    run = run_analysis(trial, CLOCK)
    found = {s["stressor"]: s for s in run.result["stressors"]}
    assert set(found) == {"caseload", "supervision sessions (90 days)", "team vacancy rate (%)"}
    data = build_dataset(trial)
    counts = {f"S{n:04d}": sum(20 + 40 * k <= 90 for k in range(n % 4)) for n in range(1, 41)}
    from hearten.trials.models import IdentityKey

    staff = dict(IdentityKey.objects.values_list("participant__pseudonym", "staff_id"))
    sessions = data["pseudonym"].map(lambda code: counts[staff[code]]).to_numpy(dtype=float)
    (expected,) = stressor_associations(
        data["baseline"].to_numpy(dtype=float), {"s": sessions}, data["stratum"].tolist(),
        data["cluster"].to_numpy(),
    )  # fmt: skip
    assert found["supervision sessions (90 days)"]["per_unit"] == pytest.approx(expected.per_unit)
    assert found["team vacancy rate (%)"]["n"] == 40
    html = write_report(trial, now=CLOCK).read_text()
    assert "team vacancy rate (%)" in html


def _hr_trial(trial: Any, window_days: int, days_ago: int = 0) -> None:
    design = dict(trial.design)
    design["analysis"] = {**design["analysis"], "hr": {"window_days": window_days}}
    trial.design = design
    trial.save()
    invite(trial.waves.get(name="baseline"), NOW)
    _answer(trial, "baseline", {})
    randomise_trial(trial, 4, now=_days_ago(days_ago))


def test_a_window_that_has_not_run_is_not_analysed(trial: Any) -> None:
    """Randomised today, a 90-day window has not run: the report says so, and no HR outcome
    is modelled on the days so far (it was cut to one day, silently)."""
    _hr_trial(trial, 90)
    invite(trial.waves.get(name="follow-up"), NOW)
    _answer(trial, "follow-up", {}, 5)
    start = trial.allocation.randomised_on
    end = start + timedelta(days=89)
    hr = run_analysis(trial, CLOCK).result["hr"]
    assert hr["window"] == [start.isoformat(), end.isoformat()]
    assert hr["not_run"] is True
    assert "absence" not in hr
    assert "leaving" not in hr
    html = write_report(trial, now=CLOCK).read_text()
    assert (
        f"Not analysed yet: the plan&#x27;s 90-day follow-up window runs from randomisation on "
        f"{start:%d %B %Y} to {end:%d %B %Y}: HR outcomes are analysed once it has run "
        f"(from {end + timedelta(days=1):%d %B %Y})."
    ) in html
    # On the window's last day it has still not run; the day after, it has.
    from django.utils import timezone

    last = timezone.make_aware(datetime.combine(end, time(12)))
    assert run_analysis(trial, now=last).result["hr"]["not_run"] is True
    after = run_analysis(trial, now=last + timedelta(days=1)).result["hr"]
    assert "not_run" not in after
    assert after["window"] == [start.isoformat(), end.isoformat()]


def test_the_window_and_its_exposure_do_not_depend_on_the_day_of_the_run(
    trial: Any, tmp_path: Path
) -> None:
    """The window ends ``window_days`` after randomisation on any later day; exposure counts
    FTE-days inside it only, to the day a person left, at the FTE of each day."""
    _hr_trial(trial, 90, days_ago=200)
    start = trial.allocation.randomised_on
    arms = arms_by_participant(trial)
    staff = {n: f"S{n:04d}" for n in range(1, 41)}
    (tmp_path / "leavers.csv").write_text(f"staff_id,date\n{staff[3]},{start + timedelta(30)}\n")
    (tmp_path / "contracts.csv").write_text(
        f"staff_id,date,fte\n{staff[5]},{start + timedelta(60)},0.5\n"
    )
    absence = ["staff_id,start,end"]
    absent = {n: 1 + n % 4 for n in range(6, 41, 3)}  # days off, each spell inside the window
    absence += [
        f"{staff[n]},{start + timedelta(10)},{start + timedelta(9 + d)}" for n, d in absent.items()
    ]
    absence.append(f"{staff[7]},{start + timedelta(95)},{start + timedelta(99)}")  # after it
    (tmp_path / "absence.csv").write_text("\n".join(absence) + "\n")
    for kind in ("leavers", "contracts", "absence"):
        import_hr(trial, kind, tmp_path / f"{kind}.csv", {}, now=CLOCK)
    invite(trial.waves.get(name="follow-up"), NOW)
    _answer(trial, "follow-up", {}, 5)
    from hearten.trials.models import IdentityKey

    arm_of = {
        int(k.staff_id[1:]): arms[k.participant_id]
        for k in IdentityKey.objects.filter(participant__trial=trial)
    }
    # By hand: 90 FTE-days each; person 3 left on day 30 (31 days employed), person 5 went
    # half-time on day 60 (60 days at 1.0, 30 at 0.5); person 7's spell after the window is
    # not counted.
    exposure = {n: 90.0 for n in range(1, 41)} | {3: 31.0, 5: 60 + 30 * 0.5}
    expected = {}
    for arm in set(arm_of.values()):
        people = [n for n, a in arm_of.items() if a == arm]
        days = sum(absent.get(n, 0) for n in people)
        expected[arm] = 365.25 * days / sum(exposure[n] for n in people)
    now = CLOCK
    first = run_analysis(trial, now=now).result
    later = run_analysis(trial, now=now + timedelta(days=45)).result
    end = start + timedelta(days=89)
    for result in (first, later):
        assert result["hr"]["window"] == [start.isoformat(), end.isoformat()]
        assert result["hr"]["absence"]["rate_per_fte_year"] == pytest.approx(expected)
    assert first["as_of"] == now.isoformat()
    assert later["as_of"] == (now + timedelta(days=45)).isoformat()
    # Every number the same (the run's date, its plan status and the audit log's length
    # apart: the first run is itself an audited event).
    differ = ("as_of", "plan", "allocation")
    assert {k: v for k, v in first.items() if k not in differ} == {
        k: v for k, v in later.items() if k not in differ
    }


def test_a_leaver_read_before_randomisation_is_not_followed_in_the_window(
    trial: Any, tmp_path: Path
) -> None:
    """Issue 28: a leavers file imported before randomisation, naming someone who left before
    the window began, made them a 'stayer' followed for the whole window with no exposure.
    The leaving model now leaves them out, and the report says how many and why."""
    design = dict(trial.design)
    design["analysis"] = {**design["analysis"], "hr": {"window_days": 90}}
    trial.design = design
    trial.save()
    randomised_on = _days_ago(200)
    gone = (randomised_on - timedelta(days=10)).date()
    inside = [f"S{n:04d},{randomised_on.date() + timedelta(days=20 + n)}" for n in range(5, 41, 5)]
    (tmp_path / "leavers.csv").write_text("\n".join(["staff_id,date", f"S0003,{gone}", *inside]))
    import_hr(trial, "leavers", tmp_path / "leavers.csv", {}, now=CLOCK)  # before the draw
    invite(trial.waves.get(name="baseline"), NOW)
    _answer(trial, "baseline", {})
    randomise_trial(trial, 4, now=randomised_on)
    invite(trial.waves.get(name="follow-up"), NOW)
    _answer(trial, "follow-up", {}, 5)
    leaving = run_analysis(trial, CLOCK).result["hr"]["leaving"]
    assert leaving["not_at_risk"] == 1
    assert leaving["events"] == len(inside)  # only the leavers inside the window
    html = write_report(trial, now=CLOCK).read_text()
    assert "1 person not employed on any day of the window" in html


def test_the_window_starts_on_the_local_day_of_randomisation(trial: Any) -> None:
    """Randomised at 00:30 on 2 July in London (23:30 UTC on 1 July), the HR window starts on
    2 July, the day the run's ``today`` and the HR records count in, not the UTC day
    (issue 27, item 2, review)."""
    from datetime import UTC, date, datetime

    from hearten.analysis.follow_up import follow_up
    from hearten.trials.allocation import randomise_trial

    randomise_trial(trial, 7, now=datetime(2026, 7, 1, 23, 30, tzinfo=UTC))
    trial.refresh_from_db()
    allocation = trial.allocation
    allocation.refresh_from_db()
    assert allocation.created_at.date() == date(2026, 7, 1)  # the UTC day
    assert allocation.randomised_on == date(2026, 7, 2)
    window = follow_up(allocation.randomised_on, 90)
    assert (window.start, window.end) == (date(2026, 7, 2), date(2026, 9, 29))
