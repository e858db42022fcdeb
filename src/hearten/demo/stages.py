"""The stages every demo trial goes through, in order: made afresh from its design file, staff
enrolled and the baseline answered, the seed committed and the plan locked before the draw, a
wave answered, then analysed and reported. The letters, goals, coffee and caseload trials are
built from them."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from importlib import resources
from pathlib import Path

import numpy as np
from django.db import transaction
from django.utils import timezone

from hearten.analysis.run import run_analysis
from hearten.demo.questions import answer_own_questions, own_generator
from hearten.demo.roster import seeded_pseudonyms, write_roster
from hearten.demo.simulate import (
    Person,
    simulate_answers,
)
from hearten.demo.steps import Steps
from hearten.reports.preregistration import lock_and_preregister
from hearten.reports.render import write_report
from hearten.reports.sap import write_sap
from hearten.reports.standards import write_standards
from hearten.surveys.models import Invitation
from hearten.surveys.services import invite, plan_waves, record_consent, submit_response
from hearten.trials.allocation import commit_seed, randomise_trial
from hearten.trials.design import parse_design
from hearten.trials.lifecycle import create_trial, discard_trial
from hearten.trials.models import Trial
from hearten.trials.roster import import_roster

RANDOMISATION_SEED = 20190901

#: The demo's trials, as its progress lines name them.
LABELS = {
    "demo-letters": "letters trial",
    "demo-goals": "goals trial",
    "demo-coffee": "coffee trial",
    "demo-caseload": "caseload trial",
}


def trial_label(trial: Trial) -> str:
    return LABELS.get(trial.slug, trial.slug)


def answer_wave(
    trial: Trial,
    wave: str,
    people: dict[str, Person],
    rng: np.random.Generator,
    steps: Steps,
    shift_for: dict[str, float] | None = None,
) -> None:
    invitations = list(
        Invitation.objects.filter(wave__trial=trial, wave__name=wave)
        .select_related("participant", "participant__identity", "wave")
        .order_by("participant__identity__staff_id")  # fixed order: same seed, same demo
    )
    survey = steps.step(trial_label(trial), f"{wave} survey answered", total=len(invitations))
    own = own_generator(trial.slug)  # the trial's own questions: a stream of their own
    now = timezone.now()  # the demo is the edge: the wave is answered at one reading
    with survey as advance, transaction.atomic():
        for inv in invitations:
            person = people[inv.participant.identity.staff_id]
            if inv.participant.consent == "pending" and person.consent != "silent":
                record_consent(inv, person.consent == "yes", now=now)
            answers = person.answers_baseline if wave == "baseline" else person.answers_follow_up
            if inv.participant.consent == "consented" and answers:
                shift = (shift_for or {}).get(inv.participant.pseudonym, 0.0)
                values = simulate_answers(rng, person.level, shift)
                swemwbs = {f"swemwbs_{i}": v for i, v in enumerate(values, 1)}
                submit_response(inv, swemwbs, now=now)
                answer_own_questions(inv, own, trial.slug, now)
            advance()


def fresh_trial(resource: str, closes: dict[str, date] | None = None) -> Trial:
    """The demo trial declared in ``resource``, made afresh (any earlier one deleted); a wave
    named in ``closes`` gets that closing date (a date the design file cannot fix, since the
    demo is built on the day it is run)."""
    design = parse_design(
        resources.files("hearten.demo").joinpath(resource).read_text(), f"the demo's {resource}"
    )
    if closes:
        waves = [
            w.model_copy(update={"closes": closes[w.name]}) if w.name in closes else w
            for w in design.waves
        ]
        design = design.model_copy(update={"waves": waves})
    for earlier in Trial.objects.filter(slug=design.slug):
        discard_trial(earlier, "the demo is built again", now=timezone.now())
    trial = create_trial(design, now=timezone.now())
    plan_waves(trial)
    return trial


def enrol_and_randomise(
    trial: Trial,
    people: list[Person],
    roster: Path,
    rng: np.random.Generator,
    steps: Steps,
    seed: int,
    offices: dict[str, str] | None = None,
    randomised_at: datetime | None = None,
) -> dict[str, Person]:
    """Import the staff, run the baseline survey, commit the seed and randomise (at
    ``randomised_at`` when given, else now: the seed is committed two minutes and the plan
    locked one minute before it, in that order); returns the simulated people by staff number."""
    label = trial_label(trial)
    with steps.step(label, "roster imported, baseline invited"):
        write_roster(people, roster, offices)
        import_roster(trial, roster, now=timezone.now(), pseudonyms=seeded_pseudonyms(seed))
        by_id = {p.staff_id: p for p in people}
        invite(trial.waves.get(name="baseline"), timezone.now())
    answer_wave(trial, "baseline", by_id, rng, steps)
    with steps.step(label, "seed committed, plan locked, randomised"):
        # The demo is the edge: it reads the clock once and gives each step its time, so the
        # seed is committed and the plan locked strictly before the draw, as the report says.
        drawn = randomised_at or timezone.now()
        # published before the draw, revealed by it
        commit_seed(trial, seed, now=drawn - timedelta(minutes=2))
        # the plan, frozen before any outcome
        version, _, _ = lock_and_preregister(trial, now=drawn - timedelta(minutes=1))
        write_sap(trial, version)
        randomise_trial(trial, now=drawn)
    return by_id


def analyse_and_report(trial: Trial, steps: Steps) -> Path:
    """Run the trial's locked analysis plan and write its report (HTML and PDF)."""
    with steps.step(trial_label(trial), "analysed"):
        run_analysis(trial, timezone.now())  # the demo is the edge: it reads the clock
    with steps.step(trial_label(trial), "report and reporting checklist written"):
        report = write_report(trial, now=timezone.now())  # the demo is the edge
        write_standards(trial)
    return report
