"""The demo's letters trial delivered: managers write, check and send their team's letters,
which are printed, posted and costed, and each manager answers the deliverer survey."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import numpy as np
from django.utils import timezone

from hearten.demo.simulate import (
    simulate_letter,
)
from hearten.demo.stages import (
    trial_label,
)
from hearten.demo.steps import Steps
from hearten.trials.allocation import arms_by_participant
from hearten.trials.models import Trial


def deliver_letters(trial: Trial, rng: np.random.Generator, home: Path, steps: Steps) -> set[str]:
    """Each letters-arm team's manager writes most of their letters (fidelity is never
    perfect); approved letters are printed and posted; costs are recorded."""
    from django.contrib.auth import get_user_model

    from hearten.demo.costing import cost_letters
    from hearten.interventions.letters import (
        mark_posted,
        print_letters,
        recipients_for,
        send_letter,
        set_plan,
        write_letter,
    )
    from hearten.interventions.models import Letter
    from hearten.process.deliverers import answer
    from hearten.trials.people import add_role, open_delivery

    # Managers are asked to write their letters within two weeks: the list page says by when.
    deadline = timezone.now().date() + timedelta(days=14)
    set_plan(
        trial,
        "letters",
        "Alex Morgan",
        "Director of Children's Services",
        deadline=deadline,
        now=timezone.now(),
    )
    arms = arms_by_participant(trial)
    teams = sorted(
        {
            p.team.code
            for p in trial.participants.select_related("team")
            if arms.get(p.id) == "letters"
        }
    )
    users = get_user_model()
    for team in teams:
        username = f"demo-manager-{team.lower()}"
        users.objects.filter(username=username).delete()
        users.objects.create_user(username=username)  # no password: the demo signs in as them
        add_role(trial, username, "letter-writer", [team], now=timezone.now())
    open_delivery(trial, now=timezone.now())
    writing = steps.step(trial_label(trial), "letters written, by team", total=len(teams))
    sent = timezone.now()  # the demo is the edge: the letters are sent at one reading
    with writing as advance:
        for team in teams:
            writer = users.objects.get(username=f"demo-manager-{team.lower()}")
            # In staff-number order, so the same seed gives the same letters (pseudonyms are
            # random).
            mine = sorted(
                recipients_for(writer, trial), key=lambda r: r.participant.identity.staff_id
            )
            for i, r in enumerate(mine):
                # The first team's manager, whom the demo signs in as, has every other letter
                # still to write, so that a newcomer can write one.
                if team == teams[0] and i % 2 == 1:
                    continue
                if rng.random() >= 0.9:  # a few letters are never written
                    continue
                for _ in range(4):  # the check sends a too-similar letter back to be rewritten
                    who = r.participant.pseudonym
                    if (
                        write_letter(
                            writer, trial, who, simulate_letter(rng), now=timezone.now()
                        ).status
                        == "ready"
                    ):
                        send_letter(writer, trial, who, now=sent)  # previewed, then sent
                        break
            advance()
    # Each manager answers the deliverer survey (minutes per letter, acceptability), from a
    # generator of its own so the rest of the demo draws what it always drew.
    survey = np.random.default_rng(len(teams))
    for team in teams:
        answer(trial, users.objects.get(username=f"demo-manager-{team.lower()}"),
               minutes_per_letter=int(survey.integers(6, 21)),
               acceptability=int(survey.integers(3, 6)))  # fmt: skip
    with steps.step(trial_label(trial), "letters printed and posted"):
        now = timezone.now()  # printed, posted and costed at one reading of the clock
        print_letters(trial, home / "demo" / "letters", now, each=False)  # to print
        mark_posted(trial, now=now)
        cost_letters(trial, now.date())
    return set(
        Letter.objects.filter(trial=trial, status="posted").values_list(
            "participant__pseudonym", flat=True
        )
    )
