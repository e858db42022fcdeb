"""The demo's fourth trial: a protected-caseload model rolled out to 12 teams in 4 steps.

A stepped-wedge trial built through the same services as the others: the roster imported,
the seed committed and the plan locked before the teams are drawn to sequences, a survey in
each of the five quarter-year periods (period 0 before anyone starts), fifteen months of HR
records (sickness spells and leavers), then analysed by its planned model and reported. The
fiction: randomisation was fifteen months ago, so every period has happened.

Simulated truth: wellbeing rises by :data:`CASELOAD_EFFECT` on the item scale once a team has
protected caseloads, with a small drift over time that touches every team (the periods'
fixed effects absorb it), and sickness absence falls by a fifth. Each period's survey answers
draw a fresh person-level deviation around the team's mean (cross-sectional sampling, as the
design declares).
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta
from importlib import resources
from pathlib import Path

import numpy as np
from django.db import transaction
from django.utils import timezone

from hearten.demo.questions import own_generator
from hearten.demo.roster import seeded_pseudonyms, write_roster
from hearten.demo.simulate import Person, simulate_answers, simulate_staff
from hearten.demo.steps import Steps
from hearten.trials.models import Trial

SLUG = "demo-caseload"
TEAMS, STEPS, PERIOD_DAYS, TEAM_SIZE = 12, 4, 91, 6
CASELOAD_EFFECT = 0.2  # on the 1–5 item scale, about a third of an SD of the metric score
DRIFT = 0.03  # per period, every team
ABSENCE_RATIO = 0.8  # sickness absence with protected caseloads, relative to without


def _design_text(first: date) -> str:
    """The design file with the periods' dates, running from ``first``."""
    text = resources.files("hearten.demo").joinpath("caseload.toml").read_text()
    starts = [first + timedelta(days=PERIOD_DAYS * p) for p in range(STEPS + 1)]
    last = starts[-1] + timedelta(days=PERIOD_DAYS - 1)
    waves = ", ".join(f'"period-{p}"' for p in range(STEPS + 1))
    return (
        text + f'\n[stepped_wedge]\nsteps = {STEPS}\nsampling = "cross-sectional"\n'
        f"period_waves = [{waves}]\nperiod_starts = [{', '.join(map(str, starts))}]\n"
        f"last_day = {last}\ncac = 0.8\n"
    )


def _answer_period(
    trial: Trial, wave: str, people: dict[str, Person], level: dict[str, float],
    shift: dict[str, float], rng: np.random.Generator, own: np.random.Generator,
) -> None:  # fmt: skip
    from hearten.demo.questions import answer_own_questions
    from hearten.surveys.models import Invitation
    from hearten.surveys.services import invite, record_consent, submit_response

    now = timezone.now()  # the demo is the edge: the period's one reading of the clock
    invite(trial.waves.get(name=wave), now)
    invitations = (
        Invitation.objects.filter(wave__trial=trial, wave__name=wave)
        .select_related("participant", "participant__identity", "participant__team")
        .order_by("participant__identity__staff_id")
    )
    with transaction.atomic():
        for inv in invitations:
            person = people[inv.participant.identity.staff_id]
            if inv.participant.consent == "pending" and person.consent != "silent":
                record_consent(inv, person.consent == "yes", now=now)
            if inv.participant.consent != "consented" or rng.random() >= 0.7:
                continue
            team = inv.participant.team.code
            fresh = level[team] + rng.normal(0.0, 0.55)  # a new draw each period
            values = simulate_answers(rng, fresh, shift.get(team, 0.0))
            swemwbs = {f"swemwbs_{i}": v for i, v in enumerate(values, 1)}
            submit_response(inv, swemwbs, now=now)
            answer_own_questions(inv, own, SLUG, now)


def _write_hr(
    people: list[Person], first: date, start: dict[str, int], rng: np.random.Generator,
    home: Path,
) -> None:  # fmt: skip
    """Fifteen months of sickness spells (fewer once a team has the change) and leavers."""
    from hearten.files import write_atomic

    end = first + timedelta(days=PERIOD_DAYS * (STEPS + 1) - 1)
    absence, leavers = ["staff_id,start,end,reason"], ["staff_id,date,reason"]
    for p in sorted(people, key=lambda q: q.staff_id):
        leave = None
        began = max(first, p.start_date)  # some joined during the roll-out
        if rng.random() < 0.2 and (end - began).days > 60:
            leave = began + timedelta(days=int(rng.integers(30, (end - began).days)))
            leavers.append(f"{p.staff_id},{leave},moved to another authority")
        proneness = rng.gamma(0.6, 1.0)
        day = began + timedelta(days=int(rng.integers(0, 30)))
        while True:
            period = min((day - first).days // PERIOD_DAYS, STEPS)
            rate = (0.2 + proneness) * (ABSENCE_RATIO if period >= start[p.team] else 1.0)
            day += timedelta(days=int(rng.exponential(120 / rate)) + 1)
            stop = day + timedelta(days=int(rng.geometric(0.25)) - 1)
            if stop > end or (leave and stop >= leave):
                break
            absence.append(f"{p.staff_id},{day},{stop},{rng.choice(['stress', 'illness'])}")
            day = stop + timedelta(days=1)
    write_atomic(home / "demo" / "caseload-absence.csv", "\n".join(absence) + "\n")
    write_atomic(home / "demo" / "caseload-leavers.csv", "\n".join(leavers) + "\n")


def caseload_trial(rng: np.random.Generator, home: Path, steps: Steps, seed: int) -> Path:
    """Build, analyse and report the stepped-wedge trial; return its report's path."""
    from hearten.analysis.models import PlanVersion
    from hearten.analysis.run import run_analysis
    from hearten.hr.imports import import_hr
    from hearten.reports.preregistration import lock_and_preregister, write_preregistration
    from hearten.reports.render import write_report
    from hearten.reports.standards import write_standards
    from hearten.surveys.services import plan_waves
    from hearten.trials.allocation import commit_seed, randomise_trial
    from hearten.trials.design import parse_design
    from hearten.trials.lifecycle import create_trial, discard_trial
    from hearten.trials.rollout import trial_schedule
    from hearten.trials.roster import import_roster

    label = "caseload trial"
    today = timezone.now().date()
    first = today - timedelta(days=PERIOD_DAYS * (STEPS + 1) + 14)
    with steps.step(label, "trial created, 12 teams' staff simulated"):
        for earlier in Trial.objects.filter(slug=SLUG):
            discard_trial(earlier, "the demo is built again", now=timezone.now())
        trial = create_trial(
            parse_design(_design_text(first), "the demo's caseload.toml"), now=timezone.now()
        )
        plan_waves(trial)
        staff = simulate_staff(rng, today)
        teams = sorted({p.team for p in staff if p.site == "Dudley"})[:TEAMS]
        # The pilot teams' caseholding staff: up to six a team (the demo's time budget).
        people = [dataclasses.replace(p, staff_id=f"C{p.staff_id}") for p in staff
                  if p.team in teams]  # fmt: skip
        people = [p for t in teams for p in [q for q in people if q.team == t][:TEAM_SIZE]]
        roster = home / "demo" / "caseload-roster.csv"
        write_roster(people, roster)
        import_roster(trial, roster, now=timezone.now(), pseudonyms=seeded_pseudonyms(seed))
    with steps.step(label, "seed committed, plan locked, teams drawn to steps"):
        # Randomisation happened two weeks before the first period; the seed was committed
        # two minutes and the plan locked one minute before it, strictly in that order.
        began = timezone.make_aware(
            datetime.combine(first - timedelta(days=14), datetime.min.time())
        )
        commit_seed(trial, seed, now=began - timedelta(minutes=2))
        lock_and_preregister(trial, now=began - timedelta(minutes=1))
        randomise_trial(trial, now=began)
        trial.refresh_from_db()
        write_preregistration(trial, PlanVersion.objects.get(trial=trial, number=1))
    start = {r.unit: r.start for r in trial_schedule(trial, as_drawn=True).rows}
    by_id = {p.staff_id: p for p in people}
    level = {t: float(np.mean([p.level for p in people if p.team == t])) for t in teams}
    own = own_generator(SLUG)  # the own questions' answers: the other draws stay as they were
    survey = steps.step(label, "a survey each period answered", total=STEPS + 1)
    with survey as advance:
        for period in range(STEPS + 1):
            shift = {t: DRIFT * period + (CASELOAD_EFFECT if period >= start[t] else 0.0)
                     for t in teams}  # fmt: skip
            _answer_period(trial, f"period-{period}", by_id, level, shift, rng, own)
            advance()
    with steps.step(label, "fifteen months of HR records imported"):
        _write_hr(people, first, start, rng, home)
        import_hr(trial, "leavers", home / "demo" / "caseload-leavers.csv", {}, now=timezone.now())
        import_hr(trial, "absence", home / "demo" / "caseload-absence.csv", {}, now=timezone.now())
    with steps.step(label, "analysed"):
        run_analysis(trial, timezone.now())  # the demo is the edge: it reads the clock
    with steps.step(label, "report and reporting checklist written"):
        report = write_report(trial, now=timezone.now())  # the demo is the edge
        write_standards(trial)
    return report
