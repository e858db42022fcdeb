"""A participant's survey link, read and answered in a few hand-written SQL statements.

Why by hand: opening and sending a survey page is the one path that must carry load (issue 10:
200 submissions a second on two cores). Django's ORM spends 0.2 to 0.5 ms of CPU composing each
query's SQL and building model objects, which was most of the cost of a survey request; the
statements here are fixed, so they are written once. The SQL is portable: the same text runs on
SQLite and PostgreSQL (Django's cursor turns ``%s`` into SQLite's ``?``), except the row lock,
which only PostgreSQL needs (SQLite's transactions here take the write lock when they begin).
The lock is a statement of its own, as the ORM's ``select_for_update`` was: a read joined to
the locked row would see the pages as they were before the wait. Everything else in Hearten
uses the ORM, and the tests read what this module writes back through the ORM.

:func:`visit` reads everything a survey page needs in one statement; :func:`store` saves one
page in one transaction (the rules are :func:`hearten.surveys.services.save_page`'s).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from hearten.errors import DataError, StateError
from hearten.surveys.study import Study, study_from_design
from hearten.trials.choices import Consent

_VISIT = """
SELECT i.id, i.opened_at IS NOT NULL, i.completed_at IS NOT NULL, i.revoked_at IS NOT NULL,
       p.consent, p.withdrawn_at IS NOT NULL,
       w.name, w.instrument, w.pages, w.closes_on, w.closed_at IS NOT NULL,
       p.erased_at IS NOT NULL, t.purged_at IS NOT NULL, t.design,
       r.instrument, r.answers, p.id, p.consent_version
FROM surveys_invitation i
JOIN trials_participant p ON p.id = i.participant_id
JOIN surveys_wave w ON w.id = i.wave_id
JOIN trials_trial t ON t.id = w.trial_id
LEFT JOIN surveys_response r ON r.invitation_id = i.id
WHERE i.token = %s
"""

_SAVED = """
SELECT i.completed_at IS NOT NULL, r.id, r.instrument,
       (SELECT k.instrument FROM surveys_receipt k WHERE k.invitation_id = i.id AND k.key = %s),
       p.consent, p.withdrawn_at IS NOT NULL, i.revoked_at IS NOT NULL, t.purged_at IS NOT NULL,
       w.closed_at IS NOT NULL, w.closes_on, w.pages, w.instrument, t.design
FROM surveys_invitation i
JOIN trials_participant p ON p.id = i.participant_id
JOIN surveys_wave w ON w.id = i.wave_id
JOIN trials_trial t ON t.id = w.trial_id
LEFT JOIN surveys_response r ON r.invitation_id = i.id
WHERE i.id = %s
"""

#: The row every rule of a link hangs on: the participant's (consent, withdrawal, erasure).
#: Every change to those locks it too (``record_consent`` selects it for update, ``withdraw``
#: and erasure update it), so a page is stored either wholly before or wholly after them.
_LOCK = """
SELECT p.id FROM trials_participant p JOIN surveys_invitation i ON i.participant_id = p.id
WHERE i.id = %s FOR UPDATE OF p
"""


@dataclass(frozen=True, slots=True)
class Named:
    """What a participant's page shows of a wave: its name."""

    name: str


@dataclass(frozen=True, slots=True)
class Visit:
    """A participant's link as it stands: the invitation, their consent, the wave's pages and
    dates, the study as participants see it (never the trial's internal name), and the answers
    saved so far (by instrument)."""

    invitation_id: int
    participant_id: int
    opened: bool
    completed: bool
    revoked: bool
    consent: Consent
    consent_version: int
    withdrawn: bool
    wave: Named
    pages: tuple[str, ...]
    closes_on: date | None
    wave_closed: bool
    study: Study
    erased: bool
    purged: bool
    saved: dict[str, dict[str, Any]]

    def dead(self, now: datetime) -> str:
        """Why the link no longer works at ``now`` (``revoked`` or ``ended``), or ``""``."""
        return why_dead(self.revoked, self.purged, self.study.ends_on, now)

    def closed(self, now: datetime) -> bool:
        """The wave has closed at ``now`` (by hand, or its closing date has passed)."""
        return past_closing(self.wave_closed, self.closes_on, now)

    def asks_consent(self) -> bool:
        """The consent page comes first: not yet answered, or consent was given for an
        information sheet since changed materially (``participants.consent_version``)."""
        return self.consent == Consent.PENDING or (
            self.consent == Consent.CONSENTED and self.consent_version < self.study.consent_version
        )

    def first_open(self, also: str | None = None) -> int | None:
        """The first page (from 0) not yet answered, or ``None`` when all are (``also``: a
        page just saved, counted as answered)."""
        answered = {*self.saved, also}
        return next((i for i, name in enumerate(self.pages) if name not in answered), None)


def why_dead(revoked: bool, purged: bool, ends_on: date | None, now: datetime) -> str:
    """Why a link no longer works (:func:`~hearten.surveys.services.link_dead`), from what
    that depends on: the link was revoked, the trial's data were purged, its ``ends_on`` has
    passed on ``now`` (the caller's clock)."""
    if revoked or purged:
        return "ended" if purged else "revoked"
    if ends_on is not None and timezone.localdate(now) > ends_on:
        return "ended"
    return ""


def past_closing(closed: bool, closes_on: date | None, now: datetime) -> bool:
    """:func:`~hearten.surveys.services.is_closed` from what it depends on, on ``now`` (the
    caller's clock)."""
    today = timezone.localdate(now)
    return closed or (closes_on is not None and today > closes_on)


def _date(value: date | str | None) -> date | None:
    """A date column's value (SQLite gives the ISO text)."""
    return date.fromisoformat(value) if isinstance(value, str) else value


def visit(token: str) -> Visit | None:
    """The link behind ``token``, or ``None`` if there is none."""
    with connection.cursor() as c:
        c.execute(_VISIT, [token])
        rows = c.fetchall()
    if not rows:
        return None
    first = rows[0]
    pages = tuple(json.loads(first[8]) or [first[7]])
    return Visit(
        invitation_id=first[0],
        participant_id=first[16],
        opened=bool(first[1]),
        completed=bool(first[2]),
        revoked=bool(first[3]),
        consent=Consent(first[4]),
        consent_version=first[17],
        withdrawn=bool(first[5]),
        wave=Named(first[6]),
        pages=pages,
        closes_on=_date(first[9]),
        wave_closed=bool(first[10]),
        study=study_from_design(first[13]),
        erased=bool(first[11]),
        purged=bool(first[12]),
        saved={r[14]: json.loads(r[15]) for r in rows if r[14] is not None},
    )


def mark_opened(invitation_id: int, now: datetime) -> None:
    """Record ``now`` (the caller's clock) as when the link was first opened (engagement:
    opened but not answered)."""
    stamp = connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as c:
        c.execute(
            "UPDATE surveys_invitation SET opened_at = %s WHERE id = %s AND opened_at IS NULL",
            [stamp, invitation_id],
        )


@dataclass(frozen=True, slots=True)
class Stored:
    """What :func:`store` did: whether the page was new, whether the survey is now complete,
    and whether the call repeated one already stored (same key)."""

    created: bool
    complete: bool
    replayed: bool


def _json(value: dict[str, Any]) -> str:
    return json.dumps(value, separators=(",", ":"))


def refusal(
    consent: Consent | str,
    withdrawn: bool,
    revoked: bool,
    purged: bool,
    ends_on: date | None,
    now: datetime,
) -> str:
    """Why a link may store no answers (the participant has not consented, has withdrawn,
    the link was revoked or the study has ended), or ``""`` when it may: the one statement of
    these rules, checked by :func:`store` under the lock."""
    if consent != Consent.CONSENTED:
        return "answers can be stored only after the participant consents"
    if withdrawn:
        return "this participant has withdrawn: no further answers are stored"
    dead = why_dead(revoked, purged, ends_on, now)
    if dead == "revoked":
        return "this link has been switched off: no further answers are stored"
    if dead:
        return "this study has ended: no further answers are stored"
    return ""


def store(
    invitation_id: int,
    instrument: str,
    answers: dict[str, Any],
    scores: dict[str, float],
    key: str | None,
    now: datetime,
) -> Stored:
    """Save one validated, scored page under the participant's row lock, at ``now`` (the
    caller's clock: the rules are checked against it and it is the time stored).

    Every rule of the link is read afresh under the lock, whatever the caller read before:
    consent, withdrawal, revocation and the study's end (:func:`refusal`; the end is the
    design's ``privacy.ends_on`` as stored now, so an amendment made since the page was read
    applies), the wave's closing (by hand, or ``closes_on`` before ``now``'s day) and the
    wave's pages (whether it still asks ``instrument``, and whether this page completes it).
    All of it comes in the one statement that reads the link's state, so a page costs no
    extra query. A repeated ``key`` stores nothing.

    Raises:
        DataError: ``key`` was stored with another page (a tampered form), or the wave no
            longer asks ``instrument`` (nothing is stored).
        StateError: a rule above refuses, or the survey is complete and this page was never
            saved (nothing is stored).
    """
    stamp = connection.ops.adapt_datetimefield_value(now)
    with transaction.atomic(), connection.cursor() as c:
        if connection.vendor == "postgresql":  # SQLite: BEGIN IMMEDIATE took the write lock
            # The lock in a statement of its own: PostgreSQL re-reads only the locked row
            # when a lock it waited for is released, so the link's state, pages and receipt
            # are read by the next statement, which sees what the other transaction committed.
            c.execute(_LOCK, [invitation_id])
        c.execute(_SAVED, [key or "", invitation_id])
        rows = c.fetchall()
        if not rows:
            raise StateError("this link is no longer stored: no answers can be kept")
        first = rows[0]
        ends_on = study_from_design(first[12]).ends_on  # cached by the design's text
        why = refusal(first[4], bool(first[5]), bool(first[6]), bool(first[7]), ends_on, now)
        if why:
            raise StateError(why)
        done_before, receipt = bool(first[0]), first[3]  # receipt: the key's page
        saved = {r[2]: r[1] for r in rows if r[1] is not None}
        existing = saved.get(instrument)
        if receipt is not None and receipt != instrument:
            raise DataError("this submission key was sent with another page: open the page again")
        if receipt is not None and existing is not None:
            return Stored(created=False, complete=done_before, replayed=True)
        if done_before:
            if existing is None:
                raise StateError("this survey is complete: no more answers are stored")
            return Stored(created=False, complete=True, replayed=False)
        pages = tuple(json.loads(first[10]) or [first[11]])
        if instrument not in pages:
            raise DataError(f"this survey no longer asks {instrument!r}: open the page again")
        if past_closing(bool(first[8]), _date(first[9]), now):
            raise StateError("this survey has closed: no more answers are stored")
        if existing is None:
            c.execute(
                "INSERT INTO surveys_response (invitation_id, instrument, submitted_at, "
                "updated_at, answers, scores) VALUES (%s, %s, %s, %s, %s, %s)",
                [invitation_id, instrument, stamp, stamp, _json(answers), _json(scores)],
            )
        else:
            c.execute(
                "UPDATE surveys_response SET answers = %s, scores = %s, updated_at = %s "
                "WHERE id = %s",
                [_json(answers), _json(scores), stamp, existing],
            )
        if key is not None and receipt is None:
            c.execute(
                "INSERT INTO surveys_receipt (invitation_id, key, instrument, received_at) "
                "VALUES (%s, %s, %s, %s)",
                [invitation_id, key, instrument, stamp],
            )
        complete = set(pages) <= {*saved, instrument}
        if complete:
            c.execute(
                "UPDATE surveys_invitation SET completed_at = %s WHERE id = %s",
                [stamp, invitation_id],
            )
    return Stored(created=existing is None, complete=complete, replayed=False)
