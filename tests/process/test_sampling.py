"""The interview sample: reproducible, stratified, among those who agreed to be contacted;
invited by e-mail with calendar files; followed to interview."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import icalendar
import pytest

from hearten.errors import DataError, NotFound, StateError
from hearten.process.invitations import invite
from hearten.process.models import SampleDraw, SampleMember
from hearten.process.sampling import (
    draw_sample,
    flow,
    proposed_times,
    record,
    strata_table,
)
from hearten.process.transcripts import upload
from hearten.trials.allocation import arms_by_participant
from hearten.trials.choices import Consent
from hearten.trials.models import Participant
from hearten.trials.people import withdraw
from tests.conftest import CLOCK, Inbox

#: The clock the services are given (a fixed one: nothing here depends on the day).
NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)

pytestmark = pytest.mark.django_db


@pytest.fixture
def consented(named_trial: Any) -> Any:
    Participant.objects.filter(trial=named_trial).update(consent=Consent.CONSENTED)
    return named_trial


def _everyone(trial: Any) -> list[str]:
    return list(Participant.objects.filter(trial=trial).values_list("pseudonym", flat=True))


def _sampled(draw: SampleDraw) -> list[str]:
    return sorted(draw.members.values_list("participant__pseudonym", flat=True))


def test_the_same_seed_draws_the_same_sample_and_another_seed_another(consented: Any) -> None:
    first = draw_sample(
        consented, _everyone(consented), 2, seed=11, strata=["arm", "site"], now=CLOCK
    )
    assert first.created_at == CLOCK  # the clock given, which a second draw's refusal names
    again_members = _sampled(first)
    first.delete()
    second = draw_sample(
        consented, _everyone(consented), 2, seed=11, strata=["arm", "site"], now=CLOCK
    )
    assert _sampled(second) == again_members
    second.delete()
    other = draw_sample(
        consented, _everyone(consented), 2, seed=12, strata=["arm", "site"], now=CLOCK
    )
    assert _sampled(other) != again_members


def test_each_stratum_gives_its_quota_and_only_contactable_consenting_people(
    consented: Any,
) -> None:
    people = list(Participant.objects.filter(trial=consented).order_by("pseudonym"))
    Participant.objects.filter(pk=people[0].pk).update(consent=Consent.DECLINED)
    withdraw(consented, people[1].pseudonym, now=NOW)
    contactable = [p.pseudonym for p in people[:30]]
    draw = draw_sample(consented, contactable, 3, seed=5, strata=["arm", "site"], now=CLOCK)
    assert draw.eligible == 28
    arms = arms_by_participant(consented)
    counts = Counter(
        (arms[m.participant_id], m.participant.site.code)
        for m in draw.members.select_related("participant__site")
    )
    assert set(counts.values()) == {3}
    assert len(counts) == 4  # two arms by two sites
    chosen = set(_sampled(draw))
    assert chosen <= set(contactable[2:])
    keys = {m.stratum for m in draw.members.all()}
    assert all(k.startswith("arm=") and " | site=" in k for k in keys)


def test_a_sample_is_drawn_once_and_bad_requests_are_refused(consented: Any) -> None:
    with pytest.raises(DataError, match="unknown stratifying variable 'team'"):
        draw_sample(consented, _everyone(consented), 1, seed=1, strata=["team"], now=CLOCK)
    with pytest.raises(NotFound, match="not participants of letters-test: P-NOBODY"):
        draw_sample(consented, ["P-NOBODY"], 1, seed=1, now=CLOCK)
    with pytest.raises(DataError, match="there is no one to sample"):
        draw_sample(consented, [], 1, seed=1, now=CLOCK)
    draw_sample(consented, _everyone(consented), 1, seed=1, now=CLOCK)
    with pytest.raises(StateError, match="already has an interview sample \\(seed 1"):
        draw_sample(consented, _everyone(consented), 1, seed=2, now=CLOCK)


def test_small_strata_show_fewer_than_k_eligible(consented: Any) -> None:
    draw = draw_sample(
        consented, _everyone(consented), 1, seed=3, now=CLOCK
    )  # four variables: small
    table = strata_table(draw)
    assert sum(s.sampled for s in table) == draw.members.count()
    shown = {s.eligible for s in table}
    assert "fewer than 5" in shown
    for s in table:
        if s.eligible.isdigit():
            assert int(s.eligible) >= 5


def test_the_flow_follows_what_was_recorded(consented: Any) -> None:
    draw = draw_sample(consented, _everyone(consented), 2, seed=9, strata=["arm"], now=CLOCK)
    a, b, c, *_ = _sampled(draw)
    for who in (a, b, c):
        record(consented, who, "invited", CLOCK)
    record(consented, a, "agreed", CLOCK)
    record(consented, b, "declined", CLOCK)
    with pytest.raises(StateError, match=f"{c} is invited: they can be marked interviewed only"):
        record(consented, c, "interviewed", CLOCK)
    interviewee = Participant.objects.get(pseudonym=a)
    upload(consented, "INT-01", "Respondent: fine.", interviewee=interviewee.pseudonym, now=CLOCK)
    assert SampleMember.objects.get(participant=interviewee).status == "interviewed"
    assert SampleMember.objects.get(participant=interviewee).interviewed_at == CLOCK
    f = flow(draw)
    assert (f.sampled, f.invited, f.agreed, f.declined, f.interviewed) == (4, 3, 1, 1, 1)


def test_invitations_go_by_email_with_a_calendar_file_per_time_and_no_arm(
    consented: Any, smtp: Inbox
) -> None:
    draw = draw_sample(consented, _everyone(consented), 1, seed=4, strata=["arm"], now=CLOCK)
    first = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    times = proposed_times(first, 2, timedelta(days=1))
    done = invite(draw, times, 45, "interviewer@example.org", now=CLOCK)
    assert sorted(done.invited) == _sampled(draw)
    assert len(smtp.messages) == 2
    message = smtp.messages[0]
    assert message["Reply-To"] == "interviewer@example.org"
    text = message.get_payload()[0].get_payload(decode=True).decode()
    assert "voluntary" in text
    for label in consented.arms.values_list("label", flat=True):
        assert label.lower() not in text.lower()
    assert "control" not in text.lower()
    assert consented.slug not in text
    calendars = [
        icalendar.Calendar.from_ical(part.get_payload(decode=True))
        for part in message.walk()
        if part.get_content_type() == "text/calendar"
    ]
    starts = [next(iter(c.walk("VEVENT")))["DTSTART"].dt for c in calendars]
    assert starts == times
    ends = [next(iter(c.walk("VEVENT")))["DTEND"].dt for c in calendars]
    assert ends[0] - starts[0] == timedelta(minutes=45)
    assert flow(draw).invited == 2
    # stamped with the clock given: the record and the calendar files (issue 27)
    assert set(draw.members.values_list("invited_at", flat=True)) == {CLOCK}
    assert {next(iter(c.walk("VEVENT")))["DTSTAMP"].dt for c in calendars} == {CLOCK}
    # invited people are not invited twice
    assert invite(draw, times, 45, "interviewer@example.org", now=CLOCK).invited == []


def test_by_default_only_those_who_agreed_on_the_consent_page_to_be_contacted_are_sampled(
    consented: Any,
) -> None:
    from datetime import timedelta

    from hearten.trials.consent import record_answers
    from tests.conftest import CLOCK

    people = list(Participant.objects.filter(trial=consented).order_by("pseudonym"))
    earlier = CLOCK - timedelta(days=1)
    for p in people[:6]:
        record_answers(p, {"interview": True}, 1, earlier)
    changed = earlier + timedelta(hours=1)  # they changed their mind
    record_answers(people[0], {"interview": False}, 1, changed)
    record_answers(people[6], {"interview": False}, 1, earlier)
    draw = draw_sample(consented, None, 10, seed=1, strata=["arm"], now=CLOCK)
    assert set(_sampled(draw)) == {p.pseudonym for p in people[1:6]}


def test_a_sampled_persons_status_is_a_typed_choice() -> None:
    """The interview sample's statuses are one closed, typed list (issue 27, item 5): the
    field offers exactly :class:`SampleStatus`, every move the service allows is between its
    values, and anything else is refused."""
    from django.core.exceptions import ValidationError

    from hearten.process.models import SampleStatus
    from hearten.process.sampling import _NEXT

    field = SampleMember._meta.get_field("status")
    assert field.choices == SampleStatus.choices
    assert field.default == SampleStatus.SAMPLED
    moves = set(_NEXT) | {before for allowed in _NEXT.values() for before in allowed}
    assert moves == set(SampleStatus.values)
    with pytest.raises(ValidationError):
        field.clean("ghosted", None)
