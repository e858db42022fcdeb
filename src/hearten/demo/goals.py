"""The demo's goals trial: two authorities' staff randomised one by one and the programme's
engagement funnel simulated as published."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from django.utils import timezone

from hearten.demo.ipe import add_ipe
from hearten.demo.simulate import (
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
from hearten.surveys.services import invite

#: Engagement as published: about one in five open the programme; of those who do, most do
#: the first module and fewer go on each week, so very few finish all six.
OPEN_RATE = 0.2
FIRST_MODULE = 0.6
CONTINUE = 0.55


def goals_trial(rng: np.random.Generator, home: Path, steps: Steps) -> Path:
    """The goals trial: two authorities' staff, randomised one by one, the programme's
    engagement funnel simulated, no true effect (as published), analysed and reported."""
    from datetime import timedelta

    from hearten.demo.costing import cost_goals
    from hearten.interventions.goals import enrol, log, save_module
    from hearten.interventions.models import EngagementKind, Enrolment

    with steps.step("goals trial", "trial created, staff simulated"):
        trial = fresh_trial("goals.toml")
        today = timezone.now().date()
        sites = sorted({p.site for p in simulate_staff(np.random.default_rng(0), today)})[:2]
        people = [p for p in simulate_staff(rng, today) if p.site in sites]
    by_id = enrol_and_randomise(
        trial, people, home / "demo" / "goals-roster.csv", rng, steps,
        RANDOMISATION_SEED + 1,
    )  # fmt: skip
    with steps.step("goals trial", "goals programme used"):
        now = timezone.now()  # the demo builder is the edge: one reading for the programme's use
        enrol(trial, "goals", today - timedelta(days=42), now=now)
        enrolments = sorted(
            Enrolment.objects.filter(trial=trial).select_related("participant__identity"),
            key=lambda e: e.participant.identity.staff_id,
        )
        for e in enrolments:
            if rng.random() >= OPEN_RATE:
                continue
            log(e, EngagementKind.OPENED, now)
            keep_going = FIRST_MODULE
            for module in range(1, 7):
                if rng.random() >= keep_going:
                    break
                log(e, EngagementKind.MODULE_STARTED, now, module)
                goal = "Write up one thing that went well each Friday" if module == 1 else ""
                save_module(e, module, {"goal": goal}, complete=True, now=now)
                keep_going = CONTINUE
        cost_goals(trial, today)
    invite(trial.waves.get(name="follow-up"), timezone.now())
    answer_wave(trial, "follow-up", by_id, rng, steps)
    add_ipe(trial, RANDOMISATION_SEED + 11, ["arm", "stage"], 8, timezone.now())
    return analyse_and_report(trial, steps)
