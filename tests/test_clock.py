"""Time is an input (issue 27, item 2): the shared services take the clock from their caller,
and only the edges (commands, pages, the API's request, the worker, the demo) read it."""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CLOCK


def _shared() -> list[tuple[Callable[..., Any], str]]:
    from hearten.analysis.retention import anonymised_dataset, purge_trial
    from hearten.analysis.run import run_analysis
    from hearten.analysis.stepped_wedge import run_stepped_wedge
    from hearten.hr.imports import import_hr
    from hearten.interventions.costs import add_cost, add_unit_cost, set_basis, use_published
    from hearten.interventions.delivery import delivery_csv, mark_delivery
    from hearten.interventions.goals import enrol, log, opt_out
    from hearten.interventions.letters import (
        email_letters,
        mark_posted,
        print_letters,
        send_letter,
        set_plan,
        stop,
        stop_for,
        withdraw_letter,
        write_letter,
    )
    from hearten.interventions.perks import add_perk, interrupt
    from hearten.interventions.review import draw_sample as draw_letter_sample
    from hearten.interventions.review import review_letter
    from hearten.process.coding import finish
    from hearten.process.invitations import invite as invite_to_interview
    from hearten.process.qdpx import export, project_xml
    from hearten.process.sampling import draw_sample, record
    from hearten.process.transcripts import upload
    from hearten.reports.programme import write_programme_report
    from hearten.reports.render import write_report
    from hearten.reports.staggered import write_page
    from hearten.surveys.exports import write_exports
    from hearten.trials import audit
    from hearten.trials.allocation import commit_seed, randomise_trial
    from hearten.trials.erasures import record_erasure, record_purge
    from hearten.trials.joiners import allocate_joiners
    from hearten.trials.lifecycle import add_evaluator, create_trial, discard_trial
    from hearten.trials.people import add_role, open_delivery
    from hearten.trials.privacy import erase_participant, purge_identifiable
    from hearten.trials.rollout import change_schedule
    from hearten.trials.roster import import_roster
    from hearten.web.accounts import clear_expired_sessions
    from hearten.web.api.limits import take
    from hearten.web.api.tokens import check_token, create_token, revoke_token, state_of

    return [
        (run_analysis, "now"),
        (run_stepped_wedge, "now"),
        (commit_seed, "now"),
        (randomise_trial, "now"),
        (purge_trial, "now"),
        (enrol, "starts"),
        (enrol, "now"),
        (log, "at"),
        (opt_out, "now"),
        (send_letter, "now"),
        (stop, "now"),
        (stop_for, "now"),
        (print_letters, "now"),
        (mark_posted, "now"),
        (email_letters, "now"),
        (review_letter, "now"),
        (record, "at"),
        (upload, "now"),
        (invite_to_interview, "now"),
        (finish, "now"),
        (project_xml, "now"),
        (export, "now"),
        (create_token, "now"),
        (revoke_token, "now"),
        (state_of, "now"),
        (check_token, "now"),
        (take, "now"),
        (erase_participant, "now"),
        (purge_identifiable, "now"),
        (record_erasure, "now"),
        (record_purge, "now"),
        (open_delivery, "now"),
        (write_report, "now"),
        (write_programme_report, "now"),
        (clear_expired_sessions, "now"),
        # Every audit event carries its writer's clock, and so every service that writes one.
        (audit.record, "at"),
        (audit.create_recorded, "at"),
        (anonymised_dataset, "now"),
        (import_hr, "now"),
        (add_cost, "now"),
        (add_unit_cost, "now"),
        (set_basis, "now"),
        (use_published, "now"),
        (delivery_csv, "now"),
        (mark_delivery, "now"),
        (set_plan, "now"),
        (write_letter, "now"),
        (withdraw_letter, "now"),
        (add_perk, "now"),
        (interrupt, "now"),
        (draw_letter_sample, "now"),
        (draw_sample, "now"),
        (write_page, "now"),
        (write_exports, "now"),
        (allocate_joiners, "now"),
        (create_trial, "now"),
        (discard_trial, "now"),
        (add_evaluator, "now"),
        (add_role, "now"),
        (change_schedule, "now"),
        (import_roster, "now"),
    ]


@pytest.mark.parametrize(("service", "clock"), _shared(), ids=lambda x: getattr(x, "__name__", x))
def test_a_shared_service_requires_its_clock(service: Callable[..., Any], clock: str) -> None:
    parameter = inspect.signature(service).parameters[clock]
    assert parameter.default is inspect.Parameter.empty, (
        f"{service.__module__}.{service.__name__} reads the present when {clock!r} is left out: "
        "the caller (an edge) reads the clock once and passes it down"
    )


#: The edges, which alone may read the clock (each reads it once and passes it down): the
#: command line, the web app and its API, the demo, the pages of the apps, and the send task.
EDGES = (
    "cli/",
    "web/",
    "demo/",
    "interventions/views.py",
    "interventions/review_pages.py",
    "process/views.py",
    "surveys/views.py",
    "surveys/concerns.py",
    "surveys/information.py",
    "surveys/leaving.py",
    "messaging/outbox.py",
)
_READS_THE_CLOCK = re.compile(
    r"timezone\.now\(\)|date\.today\(\)|datetime\.now\(|timezone\.localdate\(\)"
)


def test_only_the_edges_read_the_clock() -> None:
    import hearten

    root = Path(hearten.__file__).parent
    found = [
        f"{path.relative_to(root).as_posix()}:{n}: {line.strip()}"
        for path in sorted(root.rglob("*.py"))
        if not path.relative_to(root).as_posix().startswith(EDGES)
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if _READS_THE_CLOCK.search(line)
    ]
    assert not found, (
        "a service reads the clock; take it from the caller (an edge) instead:\n" + "\n".join(found)
    )
    for edge in EDGES:  # the list names only edges that exist
        assert (root / edge).exists(), edge


@pytest.mark.django_db
def test_a_sent_e_mail_is_stamped_with_the_send_tasks_one_reading_of_the_clock(
    trial: Any, smtp: Any
) -> None:
    from hearten.messaging.models import Message, MessageStatus
    from hearten.messaging.outbox import send_message
    from hearten.surveys.services import get_wave, invite

    invite(get_wave(trial, "baseline"), CLOCK)
    message = Message.objects.filter(kind="invitation").order_by("pk").first()
    assert message is not None
    assert send_message.call(message.pk) == "sent"
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    assert message.sent_at == message.claimed_at  # claimed and sent by the same reading


@pytest.mark.django_db
def test_a_consent_receipt_is_dated_by_the_answers_or_else_by_the_send_clock(trial: Any) -> None:
    from hearten.messaging.models import Message
    from hearten.surveys.mail import SurveyMail, schedule_receipt
    from hearten.surveys.services import get_wave, invite, record_consent

    invite(get_wave(trial, "baseline"), CLOCK)
    first, second = get_wave(trial, "baseline").invitations.order_by("pk")[:2]
    later = CLOCK + timedelta(days=1, hours=2)
    # Someone who consented before answers were recorded one by one has no record.
    schedule_receipt(first, CLOCK)
    unrecorded = Message.objects.get(invitation=first, kind="consent-receipt-v1")
    assert "on 1 December 2026 at 11:00" in SurveyMail().draft(unrecorded, later).body
    record_consent(second, True, now=CLOCK)
    recorded = Message.objects.get(invitation=second, kind="consent-receipt-v1")
    assert "on 30 November 2026 at 09:00" in SurveyMail().draft(recorded, later).body


@pytest.mark.django_db
def test_expired_sessions_are_those_past_their_expiry_at_the_clock_given() -> None:
    from django.contrib.sessions.models import Session

    from hearten.web.accounts import clear_expired_sessions

    for key, expires in (("ended", CLOCK - timedelta(seconds=1)), ("running", CLOCK)):
        Session.objects.create(session_key=key, session_data="", expire_date=expires)
    assert clear_expired_sessions(CLOCK) == 1
    assert list(Session.objects.values_list("session_key", flat=True)) == ["running"]


@pytest.mark.django_db
def test_engagement_events_are_stamped_with_their_writers_clock(trial: Any, client: Any) -> None:
    from hearten.interventions.goals import enrol, save_module
    from hearten.interventions.models import EngagementEvent, EngagementKind, Enrolment
    from hearten.interventions.programme_mail import ProgrammeMail
    from hearten.messaging.models import Message
    from hearten.trials.allocation import randomise_trial

    randomise_trial(trial, 2, now=CLOCK)
    enrol(trial, "letters", CLOCK.date(), now=CLOCK)
    e = Enrolment.objects.filter(trial=trial).order_by("pk").first()
    assert e is not None
    assert set(e.events.values_list("kind", "at")) == {(EngagementKind.INVITED, CLOCK)}
    done = CLOCK + timedelta(hours=1)
    save_module(e, 1, {"goal": "Friday notes"}, complete=True, now=done)
    assert e.work.get(module=1).started_at == done  # the module's row, stamped the same
    sent = CLOCK + timedelta(hours=2)
    ProgrammeMail().sent(Message.objects.filter(enrolment=e).order_by("pk")[0], sent)
    assert set(e.events.exclude(kind=EngagementKind.INVITED).values_list("kind", "at")) == {
        (EngagementKind.MODULE_COMPLETED, done),
        (EngagementKind.GOAL_SET, done),
        (EngagementKind.REMINDER_SENT, sent),
    }
    # A page reads the clock once: the click and the opening it records carry the same time.
    EngagementEvent.objects.all().delete()
    assert client.get(f"/g/{e.token}/?r=1").status_code == 200
    stamps = dict(e.events.values_list("kind", "at"))
    assert set(stamps) == {EngagementKind.REMINDER_CLICKED, EngagementKind.OPENED}
    assert len(set(stamps.values())) == 1


def test_engagement_kinds_keep_their_stored_values() -> None:
    from hearten.interventions.models import EngagementKind

    assert list(EngagementKind.values) == [
        "invited", "opened", "module-started", "module-completed", "goal-set",
        "reminder-sent", "reminder-clicked", "opted-out",
    ]  # fmt: skip


def test_rows_are_stamped_with_their_services_clock_not_the_databases(trial: Any) -> None:
    """Rows that once took the database's time take the clock their service was given."""
    from hearten.surveys.models import Invitation
    from hearten.surveys.services import invite

    assert trial.created_at == CLOCK  # create_trial's
    wave = trial.waves.get(name="baseline")
    later = CLOCK + timedelta(days=1)
    invite(wave, later)
    assert set(Invitation.objects.filter(wave=wave).values_list("created_at", flat=True)) == {later}
