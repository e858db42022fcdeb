"""``hearten letters|perks|costs|goals`` as a coordinator types them, and the uptake page."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from hearten.interventions.letters import recipients_for, send_letter, write_letter
from hearten.trials.allocation import arms_by_participant, randomise_trial
from hearten.trials.models import Participant
from hearten.trials.people import add_role, open_delivery
from tests.conftest import CLOCK, sign_in

pytestmark = pytest.mark.django_db
PASSWORD = "a long passphrase 1"
LINES = (
    "When you stayed late on Thursday to help {who} through a child protection conference, "
    "you kept everyone calm and made sure the children were heard."
)


@pytest.fixture
def delivering(trial: Any) -> Any:
    randomise_trial(trial, 5, now=CLOCK)
    arms = arms_by_participant(trial)
    people = Participant.objects.filter(trial=trial).select_related("team").order_by("id")
    trial.letters_team = next(p.team.code for p in people if arms[p.id] == "letters")
    add_role(trial, "manager", "letter-writer", [trial.letters_team], PASSWORD, now=CLOCK)
    add_role(trial, "coord", "coordinator", [], PASSWORD, now=CLOCK)
    return trial


def test_letters_from_plan_to_post(
    hearten: Callable[..., Any], delivering: Any, tmp_path: Path
) -> None:
    r = hearten("letters", "plan", delivering.slug, "--arm", "letters", "--signatory",
                "Jane Smith", "--title", "Director of Children's Services")  # fmt: skip
    assert r.code == 0, r.err
    bad = hearten("letters", "plan", delivering.slug, "--arm", "control", "--signatory", "J",
                  "--title", "D")  # fmt: skip
    assert bad.code == 2
    assert "control arm" in bad.err
    open_delivery(delivering, now=CLOCK)
    writer = get_user_model().objects.get(username="manager")
    for n, who in enumerate(recipients_for(writer, delivering)[:2]):
        lines = [
            LINES.format(who="Ahmed"),
            "You covered duty for three weeks in March while two colleagues were off, and "
            "not one visit was missed: the new starters learned how a good week runs.",
        ][n]
        write_letter(writer, delivering, who.participant.pseudonym, lines, now=CLOCK)
        send_letter(writer, delivering, who.participant.pseudonym, now=CLOCK)
    r = hearten("letters", "print", delivering.slug, "--out", str(tmp_path))
    assert r.code == 0, r.err
    assert (tmp_path / "all-letters.pdf").exists()
    r = hearten("letters", "posted", delivering.slug)
    assert r.code == 0, r.err
    status = hearten("letters", "status", delivering.slug)
    assert "posted" in status.out


def test_perks_costs_and_goals(hearten: Callable[..., Any], delivering: Any) -> None:
    r = hearten("perks", "add", delivering.slug, "--name", "coffee machine", "--team",
                delivering.letters_team, "--starts", "2026-01-05", "--ends", "2026-03-01",
                "--cost", "350")  # fmt: skip
    assert r.code == 0, r.err
    from hearten.interventions.models import PerkDeployment

    perk = str(PerkDeployment.objects.get().pk)
    r = hearten("perks", "interrupt", delivering.slug, perk, "--starts", "2026-02-01", "--ends",
                "2026-02-07", "--reason", "office closed")  # fmt: skip
    assert r.code == 0, r.err
    assert PerkDeployment.objects.get().interruptions.count() == 1
    bad = hearten("perks", "add", delivering.slug, "--name", "tea", "--team", "nowhere",
                  "--starts", "2026-01-05", "--ends", "2026-01-01")  # fmt: skip
    assert bad.code == 2
    r = hearten("costs", "add", delivering.slug, "--arm", "letters", "--item", "writing time",
                "--minutes", "300", "--hourly-rate", "40")  # fmt: skip
    assert r.code == 0, r.err
    assert "£200.00" in r.out
    r = hearten("costs", "basis", delivering.slug, "--price-year", "2025-26", "--index",
                "2013-14=80", "--index", "2025-26=100", "--index-name", "test index")  # fmt: skip
    assert r.code == 0, r.err
    r = hearten("costs", "rate", delivering.slug, "social-worker-childrens-hour", "--published")
    assert r.code == 0, r.err
    r = hearten("costs", "add", delivering.slug, "--arm", "letters", "--item", "supervision",
                "--minutes", "60", "--unit-cost", "social-worker-childrens-hour",
                "--per", "participant")  # fmt: skip
    assert "£40.00 per participant" in r.out, r.err
    r = hearten("costs", "show", delivering.slug)
    assert r.code == 0, r.err
    assert "£50.00" in r.out  # £40 at 2013-14 prices is £50 at 2025-26 prices on this index
    bad = hearten("costs", "basis", delivering.slug, "--price-year", "2025-26", "--index", "x")
    assert bad.code != 0
    assert "is not YEAR=VALUE" in bad.err + bad.out
    r = hearten("costs", "basis", delivering.slug, "--price-year", "2023-24",
                "--published-index", "pss-pay-prices")  # fmt: skip
    assert r.code == 0, r.err
    r = hearten("costs", "show", delivering.slug)
    assert "£57.59" in r.out  # £40 at 2013-14 prices on the PSS Pay & Prices Index
    bad = hearten("costs", "basis", delivering.slug, "--price-year", "2023-24",
                  "--published-index", "pss-pay-prices", "--index", "2023-24=1")  # fmt: skip
    assert "not both" in bad.err + bad.out
    r = hearten("costs", "add", delivering.slug, "--arm", "letters", "--item", "writing",
                "--minutes-from", "deliverer-survey", "--per", "letter",
                "--hourly-rate", "40")  # fmt: skip
    assert "plus the letter writers' reported minutes" in r.out, r.err
    bad = hearten("costs", "show", delivering.slug)
    assert "no letter writer has answered yet" in bad.err + bad.out
    assert "Traceback" not in bad.err + bad.out
    r = hearten("goals", "check")
    assert r.code == 0, r.err
    assert "6. Keeping going" in r.out
    r = hearten("goals", "enrol", delivering.slug, "--arm", "letters")
    assert r.code == 0, r.err
    assert "20 people enrolled" in r.out
    r = hearten("goals", "funnel", delivering.slug)
    assert "completed all six" in r.out


def test_costs_show_prints_whole_numbers_and_names_into_a_pipe(
    hearten: Callable[..., Any], delivering: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rich.console import Console

    from hearten.cli import output

    item = "printing and postage of the letters to every team"
    r = hearten("costs", "add", delivering.slug, "--arm", "letters", "--item", item,
                "--amount", "2616000.5", "--kind", "materials")  # fmt: skip
    assert r.code == 0, r.err
    # What a pipe gets: not a terminal, so Rich would lay the table out to 80 columns.
    monkeypatch.setattr(output.out, "_console", Console(width=80, soft_wrap=True))
    r = hearten("costs", "show", delivering.slug)
    assert r.code == 0, r.err
    assert "…" not in r.out
    row = next(line for line in r.out.splitlines() if item in line)
    cells = [c.strip() for c in row.strip("│").split("│")]
    assert cells[1] == item
    assert cells[-3:] == ["£2,616,000.50"] * 3  # price, cost and discounted cost, each whole


def test_the_uptake_page_waits_for_delivery_and_hides_small_counts(
    client: Client, delivering: Any
) -> None:
    from hearten.interventions.letters import set_plan

    set_plan(delivering, "letters", "Jane Smith", "Director", now=CLOCK)
    sign_in(client, "coord", PASSWORD)
    assert (
        "once the evaluator opens delivery"
        in client.get(f"/trials/{delivering.slug}/uptake/").content.decode()
    )
    open_delivery(delivering, now=CLOCK)
    writer = get_user_model().objects.get(username="manager")
    who = recipients_for(writer, delivering)[0].participant
    write_letter(writer, delivering, who.pseudonym, LINES.format(who="Ahmed"), now=CLOCK)
    page = client.get(f"/trials/{delivering.slug}/uptake/").content.decode()
    assert "Recognition letters" in page
    assert "fewer than 5" in page  # one approved letter
    assert "£0.00" in page
    sign_in(client, "manager", PASSWORD)
    assert client.get(f"/trials/{delivering.slug}/uptake/").status_code == 404
