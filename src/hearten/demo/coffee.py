"""The demo's coffee trial: seven Kent offices randomised, coffee machines and notes delivered,
six months of HR absence and leaving imported."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from pathlib import Path

import numpy as np
from django.utils import timezone

from hearten.demo.ipe import add_ipe
from hearten.demo.simulate import (
    Person,
    simulate_staff,
)
from hearten.demo.stages import (
    RANDOMISATION_SEED,
    analyse_and_report,
    answer_wave,
    enrol_and_randomise,
    fresh_trial,
)
from hearten.demo.steps import Steps
from hearten.files import write_atomic
from hearten.surveys.services import invite
from hearten.trials.allocation import arms_by_participant


def coffee_trial(rng: np.random.Generator, home: Path, steps: Steps) -> Path:
    """The coffee trial: seven Kent offices randomised; machines and notes in the coffee
    offices (one closed for a fortnight); six months of HR absence and leaving with no true
    effect (as published); analysed and reported."""
    from datetime import timedelta

    from hearten.analysis.models import PlanVersion
    from hearten.demo.costing import cost_coffee
    from hearten.hr.imports import import_hr
    from hearten.interventions.perks import add_perk, interrupt
    from hearten.reports.preregistration import write_preregistration

    with steps.step("coffee trial", "trial created, staff simulated"):
        trial = fresh_trial("coffee.toml")
        today = timezone.now().date()
        staff = simulate_staff(rng, today)
        teams = sorted({p.team for p in staff})[:14]
        offices = {t: f"Kent office {i // 2 + 1}" for i, t in enumerate(teams)}
        people = [
            dataclasses.replace(
                p,
                site="Kent",
                staff_id=f"K{p.staff_id}",
                site_name="Kent",
                team_name=f"Kent team {teams.index(p.team) + 1}",
            )
            for p in staff
            if p.team in offices
        ]
    # The demo's fiction: randomisation was six and a half months ago, so the HR window
    # has happened (the clock given to the randomisation; the allocation's time never
    # changes after), and the report's "before randomisation" stays true.
    began = today - timedelta(days=200)
    by_id = enrol_and_randomise(
        trial, people, home / "demo" / "coffee-roster.csv", rng, steps,
        RANDOMISATION_SEED + 2, offices,
        timezone.make_aware(datetime.combine(began, datetime.min.time())),
    )  # fmt: skip
    with steps.step("coffee trial", "perks delivered, HR records imported"):
        trial.refresh_from_db()
        write_preregistration(trial, PlanVersion.objects.get(trial=trial, number=1))
        arms = arms_by_participant(trial)
        coffee_offices = sorted(
            {
                p.office.code
                for p in trial.participants.select_related("office")
                if p.office is not None and arms.get(p.id) == "coffee"
            }
        )
        for n, office in enumerate(coffee_offices):
            perk = add_perk(trial, "coffee machine and thank-you note", began,
                            began + timedelta(days=179), office=office, cost=700.0,
                            now=timezone.now())  # fmt: skip
            if n == 0:
                interrupt(trial, perk.pk, began + timedelta(days=60), began + timedelta(days=73),
                          "office closed for refurbishment", now=timezone.now())  # fmt: skip
        cost_coffee(trial, today)
        _write_hr(people, began, rng, home)
        import_hr(trial, "leavers", home / "demo" / "coffee-leavers.csv", {}, now=timezone.now())
        import_hr(trial, "absence", home / "demo" / "coffee-absence.csv", {}, now=timezone.now())
    invite(trial.waves.get(name="follow-up"), timezone.now())
    answer_wave(trial, "follow-up", by_id, rng, steps)
    add_ipe(trial, RANDOMISATION_SEED + 12, ["arm"], 7, timezone.now())
    return analyse_and_report(trial, steps)


def _write_hr(people: list[Person], began: date, rng: np.random.Generator, home: Path) -> None:
    """Six months of sickness spells (a few people take most of them) and about 7% leavers."""
    from datetime import timedelta

    absence = ["staff_id,start,end,reason"]
    leavers = ["staff_id,date,reason"]
    for p in sorted(people, key=lambda q: q.staff_id):
        leave_day = None
        first = max(began, p.start_date)
        if rng.random() < 0.07 and first + timedelta(days=25) < began + timedelta(days=175):
            leave_day = first + timedelta(days=int(rng.integers(20, (began - first).days + 175)))
            leavers.append(f"{p.staff_id},{leave_day},moved to another authority")
        day = max(began, p.start_date) + timedelta(days=int(rng.integers(0, 40)))
        proneness = rng.gamma(0.6, 1.0)
        while True:
            day += timedelta(days=int(rng.exponential(120 / (0.2 + proneness))) + 1)
            length = int(rng.geometric(0.25))
            end = day + timedelta(days=length - 1)
            if end >= began + timedelta(days=179) or (leave_day and end >= leave_day):
                break
            absence.append(
                f"{p.staff_id},{day},{end},{rng.choice(['stress', 'illness', 'injury'])}"
            )
            day = end + timedelta(days=1)
    write_atomic(home / "demo" / "coffee-absence.csv", "\n".join(absence) + "\n")
    write_atomic(home / "demo" / "coffee-leavers.csv", "\n".join(leavers) + "\n")
