"""Coordinators record each delivery, for their own delivery list only, and download it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from hearten.errors import DataError, NotFound, StateError
from hearten.interventions.delivery import delivery_csv, delivery_rows, mark_delivery
from hearten.trials.allocation import arms_by_participant, randomise_trial
from hearten.trials.models import AuditEvent, IdentityKey, Participant
from hearten.trials.people import add_role, open_delivery
from tests.conftest import CLOCK, TODAY, sign_in

pytestmark = pytest.mark.django_db
PASSWORD = "a long passphrase 1"


@pytest.fixture
def delivering(trial: Any) -> Any:
    randomise_trial(trial, 5, now=CLOCK)
    arms = arms_by_participant(trial)
    people = Participant.objects.filter(trial=trial).select_related("team").order_by("id")
    trial.treated = [p for p in people if arms[p.id] != "control"]
    trial.control = [p for p in people if arms[p.id] == "control"]
    add_role(trial, "coord", "coordinator", [], PASSWORD, now=CLOCK)
    add_role(trial, "manager", "letter-writer", [trial.treated[0].team.code], PASSWORD, now=CLOCK)
    IdentityKey.objects.filter(participant=trial.treated[0]).update(name="Jo Bloggs")
    open_delivery(trial, now=CLOCK)
    return trial


def _user(name: str) -> Any:
    return get_user_model().objects.get(username=name)


def test_a_coordinator_marks_a_delivery_and_the_latest_mark_is_shown(delivering: Any) -> None:
    today = TODAY
    who = delivering.treated[0].pseudonym
    mark_delivery(_user("coord"), delivering, who, "returned", today, today=today, now=CLOCK)
    mark_delivery(_user("coord"), delivering, who, "delivered", today, today=today, now=CLOCK)
    row = next(r for r in delivery_rows(_user("coord"), delivering) if r.pseudonym == who)
    assert (row.name, row.status, row.on) == ("Jo Bloggs", "delivered", today)
    assert row.receives in set(delivering.arms.values_list("label", flat=True))
    event = AuditEvent.objects.filter(action="delivery-marked").last()
    assert event.detail == {"participant": who, "status": "delivered", "on": today.isoformat()}


def test_marks_are_refused_for_others_lists_wrong_dates_and_other_roles(delivering: Any) -> None:
    today = TODAY
    with pytest.raises(NotFound, match="not on your delivery list"):
        mark_delivery(_user("coord"), delivering, delivering.control[0].pseudonym, "delivered",
                      today, today=today, now=CLOCK)  # fmt: skip
    with pytest.raises(DataError, match="between the day delivery opened and today"):
        mark_delivery(_user("coord"), delivering, delivering.treated[0].pseudonym, "delivered",
                      today + timedelta(days=1), today=today, now=CLOCK)  # fmt: skip
    with pytest.raises(DataError, match="unknown delivery status"):
        mark_delivery(_user("coord"), delivering, delivering.treated[0].pseudonym, "lost", today,
                      today=today, now=CLOCK)  # fmt: skip
    with pytest.raises(StateError, match="only a coordinator"):
        mark_delivery(_user("manager"), delivering, delivering.treated[0].pseudonym,
                      "delivered", today, today=today, now=CLOCK)  # fmt: skip


def test_the_dates_allowed_run_from_the_opening_to_the_day_the_caller_gives(
    delivering: Any,
) -> None:
    """A frozen clock (issue 27): ten days after delivery opened, a delivery nine days after
    it is taken, the next day's is not, nor one before the opening."""
    opened = timezone.localdate(delivering.delivery_opened_at)
    later = opened + timedelta(days=10)
    who = delivering.treated[0].pseudonym
    mark = mark_delivery(_user("coord"), delivering, who, "delivered",
                         opened + timedelta(days=9), today=later, now=CLOCK)  # fmt: skip
    assert mark.on == opened + timedelta(days=9)
    for wrong in (later + timedelta(days=1), opened - timedelta(days=1)):
        with pytest.raises(DataError, match="between the day delivery opened and today"):
            mark_delivery(
                _user("coord"), delivering, who, "delivered", wrong, today=later, now=CLOCK
            )


def test_the_download_lists_the_intervention_arms_only_and_is_audited(delivering: Any) -> None:
    text = delivery_csv(_user("coord"), delivering, now=CLOCK)
    assert text.splitlines()[0] == "team,name,study_code,receives,delivery,on"
    assert "Jo Bloggs" in text
    assert all(p.pseudonym in text for p in delivering.treated)
    assert not any(p.pseudonym in text for p in delivering.control)
    assert AuditEvent.objects.filter(action="exported", detail__what="delivery list").exists()


def test_the_coordinator_records_a_delivery_on_the_page(client: Client, delivering: Any) -> None:
    sign_in(client, "coord", PASSWORD)
    who = delivering.treated[0].pseudonym
    url = f"/trials/{delivering.slug}/delivery/"
    assert "Download this list (CSV)" in client.get(url).content.decode()
    today = timezone.localdate()
    page = client.post(url, {"pseudonym": who, "status": "undeliverable", "on": str(today)},
                       follow=True).content.decode()  # fmt: skip
    assert f"Delivery recorded for {who}." in page
    assert f"Not deliverable on {today:%-d %b %Y}" in page
    bad = client.post(url, {"pseudonym": who, "status": "delivered", "on": "yesterday"},
                      follow=True).content.decode()  # fmt: skip
    assert "Enter the date as a date" in bad
    download = client.get(f"/trials/{delivering.slug}/delivery.csv")
    assert download["Content-Type"] == "text/csv"
    assert "Jo Bloggs" in download.content.decode()
