"""The goals programme: content checked, modules unlocked weekly, work private, engagement
logged, the funnel and compliance derived, reminders e-mailed until done or stopped."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from hearten.errors import DataError, StateError
from hearten.interventions.goals import (
    DEFAULT_CONTENT,
    complied,
    enrol,
    funnel,
    load_modules,
    opt_out,
    save_module,
)
from hearten.interventions.models import EngagementEvent, Enrolment
from hearten.messaging.models import Message
from hearten.trials.allocation import randomise_trial
from hearten.trials.people import withdraw
from tests.conftest import CLOCK, TODAY, Inbox

#: The clock the services are given (a fixed one: nothing here depends on the day).
NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)

pytestmark = pytest.mark.django_db


def test_the_built_in_modules_are_six_and_link_only_to_each_other() -> None:
    modules = load_modules()
    assert [m.number for m in modules] == [1, 2, 3, 4, 5, 6]
    assert modules[0].title == "A goal that matters to you"
    assert {q.key for q in modules[0].questions} == {"values", "goal"}
    assert 'href="../2/"' in modules[0].html
    assert 'href="https://www.hse.gov.uk/stress/"' in modules[5].html


def test_broken_content_is_refused_with_file_and_line(tmp_path: Path) -> None:
    folder = tmp_path / "goals"
    shutil.copytree(DEFAULT_CONTENT, folder)
    path = next(folder.glob("03-*.md"))
    path.write_text(path.read_text() + "\nSee [the notes](notes.md).\n")
    with pytest.raises(DataError, match=r"03-.*line \d+: the link 'notes.md' is broken"):
        load_modules(folder)
    path.unlink()
    with pytest.raises(DataError, match="missing: 3"):
        load_modules(folder)


def test_raw_html_in_content_is_shown_as_text_not_run(tmp_path: Path) -> None:
    folder = tmp_path / "goals"
    shutil.copytree(DEFAULT_CONTENT, folder)
    path = next(folder.glob("01-*.md"))
    path.write_text(path.read_text() + "\n<script>alert(1)</script>\n")
    html = load_modules(folder)[0].html
    assert "<script>" not in html
    # Shown to the participant as the text that was written, escaped, not dropped.
    assert "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>" in html


@pytest.fixture
def enrolled(trial: Any) -> Any:
    randomise_trial(trial, 2, now=CLOCK)
    # The fixture's design has control and letters; the programme goes to the letters arm here.
    start = timezone.localdate() - timedelta(days=8)
    assert enrol(trial, "letters", start, now=CLOCK) == 20
    return trial


def test_modules_unlock_weekly_and_work_is_saved(client: Client, enrolled: Any) -> None:
    e = Enrolment.objects.filter(trial=enrolled).order_by("id").first()
    assert e is not None
    page = client.get(f"/g/{e.token}/").content.decode()
    assert "A goal that matters to you" in page
    assert "opens" in page  # module 3 onwards is not open yet
    assert "opens on" in client.get(f"/g/{e.token}/3/").content.decode()
    client.get(f"/g/{e.token}/1/")
    client.post(
        f"/g/{e.token}/1/", {"values": "children heard", "goal": "Friday notes", "complete": "1"}
    )
    kinds = list(EngagementEvent.objects.filter(enrolment=e).values_list("kind", flat=True))
    for kind in ("invited", "opened", "module-started", "module-completed", "goal-set"):
        assert kind in kinds
    again = client.get(f"/g/{e.token}/1/").content.decode()
    assert "Friday notes" in again
    f = funnel(enrolled)
    assert (f.invited, f.opened, f.one_module, f.all_modules) == (20, 1, 1, 0)
    assert complied(enrolled, "any-module")[e.participant_id]
    assert not complied(enrolled, "all-modules")[e.participant_id]


def test_stopping_and_withdrawing_end_the_programme(client: Client, enrolled: Any) -> None:
    first, second = Enrolment.objects.filter(trial=enrolled).order_by("id")[:2]
    client.post(f"/g/{first.token}/leave/")
    assert "You have stopped the programme" in client.get(f"/g/{first.token}/").content.decode()
    withdraw(enrolled, second.participant.pseudonym, now=NOW)
    assert "You have left the study" in client.get(f"/g/{second.token}/").content.decode()
    with pytest.raises(StateError, match="left the programme"):
        save_module(Enrolment.objects.get(pk=second.pk), 1, {"goal": "x"}, True, CLOCK)


def test_stopping_the_programme_is_stamped_with_the_clock_given(enrolled: Any) -> None:
    """Issue 27: the page reads the clock once and the service records exactly that time;
    stopping again keeps the first time and logs the event again, as the page did."""
    first = Enrolment.objects.filter(trial=enrolled).order_by("id").first()
    assert first is not None
    opt_out(first, now=CLOCK)
    first.refresh_from_db()
    assert first.opted_out_at == CLOCK
    opt_out(first, now=CLOCK + timedelta(days=1))
    first.refresh_from_db()
    assert first.opted_out_at == CLOCK
    assert EngagementEvent.objects.filter(enrolment=first, kind="opted-out").count() == 2


def test_a_purge_ends_the_programme_links_as_of_the_purges_clock(enrolled: Any) -> None:
    """The purge's clock comes with the signal (issue 27): the links are revoked at it."""
    from django.db import transaction

    from hearten.trials.models import Trial
    from hearten.trials.signals import trial_purged

    with transaction.atomic():
        trial_purged.send(sender=Trial, trial=enrolled, at=CLOCK)
    revoked = Enrolment.objects.filter(trial=enrolled).values_list("revoked_at", flat=True)
    assert set(revoked) == {CLOCK}


def test_a_module_opens_on_its_day_by_the_clock_given(trial: Any) -> None:
    """A frozen clock (issue 27): module 2 of a programme started on 5 October opens on
    12 October, and work is refused the day before and kept, with its time, on the day."""
    from hearten.interventions.goals import unlocked

    randomise_trial(trial, 2, now=CLOCK)
    enrol(trial, "letters", date(2026, 10, 5), now=CLOCK)
    e = Enrolment.objects.filter(trial=trial).order_by("id").first()
    assert e is not None
    assert not unlocked(e, 2, date(2026, 10, 11))
    assert unlocked(e, 2, date(2026, 10, 12))
    with pytest.raises(StateError, match="module 2 opens on 12 October"):
        save_module(e, 2, {"goal": "x"}, True, datetime(2026, 10, 11, 12, tzinfo=UTC))
    on_the_day = datetime(2026, 10, 12, 9, tzinfo=UTC)
    assert save_module(e, 2, {"goal": "x"}, True, on_the_day).completed_at == on_the_day


def test_enrolment_is_checked(trial: Any) -> None:
    with pytest.raises(StateError, match="not randomised"):
        enrol(trial, "letters", TODAY, now=CLOCK)
    randomise_trial(trial, 1, now=CLOCK)
    with pytest.raises(DataError, match="not an intervention arm"):
        enrol(trial, "control", TODAY, now=CLOCK)


def test_programme_reminders_go_until_stopped(
    hearten: Callable[..., Any], enrolled: Any, smtp: Inbox
) -> None:
    first = Enrolment.objects.filter(trial=enrolled).order_by("id").first()
    assert first is not None
    first.opted_out_at = timezone.now()
    first.save()
    hearten("worker", "--once")  # the invitation and module 2 are due (started 8 days ago)
    subjects = [m["Subject"] for m in smtp.messages]
    assert subjects.count("Staff wellbeing study: your six-week goals programme") == 19
    assert subjects.count("Staff wellbeing study: module 2 is open") == 19
    assert Message.objects.filter(enrolment=first, note="opted out").count() == 2
    assert EngagementEvent.objects.filter(kind="reminder-sent").count() == 38


def test_a_programme_e_mail_stops_in_one_click_and_so_do_the_persons_other_e_mails(
    hearten: Callable[..., Any], enrolled: Any, smtp: Inbox, settings: Any
) -> None:
    """RFC 8058 on the programme's e-mails too: the one-click address is the programme link's
    stop-emails page, and a POST there stops every e-mail to that person."""
    from django.test import Client

    from hearten.messaging.stops import STOPPED

    first, second = Enrolment.objects.filter(trial=enrolled).order_by("id")[:2]
    assert first.participant.identity.email
    stop = f"/g/{first.token}/stop-emails/"
    one_click = Client(enforce_csrf_checks=True).post(
        stop, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert one_click.status_code == 200
    assert "You will get no more e-mails from this study" in one_click.content.decode()
    hearten("worker", "--once")
    to = [m["To"] for m in smtp.messages]
    assert first.participant.identity.email not in to
    due = Message.objects.filter(enrolment=first).exclude(status="pending")  # later: not due
    assert set(due.values_list("status", "note")) == {("skipped", STOPPED)}
    theirs = next(m for m in smtp.messages if m["To"] == second.participant.identity.email)
    expected = f"<{settings.HEARTEN.base_url}/g/{second.token}/stop-emails/>"
    assert "".join(theirs["List-Unsubscribe"].split()) == expected
    assert theirs["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    first.refresh_from_db()
    assert first.opted_out_at is None  # still in the programme, and in the study
    assert first.participant.withdrawn_at is None


def test_a_programme_of_three_modules_is_complete_after_three(
    hearten: Callable[..., Any], trial: Any, smtp: Inbox
) -> None:
    """Issue 27, item 5: the mail worker no longer assumes six modules."""
    from hearten.interventions.models import ModuleWork
    from hearten.interventions.programme_mail import schedule_programme

    randomise_trial(trial, 2, now=CLOCK)
    start = timezone.localdate() - timedelta(days=15)
    enrol(trial, "letters", start, now=CLOCK)
    first, second = Enrolment.objects.filter(trial=trial).order_by("id")[:2]
    Message.objects.filter(enrolment__in=[first, second]).delete()
    assert schedule_programme([first.pk, second.pk], start, 3) == 6  # three modules each
    for module in (1, 2, 3):
        ModuleWork.objects.create(enrolment=first, module=module, completed_at=timezone.now())
    hearten("worker", "--once")
    notes = set(Message.objects.filter(enrolment=first).values_list("note", flat=True))
    assert notes == {"programme complete"}
    subjects = [m["Subject"] for m in smtp.messages]
    assert subjects.count("Staff wellbeing study: your three-week goals programme") == 1
    assert subjects.count("Staff wellbeing study: your six-week goals programme") == 18
