"""A stepped-wedge trial analysed by `hearten trial analyse`: the planned mixed model, its
CR2 alternative and the sequence re-draws, on the stored answers of each period wave."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from hearten.analysis.run import run_analysis
from hearten.analysis.stepped_wedge import stepped_dataset
from hearten.errors import DesignError
from hearten.stats.stepped_wedge_fit import cr2_stepped_wedge, fit_stepped_wedge
from hearten.stats.stepped_wedge_ri import sequence_test
from hearten.surveys.models import Invitation
from hearten.surveys.services import invite, record_consent, submit_response
from hearten.trials.allocation import randomise_trial
from hearten.trials.rollout import change_schedule, trial_schedule
from tests.conftest import CLOCK

#: The clock the services are given (a fixed one: nothing here depends on the day).
NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)

pytestmark = pytest.mark.django_db

PERIODS = ("p0", "p1", "p2", "p3", "p4")
WAVE = '[[waves]]\nname = "{}"\ninstrument = "swemwbs"\n\n'


def design_text(
    period_waves: bool = True, transition: int = 0, options: str = "", analysis: str = ""
) -> str:
    """A stepped-wedge design: 2 sites × 4 teams, 4 steps, a survey wave each period."""
    waves = PERIODS + tuple(f"p{5 + k}" for k in range(transition))
    listed = ", ".join(f'"{w}"' for w in waves)
    return f"""
slug = "caseload-sw"
name = "Protected caseloads (stepped wedge)"
unit = "team"
strata = "site"

[[arms]]
name = "control"
label = "Caseloads as usual"
control = true

[[arms]]
name = "protected"
label = "Protected caseload model"

{"".join(WAVE.format(w) for w in waves)}
[analysis]
outcome_wave = "{waves[-1]}"
reps = 999
{analysis}

[randomisation]
scheme = "stepped-wedge"

[stepped_wedge]
steps = 4
transition = {transition}
{f"period_waves = [{listed}]" if period_waves else ""}
{options}
"""


def make_trial(write_roster: Callable[[str], Path], text: str, at: Any = CLOCK) -> Any:
    from hearten.surveys.services import plan_waves
    from hearten.trials.design import parse_design
    from hearten.trials.lifecycle import create_trial
    from hearten.trials.roster import import_roster
    from tests.conftest import roster_text

    t = create_trial(parse_design(text), now=CLOCK)
    plan_waves(t)
    import_roster(t, write_roster(roster_text()), now=CLOCK)
    randomise_trial(t, 31, now=at)
    return t


def answer_every_period(
    trial: Any, effect: int, skip_every: int = 0, cell_shifts: bool = False
) -> None:
    """Everyone answers each period's survey; items rise by ``effect`` once their team has
    started the change, and drift up by period (a secular trend the model must absorb)."""
    rng = np.random.default_rng(7)
    start = {r.unit: r.start for r in trial_schedule(trial, as_drawn=True).rows}
    team_level = {u: int(rng.integers(-1, 2)) for u in start}
    # A team's period may be better or worse as a whole (a cluster-by-period effect).
    shift = {(u, p): int(rng.choice([-1, 0, 0, 1])) if cell_shifts else 0
             for u in start for p in range(len(PERIODS))}  # fmt: skip
    for period, wave in enumerate(w.name for w in trial.waves.order_by("id")):
        invite(trial.waves.get(name=wave), NOW)
        invitations = Invitation.objects.filter(wave__trial=trial, wave__name=wave)
        for i, inv in enumerate(invitations.select_related("participant__team").order_by("id")):
            if inv.participant.consent == "pending":
                record_consent(inv, True, now=NOW)
            if skip_every and i % skip_every == period % skip_every:
                continue
            team = inv.participant.team.code
            base = 3 + team_level[team] + (period >= 2) + (effect if period >= start[team] else 0)
            base += shift.get((team, period), 0)
            values = [int(np.clip(base + rng.integers(-1, 2), 1, 5)) for _ in range(7)]
            submit_response(inv, {f"swemwbs_{k}": v for k, v in enumerate(values, 1)}, now=NOW)


@pytest.fixture
def stepped(write_roster: Callable[[str], Path], db: None) -> Any:
    t = make_trial(write_roster, design_text())
    answer_every_period(t, effect=1, skip_every=4)
    return t


def test_the_run_is_the_planned_mixed_model_on_every_period(stepped: Any) -> None:
    run = run_analysis(stepped, CLOCK)
    data, _, _ = stepped_dataset(stepped)
    args = (data["y"], data["cluster"], data["period"], data["treated"])
    model = fit_stepped_wedge(*args)
    r = run.result
    e = r["effects"][0]
    assert r["design"] == "stepped-wedge"
    assert e["term"] == "protected"
    # The parallel trials' effect without resampling (stored as ``randomisation``).
    assert list(e) == ["term", "estimate", "std_error", "df", "statistic", "p_value", "conf_low",
                       "conf_high", "n", "n_clusters", "vcov_type", "alpha", "alternative",
                       "hedges_g"]  # fmt: skip
    assert e["estimate"] == pytest.approx(model.estimate, rel=1e-12)
    assert e["std_error"] == pytest.approx(model.std_error, rel=1e-12)
    assert e["df"] == pytest.approx(model.df, rel=1e-12)
    assert e["conf_low"] > 0  # a full item point on seven items
    assert r["model"]["n"] == len(data) == 5 * 40 - 50  # one in four skips each period
    assert (r["model"]["n_clusters"], r["model"]["periods"]) == (8, 5)
    assert r["model"]["df_method"] == "Satterthwaite"
    robust = cr2_stepped_wedge(*args)
    assert r["robust"]["estimate"] == pytest.approx(robust.estimate, rel=1e-12)
    assert r["robust"]["std_error"] == pytest.approx(robust.std_error, rel=1e-12)
    assert r["robust"]["vcov_type"] == "CR2"


def test_the_standardised_effect_is_hedges_g_as_the_parallel_trials_report_it(
    stepped: Any,
) -> None:
    from hearten.stats.effect_size import hedges_g

    r = run_analysis(stepped, CLOCK).result
    data, _, _ = stepped_dataset(stepped)
    m = r["model_fit"]
    g = r["effects"][0]["hedges_g"]
    total = m["tau2"] + m["sigma2"]
    n_change = int(data["treated"].sum())
    cells = data.groupby(["cluster", "period"]).ngroups
    one = hedges_g(m["estimate"], total**0.5, n_change, len(data) - n_change,
                   m["tau2"] / total, len(data) / cells, sd_is_total=True)  # fmt: skip
    # The small-sample correction is applied: g is below the plain ratio to the model SD.
    assert 0 < one.correction < 1
    assert g["g"] == pytest.approx(one.correction * m["estimate"] / total**0.5, rel=1e-12)
    assert g["correction"] == pytest.approx(one.correction, rel=1e-12)
    # The planned model's interval on g's scale, so g agrees with the p-value.
    assert g["conf_low"] == pytest.approx(m["conf_low"] * g["scale"], rel=1e-12)
    # Stored without ``interval``, the correction and the total SD beside g's keys.
    assert list(g) == ["g", "std_error", "conf_low", "conf_high", "icc", "scale", "correction",
                       "sd"]  # fmt: skip
    assert g["std_error"] == pytest.approx(m["std_error"] * g["scale"], rel=1e-12)
    assert g["icc"] == pytest.approx(m["tau2"] / total, rel=1e-12)


def test_stratified_sequences_are_tested_exactly_over_every_allocation_within_sites(
    stepped: Any,
) -> None:
    from hearten.reports.render import write_report

    r = run_analysis(stepped, CLOCK).result
    data, plan, _ = stepped_dataset(stepped)
    expected = sequence_test(
        data["y"], data["cluster"], data["period"], {x.unit: x.start for x in plan.rows},
        {x.unit: x.stratum for x in plan.rows}, int(stepped.allocation.seed), 999,
    )  # fmt: skip
    assert r["randomisation"]["p_value"] == pytest.approx(expected.p_value)
    # 2 sites of 4 teams, each site's teams in 4 sequences of 1: 4! × 4! = 576 allocations,
    # few enough to enumerate (the product over sites, not 8!/(2!^4) across them)
    assert r["randomisation"]["exact"] is True
    assert r["randomisation"]["allocations"] == 576
    assert r["randomisation"]["p_value"] < 0.05
    assert (
        "every one of the 576 possible allocations" in write_report(stepped, now=CLOCK).read_text()
    )


def test_unstratified_sequences_are_tested_exactly_over_every_allocation(
    write_roster: Callable[[str], Path], db: None
) -> None:
    from hearten.reports.render import write_report
    from hearten.stats.sequences import allocations_possible

    t = make_trial(write_roster, design_text().replace('strata = "site"', 'strata = "none"'))
    answer_every_period(t, effect=1, skip_every=4)
    r = run_analysis(t, CLOCK).result
    data, plan, _ = stepped_dataset(t)
    # 8 teams in 4 sequences of 2: 8!/(2!^4) = 2520 allocations, few enough to enumerate
    assert allocations_possible([2, 2, 2, 2]) == 2520
    expected = sequence_test(
        data["y"], data["cluster"], data["period"], {x.unit: x.start for x in plan.rows},
        None, int(t.allocation.seed), 999,
    )  # fmt: skip
    assert r["randomisation"]["exact"] is True
    assert r["randomisation"]["allocations"] == 2520
    assert r["randomisation"]["p_value"] == pytest.approx(expected.p_value)
    assert "every one of the 2520 possible allocations" in write_report(t, now=CLOCK).read_text()


def test_the_flow_counts_each_sequence_in_each_period(stepped: Any) -> None:
    flow = run_analysis(stepped, CLOCK).result["flow"]
    assert len(flow) == 4 * 5
    assert {f["clusters"] for f in flow} == {2}
    assert {f["people"] for f in flow} == {10}
    assert {f["invited"] for f in flow} == {10}
    assert sum(f["analysed"] for f in flow) == 150
    first = [f for f in flow if f["sequence"] == 1]
    assert [f["condition"] for f in first] == ["control", *["change"] * 4]


def test_a_late_change_is_a_deviation_and_the_drawn_schedule_is_analysed(stepped: Any) -> None:
    first = trial_schedule(stepped).rows[0]
    change_schedule(stepped, first.unit, 4, "the manager left", now=CLOCK)
    r = run_analysis(stepped, CLOCK).result
    assert [d["unit"] for d in r["deviations"]] == [first.unit]
    drawn = {x["unit"]: x["start"] for x in r["schedule"]["rows"]}
    assert drawn[first.unit] == 1


def test_transition_periods_are_left_out(write_roster: Callable[[str], Path], db: None) -> None:
    t = make_trial(write_roster, design_text(transition=1))
    answer_every_period(t, effect=1)
    r = run_analysis(t, CLOCK).result
    data, _, _ = stepped_dataset(t)
    assert (data["condition"] == "transition").sum() == 8 * 5  # each team's one period
    assert r["model"]["n"] == 6 * 40 - 8 * 5
    assert r["randomisation"] is None
    assert "transition" in r["randomisation_note"]


def test_a_design_without_period_waves_is_refused_in_one_line(
    write_roster: Callable[[str], Path], db: None
) -> None:
    t = make_trial(write_roster, design_text(period_waves=False))
    with pytest.raises(DesignError, match=r"stepped_wedge\.period_waves"):
        run_analysis(t, CLOCK)


def test_the_report_shows_the_schedule_the_flow_and_the_three_analyses(stepped: Any) -> None:
    from hearten.reports.render import write_report

    run = run_analysis(stepped, CLOCK)
    e = run.result["effects"][0]
    html = write_report(stepped, now=CLOCK).read_text()
    for text in (
        "stepped-wedge cluster randomised trial",
        "Who started when",
        "Participant flow by sequence and period",
        "Mixed model: period fixed effects",
        "CR2 by team",
        "every one of the 576 possible allocations to sequences",
        f"{e['estimate']:.3f}",
        f"{e['conf_low']:.2f} to {e['conf_high']:.2f}",
        "Satterthwaite degrees of freedom",
        "The interval excludes no difference.",
        "No change to the schedule was recorded.",
        'role="img"',
    ):
        assert text in html, text
    assert html.count("<svg") == 2  # the staircase and the flow diagram
    assert "S0001" not in html
    # a small p-value reads "p < 0.001", not "p = < 0.001"
    assert e["p_value"] < 0.001
    assert "p &lt; 0.001;" in html
    assert "p = &lt;" not in html
    assert write_report(stepped, now=CLOCK).with_suffix(".pdf").exists()


def test_the_analyse_command_prints_all_three(hearten: Callable[..., Any], stepped: Any) -> None:
    r = hearten("trial", "analyse", stepped.slug)
    assert r.code == 0, r.err
    for text in ("protected", "mixed model", "CR2", "randomisation inference", "Satterthwaite"):
        assert text in r.out, text
    assert "randomisation inference (exact, all 576 allocations)" in r.out


def test_the_plan_may_ask_for_team_by_period_effects_and_exposure_time(
    write_roster: Callable[[str], Path], db: None
) -> None:
    from hearten.reports.render import write_report
    from hearten.stats.stepped_wedge_fit import fit_exposure_time

    options = 'random_effects = "cluster-period"\nexposure_time = true\n'
    t = make_trial(write_roster, design_text(options=options))
    answer_every_period(t, effect=1, cell_shifts=True)
    r = run_analysis(t, CLOCK).result
    data, _, _ = stepped_dataset(t)
    args = (data["y"], data["cluster"], data["period"])
    model = fit_stepped_wedge(*args, data["treated"], random_effects="cluster-period")
    assert r["model"]["random_effects"] == "cluster-period"
    assert r["model"]["formula"].endswith("(1 | cluster) + (1 | cluster:period)")
    assert r["effects"][0]["estimate"] == pytest.approx(model.estimate, rel=1e-10)
    assert r["effects"][0]["df"] == pytest.approx(model.df, rel=1e-6)
    assert r["model"]["gamma2"] == pytest.approx(model.gamma2, rel=1e-8)
    assert r["model_note"] is None
    by_time = fit_exposure_time(*args, data["exposure"], random_effects="cluster-period")
    stored = r["exposure_time"]
    assert [e["name"] for e in stored["effects"]] == [f"exposure {k}" for k in (1, 2, 3, 4)]
    assert stored["average"]["estimate"] == pytest.approx(by_time.average.estimate, rel=1e-10)
    first = data[data["sequence"] == 1]
    assert first.groupby("period")["exposure"].first().tolist() == [0, 1, 2, 3, 4]
    html = write_report(t, now=CLOCK).read_text()
    for text in ("team-by-period", "The effect by time since the change", "Exposure 4"):
        assert text in html, text


def test_a_team_by_period_variance_at_zero_falls_back_and_says_so(
    write_roster: Callable[[str], Path], db: None
) -> None:
    # Raw SWEMWBS sums that are exactly team + period + change in every team-period (each
    # team's people answer alike every period), so REML puts the team-by-period variance at 0.
    text = design_text(options='random_effects = "cluster-period"\n', analysis='score = "raw"')
    t = make_trial(write_roster, text)
    start = {r.unit: r.start for r in trial_schedule(t, as_drawn=True).rows}
    level = {u: i % 2 for i, u in enumerate(sorted(start))}
    for period, wave in enumerate(PERIODS):
        invite(t.waves.get(name=wave), NOW)
        invitations = Invitation.objects.filter(wave__trial=t, wave__name=wave).order_by("id")
        for i, inv in enumerate(invitations.select_related("participant__team")):
            if inv.participant.consent == "pending":
                record_consent(inv, True, now=NOW)
            team = inv.participant.team.code
            base = 1 + level[team] + (period >= 2) + (period >= start[team])
            values = [base + (k < i % 3) for k in range(7)]
            submit_response(inv, {f"swemwbs_{k}": v for k, v in enumerate(values, 1)}, now=NOW)
    r = run_analysis(t, CLOCK).result
    assert r["model"]["random_effects"] == "cluster"
    assert r["model"]["gamma2"] is None
    assert "estimated at zero" in r["model_note"]
    # one point on each item; the team intercepts (not fixed effects) let it move a little
    assert r["effects"][0]["estimate"] == pytest.approx(7.0, abs=0.05)


STARTS = ["2025-06-02", "2025-08-04", "2025-10-06", "2025-12-01", "2026-02-02"]
HR_OPTIONS = f"period_starts = [{', '.join(STARTS)}]\nlast_day = 2026-03-29\n"


def test_absence_and_leaving_by_period_from_hr_records(
    write_roster: Callable[[str], Path], db: None, tmp_path: Path
) -> None:
    from datetime import date, timedelta

    from django.utils import timezone

    from hearten.analysis.stepped_hr import period_panel
    from hearten.hr.imports import import_hr
    from hearten.reports.render import write_report
    from hearten.stats.counts import estimate_counts
    from hearten.trials.lifecycle import design_of

    # The roll-out was randomised before its first period: the HR records describe the past.
    before = timezone.make_aware(timezone.datetime(2025, 5, 19))
    t = make_trial(write_roster, design_text(options=HR_OPTIONS, analysis="[analysis.hr]"), before)
    answer_every_period(t, effect=1)
    plan = trial_schedule(t, as_drawn=True)
    team_of = {
        f"S{n:04d}": f"{'DU' if n <= 20 else 'SH'}-{(n - 1) % 20 // 5}" for n in range(1, 41)
    }
    start = {r.unit: r.start for r in plan.rows}
    first = [date.fromisoformat(s) for s in STARTS]
    rng = np.random.default_rng(5)
    spells, leavers = ["staff_id,start,end"], ["staff_id,date"]
    for n in range(1, 41):
        staff = f"S{n:04d}"
        stays = 5 if n % 9 else n % 5  # leavers have no absence from their leaving period on
        for period in range(stays):
            # Fewer days off once the team has the change.
            if rng.random() < (0.25 if period >= start[team_of[staff]] else 0.6):
                day = first[period] + timedelta(days=int(rng.integers(0, 40)))
                spells.append(f"{staff},{day},{day + timedelta(days=int(rng.integers(1, 12)))}")
        if n % 9 == 0:
            leavers.append(f"{staff},{first[n % 5] + timedelta(days=20)}")
    # A spell across the first boundary counts in both periods: 3 days, then 2.
    spells.append(f"S0002,{first[1] - timedelta(days=3)},{first[1] + timedelta(days=1)}")
    (tmp_path / "absence.csv").write_text("\n".join(spells) + "\n")
    (tmp_path / "leavers.csv").write_text("\n".join(leavers) + "\n")
    import_hr(t, "leavers", tmp_path / "leavers.csv", {}, now=CLOCK)
    import_hr(t, "absence", tmp_path / "absence.csv", {}, now=CLOCK)
    # The clock is frozen: the roll-out's last day (29 March 2026) has run on 30 March.
    after = timezone.make_aware(timezone.datetime(2026, 3, 30, 9))
    r = run_analysis(t, now=after).result
    assert r["as_of"] == after.isoformat()
    hr = r["hr"]
    assert hr["not_run"] is None
    assert hr["periods"][0] == ["2025-06-02", "2025-08-03"]
    assert hr["periods"][-1] == ["2026-02-02", "2026-03-29"]
    # Re-run a year later: the periods are the design's, so the numbers are the same.
    later = run_analysis(t, now=after + timedelta(days=365)).result["hr"]
    assert later == hr
    panel = period_panel(t, plan, design_of(t))
    assert len(panel) == 40 * 5 - sum(4 - n % 5 for n in (9, 18, 27, 36))  # gone after leaving
    arm = np.where(panel["condition"] == "change", "change", "control").tolist()
    fit = estimate_counts(
        panel["absence_days"], arm, "control", panel["exposure"], None,
        panel["period"].astype(str).tolist(), panel["cluster"], "negbin",
    )  # fmt: skip
    assert hr["absence"]["ratio"]["rate_ratio"] == pytest.approx(fit.effects[0].rate_ratio)
    assert hr["absence"]["ratio"]["rate_ratio"] < 1
    assert hr["absence"]["leads"] is True  # 8 teams, under the default 20
    assert 0 < hr["absence"]["randomisation"]["p_value"] <= 1
    assert hr["leaving"]["events"] == 4
    leavers = panel[panel["period"] > 0]  # nobody left in period 0: it is not modelled
    arm = np.where(leavers["condition"] == "change", "change", "control").tolist()
    leaving = estimate_counts(
        leavers["left"], arm, "control", leavers["days_at_risk"], None,
        leavers["period"].astype(str).tolist(), leavers["cluster"], "poisson",
    )  # fmt: skip
    assert hr["leaving"]["ratio"]["rate_ratio"] == pytest.approx(leaving.effects[0].rate_ratio)
    assert hr["leaving"]["family"] == "poisson"
    html = write_report(t, now=CLOCK).read_text()
    for text in ("Sickness absence and leaving by period", "rate ratio", "hazard ratio"):
        assert text in html, text


def test_absence_and_leaving_wait_for_the_roll_out_to_run(
    write_roster: Callable[[str], Path], db: None, tmp_path: Path
) -> None:
    """On the roll-out's last day (its records may not be in) nothing is analysed, rather than
    periods cut short at the day of the run; the report says when they will be (issue 27)."""
    from django.utils import timezone

    from hearten.reports.render import write_report

    before = timezone.make_aware(timezone.datetime(2025, 5, 19))
    t = make_trial(write_roster, design_text(options=HR_OPTIONS, analysis="[analysis.hr]"), before)
    answer_every_period(t, effect=1)
    last_day = timezone.make_aware(timezone.datetime(2026, 3, 29, 23, 59))
    r = run_analysis(t, now=last_day).result
    hr = r["hr"]
    assert hr["absence"] is None
    assert hr["leaving"] is None
    assert hr["periods"][-1] == ["2026-02-02", "2026-03-29"]  # the planned periods, uncut
    assert hr["not_run"] == (
        "the roll-out's periods run from 02 June 2025 to 29 March 2026: absence and leaving "
        "by period are analysed once they have run (from 30 March 2026)"
    )
    html = write_report(t, now=CLOCK).read_text()
    assert "Not analysed yet: the roll-out&#x27;s periods run from 02 June 2025" in html
    assert "rate ratio" not in html
