"""Response monitoring: rates by site, team and arm, small groups hidden, arms concealed."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from hearten.surveys.models import Invitation
from hearten.surveys.services import get_wave, invite, record_consent, save_page
from hearten.trials.allocation import randomise_trial
from hearten.trials.people import add_role, open_delivery
from tests.conftest import CLOCK, sign_in

#: The clock the services are given (a fixed one: nothing here depends on the day).
NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)

pytestmark = pytest.mark.django_db
PASSWORD = "a long passphrase 1"
ANSWERS = {f"swemwbs_{i}": 3 for i in range(1, 8)}


@pytest.fixture
def answered(trial: Any) -> Any:
    """Opened and partly answered now: the page shows the schedule by the real clock."""
    now = timezone.now()
    invite(get_wave(trial, "baseline"), now)
    for inv in Invitation.objects.filter(wave__trial=trial).order_by("id")[:13]:
        record_consent(inv, True, now=now)
        save_page(inv, "swemwbs", ANSWERS, now=now)
    randomise_trial(trial, 1, now=CLOCK)
    return trial


def test_a_coordinator_sees_rates_but_not_arms_until_delivery_opens(
    client: Client, answered: Any
) -> None:
    add_role(answered, "coord", "coordinator", [], PASSWORD, now=CLOCK)
    sign_in(client, "coord", PASSWORD)
    page = client.get(f"/trials/{answered.slug}/responses/").content.decode()
    assert "13 of 40 people have answered (32%)" in page
    assert "Dudley" in page
    assert "By arm" not in page
    open_delivery(answered, now=CLOCK)
    assert "By arm" in client.get(f"/trials/{answered.slug}/responses/").content.decode()


def test_small_teams_are_hidden_with_a_partner(client: Client, trial: Any) -> None:
    design = dict(trial.design)
    design["monitoring"] = {"min_group": 6}  # teams of 5 are all too small
    trial.design = parse_design_dict(design)
    trial.save()
    invite(get_wave(trial, "baseline"), NOW)
    evaluator = get_user_model().objects.create_user("eve", password=PASSWORD)
    trial.evaluators.add(evaluator)
    sign_in(client, "eve", PASSWORD)
    page = client.get(f"/trials/{trial.slug}/responses/").content.decode()
    assert page.count(">hidden<") == 8 + 2  # every team, and both sites at 0% too
    assert "0 of 40 people have answered" not in page  # nobody answered: 0% is hidden
    assert "Not shown yet, so that nobody's answer can be worked out." in page
    assert "Groups of fewer than 6 people are hidden" in page


def parse_design_dict(design: dict) -> dict:
    from hearten.trials.design import Design

    return Design.model_validate(design).model_dump(mode="json")


def test_nobody_else_sees_the_rates(client: Client, answered: Any) -> None:
    get_user_model().objects.create_user("mallory", password=PASSWORD)
    sign_in(client, "mallory", PASSWORD)
    assert client.get(f"/trials/{answered.slug}/responses/").status_code == 404
    add_role(answered, "writer", "letter-writer", ["DU-0"], PASSWORD, now=CLOCK)
    sign_in(client, "writer", PASSWORD)
    assert client.get(f"/trials/{answered.slug}/responses/").status_code == 404


def _team_order(page: str) -> list[str]:
    import re

    table = page.split("By team", 1)[1].split("</table>", 1)[0]
    return re.findall(r'<th scope="row" class="govuk-table__header">([^<]+)</th>', table)


def test_teams_sort_filter_and_the_low_ones_are_marked(client: Client, trial: Any) -> None:
    invite(get_wave(trial, "baseline"), NOW)
    # DU-0: 4 of 5 answer (80%), DU-1: 2 of 5 (40%), DU-2: 3 of 5 (60%), DU-3: 1 of 5 (20%):
    # nothing need be hidden.
    for team, n in (("DU-0", 4), ("DU-1", 2), ("DU-2", 3), ("DU-3", 1)):
        for inv in Invitation.objects.filter(wave__trial=trial, participant__team__code=team)[:n]:
            record_consent(inv, True, now=NOW)
            save_page(inv, "swemwbs", ANSWERS, now=NOW)
    add_role(trial, "coord", "coordinator", [], PASSWORD, sites=["Dudley"], now=CLOCK)
    sign_in(client, "coord", PASSWORD)
    url = f"/trials/{trial.slug}/responses/"
    page = client.get(url).content.decode()
    assert "Shropshire" not in page
    assert _team_order(page)[:3] == ["DU-0", "DU-1", "DU-2"]
    assert "below 70%" in page
    lowest = client.get(url, {"sort": "lowest"}).content.decode()
    assert _team_order(lowest) == ["DU-3", "DU-1", "DU-2", "DU-0"]
    highest = client.get(url, {"sort": "highest"}).content.decode()
    assert _team_order(highest) == ["DU-0", "DU-2", "DU-1", "DU-3"]
    low = client.get(url, {"low": "1"}).content.decode()
    assert _team_order(low) == ["DU-1", "DU-2", "DU-3"]
    assert low.count('class="govuk-table__row hearten-low"') == 3
    assert "10 of 20 people have answered (50%)" in low  # filtering hides rows, not totals
    assert client.get(url, {"sort": "nonsense"}).status_code == 200


def test_the_page_shows_the_closing_date_and_a_coordinator_can_send_a_reminder(
    client: Client, answered: Any
) -> None:
    from datetime import date

    from hearten.messaging.models import Message
    from hearten.trials.models import AuditEvent

    wave = get_wave(answered, "baseline")
    wave.closes_on = date(2099, 3, 5)
    wave.save()
    add_role(answered, "coord", "coordinator", [], PASSWORD, sites=["Shropshire"], now=CLOCK)
    sign_in(client, "coord", PASSWORD)
    url = f"/trials/{answered.slug}/responses/"
    page = client.get(url).content.decode()
    assert "Thursday 5 March 2099" in page
    assert "(planned)" in page
    done = client.post(url, {"wave": "baseline"}, follow=True).content.decode()
    assert "is on its way to everyone in your sites who has not answered" in done
    assert "(sent by hand at" in done
    assert "Send a reminder now" not in done  # once a day
    assert "so that nobody is pressed more than once a day" in done
    shropshire = Message.objects.filter(kind="reminder-now-1")
    waiting = Invitation.objects.filter(
        wave=wave, participant__site__code="Shropshire", completed_at=None
    )
    assert 0 < shropshire.count() == waiting.count()
    assert set(shropshire.values_list("invitation__participant__site__code", flat=True)) == {
        "Shropshire"
    }
    again = client.post(url, {"wave": "baseline"}, follow=True).content.decode()
    assert "There is a problem" in again
    assert AuditEvent.objects.filter(action="reminder-sent-now").count() == 1
