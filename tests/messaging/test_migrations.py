"""Moving e-mail messages from ``surveys`` to ``messaging`` keeps every row: a database with
messages in the old shape (foreign keys to an invitation or a programme place) is migrated
forward and back, on SQLite and on PostgreSQL (``DATABASE_URL``)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.apps.registry import Apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = ("surveys", "0006_mail_retries")
#: the columns every message keeps as they were
KEPT = ("id", "kind", "due_at", "status", "claimed_at", "sent_at", "attempts", "note",
        "retry_at", "failing_since", "failure")  # fmt: skip


def _migrate(targets: list[tuple[str, str]] | None = None) -> Apps:
    """Migrate to ``targets`` (``None``: every app's latest); the models as they now stand."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets or executor.loader.graph.leaf_nodes())
    executor.loader.build_graph()
    applied = list(executor.loader.applied_migrations)
    return executor.loader.project_state(applied, at_end=True).apps


def _old_rows(apps: Apps) -> dict[str, Any]:
    """A trial with two people, a wave with their invitations and one programme place, and
    messages about both in every state, written through the old models."""
    Trial, Site, Team = (apps.get_model("trials", m) for m in ("Trial", "Site", "Team"))
    Participant = apps.get_model("trials", "Participant")
    Wave, Invitation = apps.get_model("surveys", "Wave"), apps.get_model("surveys", "Invitation")
    Enrolment = apps.get_model("interventions", "Enrolment")
    Message = apps.get_model("surveys", "Message")
    trial = Trial.objects.create(slug="moved", name="Moved", unit="individual", design={})
    site = Site.objects.create(trial=trial, code="S1")
    team = Team.objects.create(trial=trial, site=site, code="T1")
    people = [
        Participant.objects.create(trial=trial, pseudonym=f"P-{n}", site=site, team=team,
                                   role="social worker", fte=1, start_date=date(2024, 1, 1))
        for n in (1, 2)
    ]  # fmt: skip
    wave = Wave.objects.create(trial=trial, name="baseline", instrument="swemwbs", position=1)
    invs = [Invitation.objects.create(wave=wave, participant=p, token=f"t{p.pk}") for p in people]
    place = Enrolment.objects.create(trial=trial, participant=people[1], token="g1",
                                     starts_on=date(2025, 1, 6))  # fmt: skip
    now = timezone.now().replace(microsecond=0)
    when = datetime(2025, 1, 6, 9, tzinfo=timezone.get_current_timezone())
    made = [
        Message.objects.create(invitation=invs[0], kind="invitation", due_at=now,
                               status="sent", sent_at=now, attempts=1),
        Message.objects.create(invitation=invs[0], kind="reminder-1", due_at=now,
                               status="pending", attempts=3, note="OSError: refused",
                               retry_at=now + timedelta(minutes=4), failing_since=now,
                               failure="unreachable"),
        Message.objects.create(invitation=invs[1], kind="invitation", due_at=now,
                               status="failed", attempts=1, failure="refused", note="550"),
        Message.objects.create(invitation=invs[1], kind="consent-receipt-v1", due_at=now,
                               status="skipped", note="withdrawn"),
        Message.objects.create(enrolment=place, kind="programme-1", due_at=when,
                               status="sent", sent_at=now, claimed_at=now, attempts=1),
        Message.objects.create(enrolment=place, kind="module-2", due_at=when + timedelta(7)),
    ]  # fmt: skip
    return {
        "people": [p.pk for p in people],
        "invitations": [i.pk for i in invs],
        "place": place.pk,
        "rows": {m.pk: {f: getattr(m, f) for f in KEPT} for m in made},
        "subject": {m.pk: (m.invitation_id, m.enrolment_id) for m in made},
    }


def test_messages_keep_their_rows_and_links_when_they_move_to_messaging() -> None:
    try:
        old = _old_rows(_migrate([BEFORE]))
    finally:
        _migrate()
    from hearten.interventions.models import Enrolment
    from hearten.messaging.models import Message
    from hearten.messaging.purposes import queue
    from hearten.surveys.mail_kinds import INVITATION, reminder
    from hearten.surveys.models import Invitation

    rows = {m.pk: m for m in Message.objects.all()}
    assert {pk: {f: getattr(m, f) for f in KEPT} for pk, m in rows.items()} == old["rows"]
    first, second = (Invitation.objects.get(pk=pk) for pk in old["invitations"])
    place = Enrolment.objects.get(pk=old["place"])
    for pk, (invitation, _) in old["subject"].items():
        about = rows[pk].about
        assert about == (first if invitation == first.pk else second if invitation else place)
        assert rows[pk].participant_id == about.participant_id
    assert set(Message.objects.filter(invitation__wave=first.wave)) == {
        rows[pk] for pk, (i, _) in old["subject"].items() if i
    }
    assert Message.objects.filter(enrolment=place).count() == 2
    assert set(
        Message.objects.filter(participant_id=old["people"][1]).values_list("kind", flat=True)
    ) == {"invitation", "consent-receipt-v1", "programme-1", "module-2"}

    # still once per subject and kind; a new message takes an id after the moved ones
    again = timezone.now()
    queue(Invitation, [(first.pk, first.participant_id, INVITATION, again)])
    assert Message.objects.count() == len(old["rows"])
    queue(Invitation, [(first.pk, first.participant_id, reminder(2), again)])
    fresh = Message.objects.get(kind="reminder-2")
    assert fresh.pk > max(old["rows"])
    assert fresh.about == first

    # an invitation's messages go with it, as they did by the foreign key
    first.delete()
    assert not Message.objects.filter(pk__in=[pk for pk, (i, _) in old["subject"].items()
                                              if i == old["invitations"][0]]).exists()  # fmt: skip
    assert Message.objects.count() == len(old["rows"]) - 2


def test_unapplying_the_move_puts_the_old_links_back() -> None:
    try:
        old = _old_rows(_migrate([BEFORE]))
        _migrate()
        back = _migrate([BEFORE])
        Message = back.get_model("surveys", "Message")
        assert {m.pk: (m.invitation_id, m.enrolment_id) for m in Message.objects.all()} == old[
            "subject"
        ]
        assert {m.pk: {f: getattr(m, f) for f in KEPT} for m in Message.objects.all()} == old[
            "rows"
        ]
    finally:
        _migrate()
