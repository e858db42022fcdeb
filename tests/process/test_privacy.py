"""Erasing a participant removes their transcripts and their place in the interview sample."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from hearten.process.models import SampleMember, Transcript
from hearten.process.sampling import draw_sample
from hearten.process.transcripts import upload
from hearten.trials.choices import Consent
from hearten.trials.models import Participant
from hearten.trials.people import withdraw
from hearten.trials.privacy import erase_participant
from tests.conftest import CLOCK

#: The clock the services are given (a fixed one: nothing here depends on the day).
NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)

pytestmark = pytest.mark.django_db


def test_erasure_removes_the_persons_transcripts_and_sample_place(named_trial: Any) -> None:
    Participant.objects.filter(trial=named_trial).update(consent=Consent.CONSENTED)
    everyone = list(Participant.objects.filter(trial=named_trial).order_by("pseudonym"))
    draw = draw_sample(
        named_trial, [p.pseudonym for p in everyone], 40, seed=2, strata=["arm"], now=CLOCK
    )
    person, other = everyone[:2]
    upload(named_trial, "INT-01", "Respondent: mine.", interviewee=person.pseudonym, now=CLOCK)
    upload(named_trial, "INT-02", "Respondent: theirs.", interviewee=other.pseudonym, now=CLOCK)
    withdraw(named_trial, person.pseudonym, now=NOW)
    counts = erase_participant(Participant.objects.get(pk=person.pk), now=NOW)
    assert counts["interview transcripts and sample places"] == 2
    assert list(Transcript.objects.values_list("name", flat=True)) == ["INT-02"]
    assert not SampleMember.objects.filter(participant=person).exists()
    assert draw.members.count() == len(everyone) - 1
