"""Raising a concern from the study's own pages: it reaches the harms and concerns log (audited,
counted by arm in the report), says who reads it and when, shows support, is CSRF-protected,
takes a repeat once and at most a few a day from one person (issue 18, item 7)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from hearten.interventions.goals import enrol
from hearten.interventions.models import Enrolment
from hearten.surveys.concerns import PER_DAY
from hearten.surveys.models import Invitation
from hearten.surveys.services import get_wave, invite
from hearten.trials.allocation import arms_by_participant, randomise_trial
from hearten.trials.harms import HarmCount, harms_by_arm
from hearten.trials.models import AuditEvent, HarmReport
from hearten.trials.people import withdraw
from tests.conftest import CLOCK

#: The clock the services are given (a fixed one: nothing here depends on the day).
NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)

pytestmark = pytest.mark.django_db

WORRY = "My manager asked me in supervision whether I had filled in the survey."


@pytest.fixture
def link(trial: Any) -> Invitation:
    randomise_trial(trial, 7, now=CLOCK)
    invite(get_wave(trial, "baseline"), NOW)
    inv = Invitation.objects.filter(wave__trial=trial).order_by("id").first()
    assert inv is not None
    return inv


def test_the_page_says_who_reads_a_concern_and_when_and_shows_support(link: Invitation) -> None:
    page = Client().get(f"/s/{link.token}/concern/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Raise a concern" in text
    assert "within 5 working days" in text
    assert "never to your manager or your employer" in text
    assert "If you need support" in text
    assert "Samaritans" in text


def test_a_concern_reaches_the_log_counted_by_arm_and_audited_without_its_text(
    link: Invitation,
) -> None:
    trial = link.wave.trial
    client = Client()
    sent = client.post(f"/s/{link.token}/concern/", {"concern": f"  {WORRY}  "})
    assert sent.status_code == 302
    after = client.get(sent["Location"])
    assert "Your concern has been sent" in after.content.decode()
    entry = HarmReport.objects.get()
    assert entry.description == WORRY
    assert (entry.kind, entry.source, entry.participant_id) == (
        "concern", "participant", link.participant_id,
    )  # fmt: skip
    arm = arms_by_participant(trial)[link.participant_id]
    assert harms_by_arm(trial) == [HarmCount(arm, "concern", entries=1, serious=0, people=1)]
    event = AuditEvent.objects.get(action="harm-logged")
    assert event.detail["source"] == "participant"
    assert WORRY not in str(event.detail)


def test_an_empty_or_overlong_concern_is_refused_with_a_message(link: Invitation) -> None:
    client = Client()
    empty = client.post(f"/s/{link.token}/concern/", {"concern": "   "})
    assert empty.status_code == 200
    assert "Write your concern" in empty.content.decode()
    long = client.post(f"/s/{link.token}/concern/", {"concern": "x" * 5_001})
    assert "5,000 characters or fewer" in long.content.decode()
    assert not HarmReport.objects.exists()


def test_a_post_without_the_csrf_token_is_refused(link: Invitation) -> None:
    client = Client(enforce_csrf_checks=True)
    refused = client.post(f"/s/{link.token}/concern/", {"concern": WORRY})
    assert refused.status_code == 403
    assert not HarmReport.objects.exists()
    form = client.get(f"/s/{link.token}/concern/")
    token = form.cookies["csrftoken"].value
    done = client.post(
        f"/s/{link.token}/concern/", {"concern": WORRY, "csrfmiddlewaretoken": token}
    )
    assert done.status_code == 302
    assert HarmReport.objects.count() == 1


def test_a_repeat_is_kept_once_and_a_day_takes_a_few_at_most(link: Invitation) -> None:
    client = Client()
    url = f"/s/{link.token}/concern/"
    client.post(url, {"concern": WORRY})
    client.post(url, {"concern": WORRY})  # a double tap
    assert HarmReport.objects.count() == 1
    for n in range(2, PER_DAY + 1):
        assert client.post(url, {"concern": f"{WORRY} ({n})"}).status_code == 302
    assert HarmReport.objects.count() == PER_DAY
    over = client.post(url, {"concern": "one more"})
    assert over.status_code == 429
    assert "Please contact the research team directly" in over.content.decode()
    assert HarmReport.objects.count() == PER_DAY
    HarmReport.objects.update(reported_at=timezone.now() - timedelta(days=1, minutes=1))
    assert client.post(url, {"concern": "the next day"}).status_code == 302


def test_a_person_who_left_the_study_can_still_raise_one(link: Invitation) -> None:
    withdraw(link.wave.trial, link.participant.pseudonym, now=NOW)
    client = Client()
    page = client.get(f"/s/{link.token}/concern/")
    assert page.status_code == 200
    assert "Leave the study" not in page.content.decode()
    assert client.post(f"/s/{link.token}/concern/", {"concern": WORRY}).status_code == 302
    assert HarmReport.objects.filter(participant_id=link.participant_id).exists()


def test_an_unknown_link_gets_the_unknown_link_page(db: None) -> None:
    page = Client().post("/s/no-such-link/concern/", {"concern": WORRY})
    assert page.status_code == 404
    assert not HarmReport.objects.exists()


def test_a_programme_link_and_every_page_footer_offer_it(link: Invitation) -> None:
    trial = link.wave.trial
    enrol(trial, "letters", timezone.localdate() - timedelta(days=8), now=CLOCK)
    e = Enrolment.objects.filter(trial=trial).first()
    assert e is not None
    client = Client()
    assert f"/g/{e.token}/concern/" in client.get(f"/g/{e.token}/").content.decode()
    assert client.post(f"/g/{e.token}/concern/", {"concern": WORRY}).status_code == 302
    assert HarmReport.objects.get().participant_id == e.participant_id
    assert f"/s/{link.token}/concern/" in client.get(f"/s/{link.token}/").content.decode()


def test_the_evaluator_reads_the_log_with_its_text(
    link: Invitation, hearten: Callable[..., Any]
) -> None:
    Client().post(f"/s/{link.token}/concern/", {"concern": WORRY})
    r = hearten("trial", "harms", link.wave.trial.slug, "--json")
    assert r.code == 0, r.err
    assert '"source": "participant"' in r.out
    assert WORRY in r.out
    assert link.participant.pseudonym in r.out


def test_repeats_and_the_days_limit_are_counted_by_the_clock_given(link: Invitation) -> None:
    """The rule on a frozen clock (issue 27): the same text within the repeat window is a
    repeat, a day's concerns are the limit, and both windows move with ``now``."""
    from hearten.surveys.concerns import REPEAT_WINDOW, Intake, intake
    from hearten.trials.harms import log_entries, log_harm

    person, trial = link.participant, link.wave.trial
    noon = datetime(2026, 11, 2, 12, tzinfo=UTC)
    for n in range(PER_DAY):
        log_harm(trial, f"{WORRY} ({n})", kind="concern", source="participant",
                 pseudonym=person.pseudonym, now=noon + timedelta(minutes=n))  # fmt: skip
    last = noon + timedelta(minutes=PER_DAY - 1)
    assert intake(person, f"{WORRY} (0)", noon + REPEAT_WINDOW) == Intake.REPEAT
    assert intake(person, f"{WORRY} (0)", noon + REPEAT_WINDOW + timedelta(seconds=1)) == (
        Intake.OVER_LIMIT  # no longer a repeat, and the day is full
    )
    assert intake(person, "something else", last + timedelta(hours=23)) == Intake.OVER_LIMIT
    # A day and a second after the first, it has left the day: a place is free.
    assert intake(person, "something else", noon + timedelta(days=1, seconds=1)) == Intake.NEW
    assert len(log_entries(trial, 1, now=last + timedelta(hours=23))) == PER_DAY
    assert len(log_entries(trial, 1, now=noon + timedelta(days=1, minutes=2, seconds=1))) == 2
    assert len(log_entries(trial, None, now=noon + timedelta(days=400))) == PER_DAY
