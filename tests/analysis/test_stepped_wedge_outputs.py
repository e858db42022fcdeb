"""What the commands say about a stepped-wedge trial beyond its effect (issue 25): absence and
leaving by period printed by `trial analyse` from the stored run, and the warning when the
design's correlation needs more than the planned model's team intercepts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from django.utils import timezone

from hearten.analysis.run import run_analysis
from hearten.trials.rollout import trial_schedule
from hearten.trials.stepped_wedge import SteppedWedgeSpec, model_advice, model_warning
from tests.analysis.test_stepped_wedge import (
    HR_OPTIONS,
    STARTS,
    answer_every_period,
    design_text,
    make_trial,
)
from tests.conftest import CLOCK


def write_hr(trial: Any, folder: Path) -> None:
    """Absence spells (fewer once a team has the change) and four leavers, imported."""
    from hearten.hr.imports import import_hr

    start = {r.unit: r.start for r in trial_schedule(trial, as_drawn=True).rows}
    team_of = {
        f"S{n:04d}": f"{'DU' if n <= 20 else 'SH'}-{(n - 1) % 20 // 5}" for n in range(1, 41)
    }
    first = [date.fromisoformat(s) for s in STARTS]
    rng = np.random.default_rng(5)
    spells, leavers = ["staff_id,start,end"], ["staff_id,date"]
    for n in range(1, 41):
        staff = f"S{n:04d}"
        for period in range(5 if n % 9 else n % 5):
            if rng.random() < (0.25 if period >= start[team_of[staff]] else 0.6):
                day = first[period] + timedelta(days=int(rng.integers(0, 40)))
                spells.append(f"{staff},{day},{day + timedelta(days=int(rng.integers(1, 12)))}")
        if n % 9 == 0:
            leavers.append(f"{staff},{first[n % 5] + timedelta(days=20)}")
    (folder / "absence.csv").write_text("\n".join(spells) + "\n")
    (folder / "leavers.csv").write_text("\n".join(leavers) + "\n")
    import_hr(trial, "leavers", folder / "leavers.csv", {}, now=CLOCK)
    import_hr(trial, "absence", folder / "absence.csv", {}, now=CLOCK)


@pytest.mark.django_db
def test_analyse_prints_absence_and_leaving_by_period_from_the_stored_run(
    hearten: Callable[..., Any], write_roster: Callable[[str], Path], tmp_path: Path
) -> None:
    from django.utils import timezone

    from hearten.analysis.stored import latest_run

    before = timezone.make_aware(timezone.datetime(2025, 5, 19))
    t = make_trial(write_roster, design_text(options=HR_OPTIONS, analysis="[analysis.hr]"), before)
    answer_every_period(t, effect=1)
    write_hr(t, tmp_path)
    r = hearten("trial", "analyse", t.slug)
    assert r.code == 0, r.err
    hr = latest_run(t).result["hr"]
    absence, leaving = hr["absence"], hr["leaving"]
    assert "Absence and leaving by period, 2025-06-02 to 2026-03-29 (5 periods)" in r.out
    a, lv = absence["ratio"], leaving["ratio"]
    assert (
        f"rate ratio {a['rate_ratio']:.2f} ({a['conf_low']:.2f} to {a['conf_high']:.2f})" in r.out
    )
    assert f"hazard ratio {lv['rate_ratio']:.2f}" in r.out
    assert f"{absence['rate_control']:.2f}" in r.out
    assert f"{absence['rate_change']:.2f}" in r.out
    p_ri = absence["randomisation"]["p_value"]
    assert (f"{p_ri:.3f}" if p_ri >= 0.001 else "< 0.001") in r.out
    # 8 teams, under the plan's default threshold of 20: the re-draws lead, and it says so
    assert "With 8 teams (fewer than 20)" in r.out
    assert "read the re-drawn sequences' p-value for absence and leaving" in r.out


@pytest.mark.django_db
def test_analyse_says_when_absence_and_leaving_will_be_analysed(
    hearten: Callable[..., Any], write_roster: Callable[[str], Path]
) -> None:
    # Periods from next year: the roll-out has not run on the run's day (today).
    year = date.today().year + 1
    starts = [f"{year}-0{m}-01" for m in (1, 3, 5, 7, 9)]
    options = f"period_starts = [{', '.join(starts)}]\nlast_day = {year}-10-31\n"
    t = make_trial(write_roster, design_text(options=options, analysis="[analysis.hr]"))
    answer_every_period(t, effect=1)
    r = hearten("trial", "analyse", t.slug)
    assert r.code == 0, r.err
    assert "Absence and leaving by period: not analysed yet: the roll-out's periods run" in r.out
    assert f"(from 01 November {year})" in r.out


@pytest.mark.django_db
def test_analyse_without_hr_outcomes_prints_none(
    hearten: Callable[..., Any], write_roster: Callable[[str], Path]
) -> None:
    t = make_trial(write_roster, design_text())
    answer_every_period(t, effect=1)
    r = hearten("trial", "analyse", t.slug)
    assert r.code == 0, r.err
    assert "Absence and leaving" not in r.out
    assert run_analysis(t, CLOCK).result["hr"] is None


@pytest.mark.parametrize(
    ("options", "warned", "why"),
    [
        ({}, False, ""),
        ({"cac": 0.5, "decay": True}, True, "a team autocorrelation of 0.5 between periods "
         "(decaying with the gap)"),
        ({"cac": 0.8}, True, "a team autocorrelation of 0.8 between periods"),
        ({"sampling": "closed-cohort"}, True, "a closed cohort"),
        ({"cac": 0.5, "random_effects": "cluster-period"}, False, ""),
        ({"sampling": "closed-cohort", "random_effects": "cluster-period"}, False, ""),
    ],
)  # fmt: skip
def test_the_model_warning_follows_the_design_and_the_planned_model(
    options: dict[str, Any], warned: bool, why: str
) -> None:
    spec = SteppedWedgeSpec(steps=4, **options)
    warning = model_warning(spec, "team")
    assert (warning is not None) is warned
    if warning:
        assert why in warning
        assert "only random team intercepts" in warning
        assert "about a third too small" in warning
        assert "cover the truth about 80% of the time" in warning
        assert 'random_effects = "cluster-period"' in str(model_advice(spec, "team", True))
        assert "amend-plan" in str(model_advice(spec, "team", True))
        assert "before locking the plan" in str(model_advice(spec, "team", False))
    assert model_warning(None, "team") is None


@pytest.mark.django_db
def test_create_lock_and_report_warn_when_the_model_ignores_the_autocorrelation(
    hearten: Callable[..., Any], write_roster: Callable[[str], Path], tmp_path: Path
) -> None:
    from hearten.trials.lifecycle import get_trial

    design = tmp_path / "design.toml"
    design.write_text(design_text(options="cac = 0.6\n"))
    r = hearten("trial", "create", str(design))
    assert r.code == 0, r.err
    assert "Warning: The design assumes a team autocorrelation of 0.6" in r.out
    assert "before locking the plan" in r.out
    t = get_trial("caseload-sw")
    r = hearten("trial", "lock-plan", t.slug)
    assert r.code == 0, r.err
    assert 'Set random_effects = "cluster-period" in [stepped_wedge]' in r.out
    assert "amend-plan" in r.out
    # the pre-registration states the planned mixed model, and the caution with it
    md = Path(r.out.split("Pre-registration: ")[1].split(" and ")[0])
    prereg = " ".join(md.read_text().split())
    assert "**Statistical model.** Intention to treat by the schedule as drawn: a linear mixed" in (
        prereg
    )
    assert "with random team intercepts (Hussey and Hughes 2007)" in prereg
    assert "OLS of the outcome" not in prereg
    assert "Caution: the design assumes a team autocorrelation of 0.6" in prereg
    # The fix silences it: the amended plan has team-by-period intercepts.
    design.write_text(design_text(options='cac = 0.6\nrandom_effects = "cluster-period"\n'))
    r = hearten("trial", "amend-plan", t.slug, str(design), "--reason", "the autocorrelation")
    assert r.code == 0, r.err
    assert "Warning" not in r.out
    assert "stepped_wedge.random_effects" in r.out
    # the roll-out itself (steps, sampling, correlations) stays as randomised
    design.write_text(design_text(options='cac = 0.9\nrandom_effects = "cluster-period"\n'))
    r = hearten("trial", "amend-plan", t.slug, str(design), "--reason", "the autocorrelation")
    assert r.code != 0
    assert "also changes stepped_wedge: put those back" in r.err


@pytest.mark.django_db
def test_the_report_methods_carry_the_caution_only_when_it_applies(
    write_roster: Callable[[str], Path],
) -> None:
    from hearten.reports.render import write_report

    t = make_trial(write_roster, design_text(options='sampling = "closed-cohort"\n'))
    answer_every_period(t, effect=1)
    run_analysis(t, CLOCK)
    html = write_report(t, now=CLOCK).read_text()
    assert "A caution on the planned model." in html
    assert "a closed cohort (the same people every period)" in html
    plain = make_trial(write_roster, design_text().replace("caseload-sw", "caseload-sw2"))
    answer_every_period(plain, effect=1)
    run_analysis(plain, CLOCK)
    assert "A caution on the planned model." not in write_report(plain, now=CLOCK).read_text()


@pytest.mark.django_db
def test_the_preregistration_powers_the_stepped_wedge_not_a_parallel_design(
    hearten: Callable[..., Any], write_roster: Callable[[str], Path]
) -> None:
    import json

    from hearten.reports.preregistration import lock_and_preregister
    from hearten.trials.models import Participant

    t = make_trial(write_roster, design_text(options="cac = 0.8\n"))
    _, md, _ = lock_and_preregister(t, now=CLOCK)
    prereg = " ".join(md.read_text().split())
    assert "PowerUp!" not in prereg
    teams = set(Participant.objects.filter(trial=t).values_list("team_id", flat=True))
    size = Participant.objects.filter(trial=t).count() / len(teams)
    # the same numbers through `hearten power mdes`, the command the how-to documents
    r = hearten("power", "mdes", "--design", "stepped-wedge", "--clusters", str(len(teams)),
                "--steps", "4", "--cluster-size", str(size), "--icc2", "0.05", "--cac", "0.8",
                "--json")  # fmt: skip
    assert r.code == 0, r.err
    mdes = json.loads(r.out)["mdes"]
    assert f"{len(teams)} teams on the roster in 4 steps" in prereg
    assert "cluster autocorrelation 0.8" in prereg
    assert f"minimum detectable effect **{mdes:.3f} SD** with 80% power" in prereg
    # Issue 25: a stepped wedge allocates no late teams (allocate_joiners), so the line says
    # so rather than naming the unused late-joiner scheme.
    assert "late joiners: blocked" not in prereg
    assert (
        "late joiners: new people in a randomised team share its sequence; a team added after "
        "randomisation is not allocated (the roll-out's schedule is fixed) and is not analysed."
    ) in prereg


@pytest.mark.django_db
def test_a_model_amended_after_the_results_makes_the_primary_exploratory(
    write_roster: Callable[[str], Path],
) -> None:
    from hearten.analysis.plan import amend_plan, lock_plan
    from hearten.trials.design import parse_design

    t = make_trial(write_roster, design_text(options="cac = 0.6\n"))
    answer_every_period(t, effect=1)
    lock_plan(t, now=CLOCK)
    # The real clock: the run must follow the lock, a real database timestamp.
    first = run_analysis(t, timezone.now()).result["plan"]["labels"]["primary"]
    assert first["label"] == "confirmatory"
    from hearten.reports.standards import standards_markdown

    pack = standards_markdown(t)
    assert "the pre-registration's *Sample size and power* gives the design's MDES" in pack
    text = design_text(options='cac = 0.6\nrandom_effects = "cluster-period"\n')
    version = amend_plan(
        t, parse_design(text), "the autocorrelation needs period intercepts", now=timezone.now()
    )
    assert version is not None
    assert version.after_unblinding
    r = run_analysis(t, timezone.now()).result
    assert r["plan"]["labels"]["primary"] == {
        "label": "exploratory",
        "reason": "changed after the results were first seen",
    }
