"""Coordinators' delivery records: marking each person in the intervention arms as delivered
to, returned or not deliverable, with a date, and the delivery list as a file.

Only a coordinator may mark, and only someone on their own delivery list (the intervention
arms of their sites, once delivery opens: ``trials.concealment``). A date cannot be in the
future or before delivery opened. Every mark and every download is audited.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from hearten.errors import DataError, NotFound, StateError
from hearten.interventions.models import DeliveryMark, DeliveryStatus
from hearten.trials import audit
from hearten.trials.concealment import delivery_view
from hearten.trials.models import IdentityKey, Participant, Trial


@dataclass(frozen=True, slots=True)
class Row:
    """One person on a delivery list, as coordinators see them."""

    pseudonym: str
    name: str
    team: str
    receives: str
    status: str
    on: date | None


def delivery_rows(user: Any, trial: Trial) -> list[Row]:
    """The user's delivery list (``concealment.delivery_view``) with names, the arm's label,
    the team's name, and each person's latest delivery mark."""
    view = delivery_view(user, trial)
    codes = [r.pseudonym for r in view.recipients]
    people = {
        p.pseudonym: p
        for p in Participant.objects.filter(trial=trial, pseudonym__in=codes).select_related("team")
    }
    names = dict(
        IdentityKey.objects.filter(participant__pseudonym__in=codes).values_list(
            "participant__pseudonym", "name"
        )
    )
    labels = dict(trial.arms.values_list("name", "label"))
    latest: dict[str, DeliveryMark] = {}
    for earlier in DeliveryMark.objects.filter(
        trial=trial, participant__pseudonym__in=codes
    ).select_related("participant"):
        latest[earlier.participant.pseudonym] = earlier  # ordered oldest first, so the last
    rows = []
    for r in view.recipients:
        mark = latest.get(r.pseudonym)
        team = people[r.pseudonym].team
        rows.append(
            Row(
                r.pseudonym,
                names.get(r.pseudonym) or "",
                team.name or team.code,
                labels.get(r.arm, r.arm),
                DeliveryStatus(mark.status).label if mark else "",
                mark.on if mark else None,
            )
        )
    return rows


def mark_delivery(
    user: Any, trial: Trial, pseudonym: str, status: str, on: date, *, today: date, now: datetime
) -> DeliveryMark:
    """Record that the intervention was delivered to ``pseudonym`` (or returned, or could not
    be delivered) on ``on``, a day from delivery's opening to ``today`` (the caller's clock)."""
    view = delivery_view(user, trial)
    if view.role != "coordinator":
        raise StateError("only a coordinator records delivery")
    if not view.open:
        raise StateError("delivery has not opened yet")
    if pseudonym not in {r.pseudonym for r in view.recipients}:
        raise NotFound(f"{pseudonym} is not on your delivery list")
    if status not in DeliveryStatus.values:
        raise DataError(
            f"unknown delivery status {status!r}: use {', '.join(DeliveryStatus.values)}"
        )
    opened = trial.delivery_opened_at
    if on > today or (opened is not None and on < opened.date()):
        raise DataError(
            f"the date {on:%-d %B %Y} must be between the day delivery opened and today"
        )
    person = Participant.objects.get(trial=trial, pseudonym=pseudonym)
    return audit.create_recorded(
        trial,
        "delivery-marked",
        DeliveryMark,
        lambda _: {"participant": pseudonym, "status": status, "on": on.isoformat()},
        trial=trial,
        participant=person,
        status=status,
        on=on,
        recorded_by=user,
        at=now,
    )


def _cell(text: str) -> str:
    """A cell a spreadsheet will not run as a formula (a leading =, +, - or @ is quoted)."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@") else text


def delivery_csv(user: Any, trial: Trial, *, now: datetime) -> str:
    """The user's delivery list as CSV text; the download is audited."""
    rows = delivery_rows(user, trial)
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["team", "name", "study_code", "receives", "delivery", "on"])
    for r in rows:
        w.writerow([_cell(r.team), _cell(r.name), r.pseudonym, _cell(r.receives), r.status,
                    r.on or ""])  # fmt: skip
    audit.record(trial, "exported", {"what": "delivery list", "rows": len(rows)}, at=now)
    return out.getvalue()
