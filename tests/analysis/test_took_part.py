"""The plan's compliance rule feeds a CACE in the platform; uptake and cost feed the report."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from hearten.analysis.run import run_analysis
from hearten.interventions.costs import add_cost
from hearten.interventions.letters import (
    mark_posted,
    print_letters,
    recipients_for,
    send_letter,
    set_plan,
    write_letter,
)
from hearten.reports.render import write_report
from hearten.stats.compliance import estimate_cace
from hearten.surveys.services import invite
from hearten.trials.allocation import arms_by_participant, randomise_trial
from hearten.trials.models import Participant
from hearten.trials.people import add_role, open_delivery
from tests.analysis.test_run import _answer

pytestmark = pytest.mark.django_db
PASSWORD = "a long passphrase 1"


def test_letters_delivered_give_the_effect_on_those_who_took_part(
    trial: Any, tmp_path: Any
) -> None:
    design = dict(trial.design)
    design["analysis"] = {**design["analysis"], "compliance": "letter-delivered"}
    trial.design = design
    trial.save()
    invite(trial.waves.get(name="baseline"))
    _answer(trial, "baseline", {})
    randomise_trial(trial, 11)
    arms = arms_by_participant(trial)
    set_plan(trial, "letters", "Jane Smith", "Director")
    people = Participant.objects.filter(trial=trial).select_related("team")
    teams = sorted({p.team.code for p in people if arms[p.id] == "letters"})
    add_role(trial, "manager", "letter-writer", teams, PASSWORD)
    open_delivery(trial)
    writer = get_user_model().objects.get(username="manager")
    places = ["Thursday", "the bank holiday", "the inspection", "the review meeting", "Monday"]
    for n, who in enumerate(recipients_for(writer, trial)[:15]):
        lines = (
            f"When you stayed late on {places[n % 5]} for family number {n + 10}, you kept "
            f"everyone calm in meeting {n * 7 + 3} and made sure child {n} was heard."
        )
        write_letter(writer, trial, who.participant.pseudonym, lines)
        send_letter(writer, trial, who.participant.pseudonym)
    print_letters(trial, tmp_path, timezone.now())
    mark_posted(trial)
    add_cost(trial, "letters", "printing and postage", 30.0)
    invite(trial.waves.get(name="follow-up"))
    _answer(trial, "follow-up", {pid: 1 for pid, a in arms.items() if a == "letters"}, 5)
    run = run_analysis(trial)
    cace = run.result["cace"]
    assert cace["definition"] == "letter-delivered"
    assert 0 < cace["took_part"]["letters"] < 1
    assert cace["took_part"]["control"] == 0
    # The same CACE from the stats layer, with uptake as delivered letters.
    from hearten.analysis.dataset import build_dataset
    from hearten.interventions.models import Letter

    data = build_dataset(trial)
    used = data[data["consented"] & data["outcome"].notna() & data["baseline"].notna()]
    posted = set(Letter.objects.filter(status="posted").values_list("participant__pseudonym",
                                                                     flat=True))  # fmt: skip
    expected = estimate_cace(
        used["outcome"], used["arm"].tolist(), used["pseudonym"].isin(posted).astype(float),
        "control", {"baseline": used["baseline"]}, used["stratum"].tolist(), used["cluster"],
    ).effects[0]  # fmt: skip
    assert cace["effects"][0]["estimate"] == pytest.approx(expected.estimate)
    assert cace["effects"][0]["std_error"] == pytest.approx(expected.std_error)
    costs = {c["arm"]: c for c in run.result["uptake"]["costs"]}
    assert costs["letters"]["total"] == 30.0
    html = write_report(trial).read_text()
    assert "Effect on those who took part" in html
    assert "letter-delivered" in html
    assert "Uptake, fidelity and cost" in html
    assert "£30.00" in html
