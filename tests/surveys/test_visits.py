"""The survey page's hand-written SQL: what it reads equals what the ORM reads, and what it
writes the ORM reads back as if the ORM had written it (on SQLite and on PostgreSQL)."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone as django_tz

from hearten.errors import DataError, StateError
from hearten.instruments import get_instrument
from hearten.surveys.models import Invitation, Receipt, Response
from hearten.surveys.services import (
    answer,
    get_wave,
    invite,
    is_closed,
    link_dead,
    pages_of,
)
from hearten.surveys.visits import mark_opened, past_closing, visit, why_dead
from hearten.trials.choices import Consent
from hearten.trials.lifecycle import design_of
from tests.conftest import FIXTURES
from tests.surveys.conftest import consented_link

#: The clock the services are given (a fixed one: nothing here depends on the day).
NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)

pytestmark = pytest.mark.django_db

SWEMWBS = {f"swemwbs_{i}": "4" for i in range(1, 8)}


@pytest.fixture
def multi_link(multi: Any) -> Invitation:
    """A consented link to a three-page wave (swemwbs, ons4, caseload)."""
    return consented_link(multi)


@pytest.fixture
def link(trial: Any) -> Invitation:
    """A consented participant's link to the baseline wave, which closes a week after the
    clock the tests give (``NOW``), of a trial whose links end a month after it."""
    design = copy.deepcopy(trial.design)
    design["privacy"] = {**design.get("privacy", {}), "ends_on": str(NOW.date() + timedelta(30))}
    trial.design = design
    trial.save()
    wave = get_wave(trial, "baseline")
    wave.closes_on = NOW.date() + timedelta(days=7)
    wave.save()
    invite(wave, NOW)
    return consented_link(trial)


def test_a_visit_reads_what_the_orm_reads(link: Invitation) -> None:
    v = visit(link.token)
    assert v is not None
    wave, trial = link.wave, link.wave.trial
    assert v.invitation_id == link.pk
    assert v.pages == tuple(i.name for i in pages_of(wave))
    assert (v.study.title, v.wave.name) == ("Staff wellbeing study", wave.name)
    assert v.consent is Consent.CONSENTED
    assert v.closes_on == wave.closes_on
    assert type(v.closes_on) is date  # SQLite gives text: converted
    assert v.study.ends_on == design_of(trial).privacy.ends_on
    assert (v.opened, v.completed, v.revoked, v.withdrawn, v.purged) == (False,) * 5
    assert v.saved == {}
    assert v.dead(NOW) == link_dead(trial, link.revoked_at, NOW) == ""
    assert v.closed(NOW) == is_closed(wave, NOW) is False
    assert v.first_open() == 0
    assert visit("no-such-token") is None


def test_stored_rows_read_back_through_the_orm(link: Invitation) -> None:
    v = visit(link.token)
    assert v is not None
    stored = answer(v, "swemwbs", SWEMWBS, "key-0000001", NOW)
    assert (stored.created, stored.complete, stored.replayed) == (True, True, False)
    row = Response.objects.get(invitation=link)
    instrument = get_instrument("swemwbs")
    assert row.answers == {k: 4 for k in SWEMWBS}
    assert row.scores == dict(instrument.score(row.answers).values)
    assert row.submitted_at.tzinfo is not None
    assert row.submitted_at == NOW  # the clock the store was given, not the machine's
    assert row.updated_at == row.submitted_at
    receipt = Receipt.objects.get(invitation=link)
    assert (receipt.key, receipt.instrument) == ("key-0000001", "swemwbs")
    link.refresh_from_db()
    assert link.completed_at == row.submitted_at
    again = visit(link.token)
    assert again is not None
    assert again.completed
    assert again.saved == {"swemwbs": row.answers}


def test_a_repeat_is_acknowledged_and_a_changed_page_updates_its_row(multi_link: Any) -> None:
    v = visit(multi_link.token)
    assert v is not None
    assert answer(v, "swemwbs", SWEMWBS, "first-key-1", NOW).created
    repeat = answer(v, "swemwbs", {**SWEMWBS, "swemwbs_1": "1"}, "first-key-1", NOW)
    assert (repeat.created, repeat.replayed) == (False, True)
    assert Response.objects.get(instrument="swemwbs").answers["swemwbs_1"] == 4
    later = NOW + timedelta(minutes=5)
    edit = answer(v, "swemwbs", {**SWEMWBS, "swemwbs_1": "2"}, "second-key-2", later)
    assert (edit.created, edit.replayed, edit.complete) == (False, False, False)
    row = Response.objects.get(instrument="swemwbs")
    assert row.answers["swemwbs_1"] == 2
    assert (row.submitted_at, row.updated_at) == (NOW, later)
    assert Receipt.objects.count() == 2


def test_a_key_sent_with_another_page_stores_nothing(multi_link: Any) -> None:
    v = visit(multi_link.token)
    assert v is not None
    answer(v, "swemwbs", SWEMWBS, "shared-key-1", NOW)
    ons4 = {"ons4_1": "7", "ons4_2": "8", "ons4_3": "6", "ons4_4": "3"}
    with pytest.raises(DataError, match="sent with another page"):
        answer(v, "ons4", ons4, "shared-key-1", NOW)
    assert list(Response.objects.values_list("instrument", flat=True)) == ["swemwbs"]
    assert Receipt.objects.count() == 1


def test_a_closed_wave_or_a_page_it_does_not_ask_takes_nothing(link: Invitation) -> None:
    wave = link.wave
    wave.closed_at = django_tz.now()
    wave.save()
    v = visit(link.token)
    assert v is not None
    assert v.closed(NOW)
    with pytest.raises(StateError, match="has closed"):
        answer(v, "swemwbs", SWEMWBS, None, NOW)
    assert not Response.objects.exists()
    wave.closed_at = None
    wave.save()
    v = visit(link.token)
    assert v is not None
    answer(v, "swemwbs", SWEMWBS, None, NOW)
    with pytest.raises(DataError, match="does not ask"):
        answer(v, "ons4", {}, None, NOW)


def test_opening_is_recorded_once(link: Invitation) -> None:
    mark_opened(link.pk, NOW)
    link.refresh_from_db()
    first = link.opened_at
    assert first == NOW
    mark_opened(link.pk, NOW + timedelta(hours=1))
    link.refresh_from_db()
    assert link.opened_at == first
    v = visit(link.token)
    assert v is not None
    assert v.opened


def test_the_link_and_closing_rules_by_hand() -> None:
    noon = datetime(2027, 3, 10, 12, tzinfo=UTC)
    day = date(2027, 3, 10)
    assert why_dead(False, False, None, noon) == ""
    assert why_dead(False, False, day, noon) == ""  # ends at the end of its last day
    assert why_dead(False, False, day - timedelta(1), noon) == "ended"
    assert why_dead(True, False, None, noon) == "revoked"
    assert why_dead(True, True, None, noon) == "ended"  # purged: the trial is over
    assert past_closing(False, None, noon) is False
    assert past_closing(False, day, noon) is False
    assert past_closing(False, day - timedelta(1), noon) is True
    assert past_closing(True, day + timedelta(9), noon) is True


#: Run in a process of its own against the database in its environment: consents everyone,
#: then sends one page of one link from six threads at once, each key twice (a double click
#: on two devices), and prints what failed and what was stored.
AT_ONCE = """
import json, os, sys, threading
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hearten.web.settings")
import django
django.setup()
from datetime import UTC, datetime
from django.db import connection
from hearten.surveys.models import Receipt, Response
from hearten.surveys.services import answer
from hearten.surveys.visits import visit
from hearten.trials.models import Participant
Participant.objects.update(consent="consented")
token, start, failures = sys.argv[1], threading.Barrier(6), []
def send(n):
    try:
        v = visit(token)
        start.wait()
        answer(v, "swemwbs", {f"swemwbs_{i}": str(1 + (n + i) % 5) for i in range(1, 8)},
               f"device-key-{n // 2}", datetime(2026, 3, 2, 9, tzinfo=UTC))
    except Exception as exc:
        failures.append(repr(exc))
    finally:
        connection.close()
threads = [threading.Thread(target=send, args=(n,)) for n in range(6)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(json.dumps({"failures": failures, "pages": Response.objects.count(),
                  "receipts": Receipt.objects.count()}))
"""


@pytest.mark.long
def test_simultaneous_sends_of_one_page_store_it_once(tmp_path: Path) -> None:
    """Six sends of the first of two pages at the same moment, on the real database (a file
    for SQLite, a server for PostgreSQL): the write lock (SQLite's BEGIN IMMEDIATE,
    PostgreSQL's row lock) lets one create the row; the others update it or are told it was
    stored, each reading the page and its receipts only once the lock is theirs."""
    from tests.web.test_soak import _database, invited

    databases = _database(tmp_path)
    env, _ = next(databases)
    try:
        design = tmp_path / "design.toml"
        design.write_text((FIXTURES / "design.toml").read_text().replace(
            'instrument = "swemwbs"', 'instrument = "swemwbs"\nalso = ["ons4"]', 1))  # fmt: skip
        (token,) = invited(env, tmp_path, design, 1, teams=1)
        done = subprocess.run([sys.executable, "-c", AT_ONCE, token], env=env,
                              capture_output=True, text=True, timeout=120)  # fmt: skip
    finally:
        next(databases, None)
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads(done.stdout) == {"failures": [], "pages": 1, "receipts": 3}


def test_the_survey_form_refuses_what_the_instrument_refuses() -> None:
    from hearten.instruments import get_instrument
    from hearten.surveys.forms import InstrumentForm

    for typed in ("12", " 12 "):
        assert InstrumentForm(get_instrument("caseload"), {"caseload_1": typed}).is_valid()
    for typed in ("12.0", "１２", "1_2", "12e0"):
        form = InstrumentForm(get_instrument("caseload"), {"caseload_1": typed})
        assert not form.is_valid()
        assert form.errors["caseload_1"] == [
            f"Enter a whole number for “{get_instrument('caseload').items[0].text}”, like 12"
        ]


def test_the_service_refuses_a_revoked_link(link: Invitation) -> None:
    """``save_page`` (the command line's and the demo's path) checks revocation itself, not
    only the survey page."""
    from hearten.surveys.services import revoke_links, save_page

    revoke_links(link.wave.trial, [link.participant.pseudonym], now=NOW)
    with pytest.raises(StateError, match="switched off"):
        save_page(link, "swemwbs", SWEMWBS, now=NOW)
    assert not Response.objects.exists()


def test_the_service_refuses_a_link_whose_study_has_ended(link: Invitation) -> None:
    from hearten.surveys.services import save_page

    ends_on = design_of(link.wave.trial).privacy.ends_on
    assert ends_on is not None
    after = datetime.combine(ends_on + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    with pytest.raises(StateError, match="has ended"):
        save_page(link, "swemwbs", SWEMWBS, now=after)
    assert not Response.objects.exists()


@pytest.mark.parametrize(
    "change", ["withdrawn", "declined", "revoked", "closed", "closes_on", "study_ends"]
)
def test_each_rule_is_read_again_under_the_lock(link: Invitation, change: str) -> None:
    """The page read the link before the change; the store reads it again under the lock and
    refuses, whatever the page had read."""
    from hearten.trials.models import Participant

    v = visit(link.token)
    assert v is not None
    assert v.consent == Consent.CONSENTED
    people = Participant.objects.filter(pk=link.participant_id)
    wave = link.wave
    if change == "withdrawn":
        people.update(withdrawn_at=django_tz.now())
    elif change == "declined":
        people.update(consent=Consent.DECLINED)
    elif change == "revoked":
        Invitation.objects.filter(pk=link.pk).update(revoked_at=django_tz.now())
    elif change == "closed":
        wave.closed_at = django_tz.now()
        wave.save()
    elif change == "closes_on":
        wave.closes_on = NOW.date() - timedelta(days=1)
        wave.save()
    else:  # a design amendment brings the study's end forward to yesterday
        trial = wave.trial
        ended = NOW.date() - timedelta(days=1)
        trial.design = {
            **trial.design,
            "privacy": {**trial.design["privacy"], "ends_on": str(ended)},
        }
        trial.save(update_fields=["design"])
        assert v.study.ends_on is not None
        assert v.study.ends_on > ended  # what the page read still lets the link store
    with pytest.raises(StateError):
        answer(v, "swemwbs", SWEMWBS, "stale-visit-1", NOW)
    assert not Response.objects.exists()
    assert not Receipt.objects.exists()


def test_the_wave_s_pages_are_read_again_under_the_lock(multi_link: Invitation) -> None:
    """The page read three pages; the wave was amended since to drop ``caseload``: the store
    goes by the pages as they are now, refusing the dropped page and completing the survey
    with the two left."""
    v = visit(multi_link.token)
    assert v is not None
    assert v.pages == ("swemwbs", "ons4", "caseload")
    wave = multi_link.wave
    wave.pages = ["swemwbs", "ons4"]
    wave.save(update_fields=["pages"])
    with pytest.raises(DataError, match="no longer asks 'caseload'"):
        answer(v, "caseload", {"caseload_1": "12"}, None, NOW)
    assert not Response.objects.exists()
    assert answer(v, "swemwbs", SWEMWBS, None, NOW).complete is False
    ons4 = {"ons4_1": "7", "ons4_2": "8", "ons4_3": "6", "ons4_4": "3"}
    assert answer(v, "ons4", ons4, None, NOW).complete is True  # by the two pages left
    multi_link.refresh_from_db()
    assert multi_link.completed_at is not None


def test_the_wave_closes_by_the_clock_it_is_given(link: Invitation) -> None:
    from hearten.surveys.services import save_page

    closes_on = link.wave.closes_on
    assert closes_on is not None
    late = datetime.combine(closes_on + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    with pytest.raises(StateError, match="has closed"):
        save_page(link, "swemwbs", SWEMWBS, now=late)
    on_time = datetime.combine(closes_on, datetime.min.time(), tzinfo=UTC) + timedelta(hours=12)
    assert save_page(link, "swemwbs", SWEMWBS, now=on_time).created


#: Run in a process of its own against the database in its environment: one thread withdraws
#: the participant and holds its transaction open until the other, which had read the link
#: before, is seen waiting for the lock the withdrawal holds (PostgreSQL: a lock not granted
#: in pg_locks; SQLite: the sender's thread inside BEGIN IMMEDIATE), so the race is the same
#: on every run, whatever the machine's speed. Prints what the sender was told, whether it was
#: seen waiting, and what was stored.
WITHDRAW_WHILE_SENDING = """
import json, os, sys, threading, time
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hearten.web.settings")
import django
django.setup()
from datetime import UTC, datetime
from django.db import connection, transaction
from hearten.surveys.models import Response
from hearten.surveys.services import answer
from hearten.surveys.visits import visit
from hearten.trials.models import Participant
from hearten.trials.people import withdraw
Participant.objects.update(consent="consented")
NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)  # the clock both are given
token = sys.argv[1]
v = visit(token)  # what the survey page read before the participant left
person = Participant.objects.get(invitations__token=token)
withdrawing, told, seen, sender = threading.Event(), [], [], []
def waiting():
    if connection.vendor == "postgresql":
        with connection.cursor() as c:
            c.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
            return c.fetchone()[0] > 0
    frame = sys._current_frames().get(sender[0]) if sender else None
    while frame is not None:
        if frame.f_code.co_name == "_start_transaction_under_autocommit":
            return True
        frame = frame.f_back
    return False
def leave():
    try:
        with transaction.atomic():
            withdraw(person.trial, person.pseudonym, by="participant", now=NOW)
            withdrawing.set()
            for _ in range(3000):  # polls, not a timer: at most 30 s for a stuck sender
                if waiting():
                    seen.append(True)
                    break
                time.sleep(0.01)
    finally:
        withdrawing.set()
        connection.close()
def send():
    sender.append(threading.get_ident())
    try:
        withdrawing.wait()
        answer(v, "swemwbs", {f"swemwbs_{i}": "4" for i in range(1, 8)}, "device-key-1", NOW)
        told.append("stored")
    except Exception as exc:
        told.append(type(exc).__name__ + ": " + str(exc))
    finally:
        connection.close()
threads = [threading.Thread(target=send), threading.Thread(target=leave)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(json.dumps({"told": told, "waited": bool(seen), "pages": Response.objects.count()}))
"""


@pytest.mark.long
def test_a_withdrawal_racing_a_submission_stores_nothing_after_it(tmp_path: Path) -> None:
    """A page sent while the participant's withdrawal is being written waits for it (SQLite's
    write lock; PostgreSQL's row lock on the participant) and is then refused: the page's
    earlier reading of the link does not decide."""
    from tests.web.test_soak import _database, invited

    databases = _database(tmp_path)
    env, _ = next(databases)
    try:
        (token,) = invited(env, tmp_path, FIXTURES / "design.toml", 1, teams=1)
        done = subprocess.run([sys.executable, "-c", WITHDRAW_WHILE_SENDING, token], env=env,
                              capture_output=True, text=True, timeout=120)  # fmt: skip
    finally:
        next(databases, None)
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads(done.stdout) == {
        "told": ["StateError: this participant has withdrawn: no further answers are stored"],
        "waited": True,  # the sender reached the lock while the withdrawal held it
        "pages": 0,
    }
