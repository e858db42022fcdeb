"""Consent statements, each answered on its own and kept with the information sheet's version
and the time (:class:`~hearten.trials.models.ConsentRecord`).

A trial asks ``surveys`` (taking part) and any of ``hr`` (linking HR records) and
``interview`` (being contacted for an interview) that its design lists
(``participants.statements``). The latest answer to a statement is the one that stands, so a
person who agreed to be contacted and later says no is not contacted.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from django.db.models import OuterRef, QuerySet, Subquery

from hearten.errors import DataError
from hearten.trials.models import ConsentRecord, Participant, Trial
from hearten.trials.public import STATEMENTS


def record_answers(
    participant: Participant,
    answers: Mapping[str, bool],
    version: int,
    at: datetime,
) -> list[ConsentRecord]:
    """Store one record per statement answered at ``at`` (the caller's clock; call inside the
    consent's transaction)."""
    unknown = [s for s in answers if s not in STATEMENTS]
    if unknown:
        raise DataError(f"unknown consent statement {unknown[0]!r}: use {', '.join(STATEMENTS)}")
    return ConsentRecord.objects.bulk_create(
        ConsentRecord(
            participant=participant,
            statement=s,
            agreed=agreed,
            version=version,
            recorded_at=at,
        )
        for s, agreed in answers.items()
    )


def standing(participant: Participant) -> dict[str, ConsentRecord]:
    """The answer that stands for each statement the person has answered (the latest)."""
    out: dict[str, ConsentRecord] = {}
    for record in participant.consent_records.order_by("recorded_at", "id"):
        out[record.statement] = record
    return out


def agreed_to(trial: Trial, statement: str) -> QuerySet[Participant]:
    """The trial's participants whose standing answer to ``statement`` is yes, who have not
    withdrawn and whose data were not erased."""
    if statement not in STATEMENTS:
        raise DataError(f"unknown consent statement {statement!r}: use {', '.join(STATEMENTS)}")
    latest = ConsentRecord.objects.filter(participant=OuterRef("pk"), statement=statement).order_by(
        "-recorded_at", "-id"
    )
    return (
        Participant.objects.filter(trial=trial, withdrawn_at=None, erased_at=None)
        .annotate(standing=Subquery(latest.values("agreed")[:1]))
        .filter(standing=True)
        .order_by("pseudonym")
    )


def consented_to_interview(trial: Trial) -> QuerySet[Participant]:
    """Participants who agreed to be contacted about an interview (and still stand by it)."""
    return agreed_to(trial, "interview")
