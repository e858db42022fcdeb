"""The plan's compliance rule feeds a CACE in the platform; uptake and cost feed the report."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.contrib.auth import get_user_model

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
from tests.conftest import CLOCK

#: The clock the services are given (a fixed one: nothing here depends on the day).
NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)

pytestmark = pytest.mark.django_db
PASSWORD = "a long passphrase 1"


def test_letters_delivered_give_the_effect_on_those_who_took_part(
    trial: Any, tmp_path: Any
) -> None:
    design = dict(trial.design)
    design["analysis"] = {**design["analysis"], "compliance": "letter-delivered"}
    trial.design = design
    trial.save()
    invite(trial.waves.get(name="baseline"), NOW)
    _answer(trial, "baseline", {})
    randomise_trial(trial, 11, now=CLOCK)
    arms = arms_by_participant(trial)
    set_plan(trial, "letters", "Jane Smith", "Director", now=CLOCK)
    people = Participant.objects.filter(trial=trial).select_related("team")
    teams = sorted({p.team.code for p in people if arms[p.id] == "letters"})
    add_role(trial, "manager", "letter-writer", teams, PASSWORD, now=CLOCK)
    open_delivery(trial, now=CLOCK)
    writer = get_user_model().objects.get(username="manager")
    places = ["Thursday", "the bank holiday", "the inspection", "the review meeting", "Monday"]
    for n, who in enumerate(recipients_for(writer, trial)[:15]):
        lines = (
            f"When you stayed late on {places[n % 5]} for family number {n + 10}, you kept "
            f"everyone calm in meeting {n * 7 + 3} and made sure child {n} was heard."
        )
        write_letter(writer, trial, who.participant.pseudonym, lines, now=CLOCK)
        send_letter(writer, trial, who.participant.pseudonym, now=CLOCK)
    print_letters(trial, tmp_path, CLOCK)
    mark_posted(trial, now=CLOCK)
    add_cost(trial, "letters", "printing and postage", 30.0, now=CLOCK)
    invite(trial.waves.get(name="follow-up"), NOW)
    _answer(trial, "follow-up", {pid: 1 for pid, a in arms.items() if a == "letters"}, 5)
    run = run_analysis(trial, CLOCK)
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
    html = write_report(trial, now=CLOCK).read_text()
    assert "Effect on those who took part" in html
    assert "letter-delivered" in html
    assert "Uptake, fidelity and cost" in html
    assert "£30.00" in html


def test_perks_count_to_the_day_the_outcome_wave_closed_on_any_later_run(trial: Any) -> None:
    """``perk-exposed`` uptake is fixed once the follow-up has closed (issue 27): a perk that
    began after it does not count, however late the plan is run again; while the wave was
    open, the run's day was the end."""
    from datetime import UTC, date, datetime

    from hearten.analysis.follow_up import uptake_end
    from hearten.interventions.perks import add_perk
    from hearten.surveys.services import close_wave

    assert uptake_end(None, date(2026, 10, 15), date(2026, 10, 15)) == date(2026, 10, 15)
    assert uptake_end(None, date(2026, 10, 15), date(2026, 10, 10)) == date(2026, 10, 10)
    assert uptake_end(None, date(2026, 10, 15), date(2027, 1, 1)) == date(2026, 10, 15)
    assert uptake_end(date(2026, 10, 12), date(2026, 10, 15), date(2027, 1, 1)) == date(
        2026, 10, 12
    )
    design = dict(trial.design)
    design["analysis"] = {**design["analysis"], "compliance": "perk-exposed"}
    trial.design = design
    trial.save()
    invite(trial.waves.get(name="baseline"), now=datetime(2026, 9, 1, 9, tzinfo=UTC))
    _answer(trial, "baseline", {})
    randomise_trial(trial, 11, now=datetime(2026, 9, 2, 9, tzinfo=UTC))
    arms = arms_by_participant(trial)
    people = Participant.objects.filter(trial=trial).select_related("team")
    teams = sorted({p.team.code for p in people if arms[p.id] == "letters"})
    early, late = teams[:-1], teams[-1]
    for team in early:
        add_perk(trial, "coffee", date(2026, 9, 10), date(2026, 12, 31), team=team, now=CLOCK)
    add_perk(trial, "coffee", date(2026, 10, 20), date(2026, 12, 31), team=late, now=CLOCK)
    invite(trial.waves.get(name="follow-up"), now=datetime(2026, 10, 1, 9, tzinfo=UTC))
    _answer(trial, "follow-up", {pid: 1 for pid, a in arms.items() if a == "letters"}, 5)
    close_wave(trial.waves.get(name="follow-up"), now=datetime(2026, 10, 15, 17, tzinfo=UTC))
    first = run_analysis(trial, now=datetime(2026, 11, 30, 9, tzinfo=UTC)).result["cace"]
    again = run_analysis(trial, now=datetime(2027, 11, 30, 9, tzinfo=UTC)).result["cace"]
    assert again == first
    took = first["took_part"]["letters"]
    # The late team's perk began after the outcome was measured: its people did not take part.
    assert 0 < took < 1
    from hearten.surveys.models import Response

    answered = set(
        Response.objects.filter(invitation__wave__name="follow-up").values_list(
            "invitation__participant_id", flat=True
        )
    )
    treated = [p for p in people if arms[p.id] == "letters" and p.id in answered]
    assert took == pytest.approx(sum(p.team.code in early for p in treated) / len(treated))
