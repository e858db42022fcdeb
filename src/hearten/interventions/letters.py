"""Personal recognition letters: written by a person's own manager, checked for being really
personal and for naming nobody who uses services (``safeguarding``), signed by a senior
signatory, printed or e-mailed, and logged.

A letter that passes every check is **ready**: its writer previews the whole letter (as a page
and as the PDF that will be printed) and **sends** it for printing, which approves it. Until
it is posted or e-mailed the writer can **withdraw** it (back to ready, not printed) and
rewrite it.

Only the trial's letters arm can get one (a letter to anyone else is refused, without saying
which arm they are in), only a letter writer for the person's team can write it, only once
delivery is open, and never to someone who has withdrawn: a withdrawal stops a letter not yet
posted or e-mailed. Every step is an audit event.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from hearten.errors import DataError, NotFound, StateError
from hearten.interventions.models import Letter, LetterPlan
from hearten.interventions.personalisation import MAX_CHARACTERS, check_letter
from hearten.interventions.safeguarding import Concern, concerns
from hearten.trials import audit
from hearten.trials.allocation import arms_by_participant
from hearten.trials.concealment import writer_team_ids
from hearten.trials.models import IdentityKey, Participant, Trial

DEFAULT_TEMPLATE = (
    "Dear {first_name},\n\n"
    "I am writing to thank you personally for your work in {team}. Your manager told me this:\n\n"
    "{lines}\n\n"
    "The work you do for children and families matters, and I want you to know that it is "
    "seen and valued.\n\n"
    "With thanks,\n\n{signatory}\n{signatory_title}"
)
FIELDS = ("name", "first_name", "team", "lines", "writer", "signatory", "signatory_title")


def set_plan(
    trial: Trial,
    arm: str,
    signatory: str,
    title: str,
    template: str = DEFAULT_TEMPLATE,
    deadline: date | None = None,
    *,
    now: datetime,
) -> LetterPlan:
    """Say which arm gets letters, who signs them, their fixed wording, and (optionally) the
    date managers should have written them by."""
    arms = {a.name: a for a in trial.arms.all()}
    if arm not in arms:
        raise DataError(f"no arm {arm!r} in trial {trial.slug!r} (arms: {', '.join(arms)})")
    if arms[arm].is_control:
        raise DataError(f"{arm!r} is the control arm: letters go to an intervention arm")
    if "{lines}" not in template:
        raise DataError("the template must contain {lines}, where the manager's words go")
    try:
        template.format(**{f: "" for f in FIELDS})
    except (KeyError, IndexError, ValueError) as exc:
        raise DataError(
            f"the template has an unknown merge field {exc}: use {', '.join(FIELDS)} in braces"
        ) from None
    if not signatory.strip() or not title.strip():
        raise DataError("give the signatory's name and title")
    with transaction.atomic():
        plan, _ = LetterPlan.objects.update_or_create(
            trial=trial,
            defaults={
                "arm": arm,
                "signatory": signatory.strip(),
                "signatory_title": title.strip(),
                "template": template,
                "deadline": deadline,
            },
        )
        audit.record(
            trial,
            "letter-plan-set",
            {
                "arm": arm,
                "signatory": signatory,
                "deadline": deadline.isoformat() if deadline else None,
            },
            at=now,
        )
    return plan


def _plan(trial: Trial) -> LetterPlan:
    plan = LetterPlan.objects.filter(trial=trial).first()
    if plan is None:
        raise StateError(
            f"trial {trial.slug!r} has no letter plan: run `hearten letters plan {trial.slug}`"
        )
    return plan


@dataclass(frozen=True, slots=True)
class Recipient:
    """One of a writer's staff who is to get a letter, and their letter so far."""

    participant: Participant
    name: str
    letter: Letter | None


def recipients_for(user: Any, trial: Trial, pseudonym: str | None = None) -> list[Recipient]:
    """The writer's own staff in the letters arm (none before delivery opens); only the
    person called ``pseudonym``, when given."""
    plan = _plan(trial)
    if trial.delivery_opened_at is None:
        return []
    teams = writer_team_ids(user, trial)
    people = Participant.objects.filter(
        trial=trial, team_id__in=teams, withdrawn_at__isnull=True
    ).order_by("team__code", "pseudonym")
    if pseudonym is not None:
        people = people.filter(pseudonym=pseudonym)
    arms = arms_by_participant(trial, people)
    chosen = [p for p in people.select_related("team") if arms.get(p.id) == plan.arm]
    names = dict(
        IdentityKey.objects.filter(participant__in=chosen).values_list("participant_id", "name")
    )
    letters = {lt.participant_id: lt for lt in Letter.objects.filter(participant__in=chosen)}
    return [Recipient(p, names.get(p.id) or p.pseudonym, letters.get(p.id)) for p in chosen]


class UnsafeLetter(DataError):
    """A letter that names or identifies someone who uses services: refused, not saved."""

    def __init__(self, found: tuple[Concern, ...]) -> None:
        self.concerns = found
        more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
        super().__init__(found[0].reason + more)


def safeguarding_concerns(trial: Trial, lines: str) -> tuple[Concern, ...]:
    """``safeguarding.concerns`` with the trial's staff roster and staff users as the names
    a letter may use, and its sites and teams as places."""
    from django.contrib.auth import get_user_model

    staff = list(
        IdentityKey.objects.filter(participant__trial=trial).values_list("name", flat=True)
    )
    users = get_user_model().objects.filter(trial_roles__trial=trial).distinct()
    staff += [f"{u.first_name} {u.last_name}" for u in users]
    places = list(trial.sites.values_list("code", flat=True))
    places += list(trial.teams.values_list("code", flat=True))
    return concerns(lines, staff, places)


def write_letter(user: Any, trial: Trial, pseudonym: str, lines: str, *, now: datetime) -> Letter:
    """Save a writer's lines for one person, checked (``personalisation``); ready to send
    when every check passes, otherwise kept as a draft with the reasons. Lines that name or
    identify someone who uses services are refused (``UnsafeLetter``) and not saved. A letter
    sent for printing must be withdrawn (``withdraw_letter``) before it is rewritten."""
    allowed = {r.participant.pseudonym: r for r in recipients_for(user, trial, pseudonym)}
    if trial.delivery_opened_at is None:
        raise StateError("letters can be written once delivery opens")
    if pseudonym not in allowed:
        raise DataError(
            f"{pseudonym} is not one of your staff who are to receive a letter: you can write "
            "only for the people listed on your letters page"
        )
    if len(lines) > MAX_CHARACTERS:
        raise DataError(
            f"the letter is {len(lines):,} characters long: shorten it to {MAX_CHARACTERS:,} "
            "or fewer (a few sentences about what this person did)"
        )
    person = allowed[pseudonym].participant
    existing = allowed[pseudonym].letter
    if existing is not None and existing.status in ("approved", "printed"):
        raise StateError(
            f"the letter to {pseudonym} has been sent for printing: withdraw it first to rewrite it"
        )
    if existing is not None and existing.status not in ("draft", "ready", "returned"):
        raise StateError(f"the letter to {pseudonym} was {existing.status} already")
    plan = _plan(trial)
    unsafe = safeguarding_concerns(trial, lines)
    if unsafe:
        audit.record(
            trial,
            "letter-refused",
            {"participant": pseudonym, "rules": sorted({c.rule for c in unsafe})},
            at=now,
        )
        raise UnsafeLetter(unsafe)
    others = Letter.objects.filter(trial=trial).exclude(participant=person)
    result = check_letter(lines, others.values_list("lines", flat=True), plan.template)
    written = {
        "trial": trial,
        "writer": user,
        "lines": lines.strip(),
        "score": result.score,
        "problems": list(result.problems),
        "status": "ready" if result.passed else "draft",
        "updated_at": now,
    }
    with transaction.atomic():
        letter, _ = Letter.objects.update_or_create(
            participant=person,
            defaults={**written, "approved_at": None},
            create_defaults={**written, "written_at": now},
        )
        audit.record(
            trial,
            "letter-written",
            {"participant": pseudonym, "score": result.score, "ready": result.passed},
            at=now,
        )
    return letter


def _own_letter(user: Any, trial: Trial, pseudonym: str) -> Letter:
    allowed = {r.participant.pseudonym: r for r in recipients_for(user, trial, pseudonym)}
    if pseudonym not in allowed or allowed[pseudonym].letter is None:
        raise NotFound(f"no letter of yours to {pseudonym}: write it first")
    letter = allowed[pseudonym].letter
    assert letter is not None  # for the type checker: checked just above
    return letter


def send_letter(user: Any, trial: Trial, pseudonym: str, *, now: datetime) -> Letter:
    """The writer, having previewed it, sends a ready letter for printing (approves it) at
    ``now`` (the caller's clock, recorded as the time it was approved)."""
    letter = _own_letter(user, trial, pseudonym)
    if letter.status != "ready":
        raise StateError(
            f"the letter to {pseudonym} is {letter.status}: only a letter that passes every "
            "check, and has not been sent, can be sent for printing"
        )
    with transaction.atomic():
        Letter.objects.filter(pk=letter.pk, status="ready").update(
            status="approved", approved_at=now
        )
        audit.record(trial, "letter-sent", {"participant": pseudonym}, at=now)
    letter.refresh_from_db()
    return letter


def withdraw_letter(user: Any, trial: Trial, pseudonym: str, *, now: datetime) -> Letter:
    """The writer takes back a letter sent for printing, until it is posted or e-mailed; it is
    ready again, to rewrite or send again (a printed copy must not be posted)."""
    letter = _own_letter(user, trial, pseudonym)
    if letter.status not in ("approved", "printed"):
        raise StateError(
            f"the letter to {pseudonym} is {letter.status}: only a letter sent for printing "
            "and not yet posted or e-mailed can be withdrawn"
        )
    with transaction.atomic():
        Letter.objects.filter(pk=letter.pk, status__in=["approved", "printed"]).update(
            status="ready", approved_at=None, printed_at=None
        )
        audit.record(
            trial, "letter-withdrawn", {"participant": pseudonym, "was": letter.status}, at=now
        )
    letter.refresh_from_db()
    return letter


def letter_text(letter: Letter) -> str:
    """The whole letter, the plan's template with its merge fields filled in: ``first_name``
    is the roster's preferred name (else the first word of the name), ``team`` the team's
    name (else its code)."""
    plan = _plan(letter.trial)
    p = letter.participant
    identity = IdentityKey.objects.filter(participant=p).first()
    name = identity.name if identity else ""
    preferred = identity.preferred_name if identity else ""
    first = preferred or (name.split()[0] if name.split() else "")
    writer = letter.writer.get_full_name() or letter.writer.get_username()
    return plan.template.format(
        name=name or "colleague",
        first_name=first or "colleague",
        team=p.team.name or p.team.code,
        lines=letter.lines,
        writer=writer,
        signatory=plan.signatory,
        signatory_title=plan.signatory_title,
    )


def _deliverable(trial: Trial, statuses: Iterable[str], now: datetime) -> list[Letter]:
    """Letters in ``statuses``; any to someone who has withdrawn is stopped instead, at
    ``now``."""
    out = []
    for letter in Letter.objects.filter(trial=trial, status__in=list(statuses)).select_related(
        "participant__team", "writer"
    ):
        if letter.participant.withdrawn_at is not None:
            stop(letter, now=now)
            continue
        out.append(letter)
    return out


def stop(letter: Letter, *, now: datetime) -> None:
    """Stop a letter not yet posted or e-mailed (its recipient withdrew) at ``now`` (the
    caller's clock, recorded as the time it was stopped)."""
    if letter.status in ("posted", "emailed", "stopped"):
        return
    with transaction.atomic():
        Letter.objects.filter(pk=letter.pk).update(status="stopped", stopped_at=now)
        audit.record(
            letter.trial, "letter-stopped", {"participant": letter.participant.pseudonym}, at=now
        )


def stop_for(participant: Participant, *, now: datetime) -> None:
    """Stop a withdrawn participant's letter, if they have one, at ``now`` (the time the
    withdrawal was recorded)."""
    letter = Letter.objects.filter(participant=participant).first()
    if letter is not None:
        stop(letter, now=now)


def print_letters(trial: Trial, folder: Path, now: datetime, each: bool = True) -> list[Path]:
    """Print-ready PDFs of every approved letter: one combined file and (``each``) one per
    person. ``now``: the caller's clock (the letters' date and the time they were printed)."""
    from hearten.interventions.pdf import write_letters

    letters = _deliverable(trial, ["approved", "printed"], now)
    if not letters:
        raise StateError("no approved letters to print")
    addresses = dict(
        IdentityKey.objects.filter(participant__in=[lt.participant for lt in letters]).values_list(
            "participant_id", "address"
        )
    )
    pages = [
        (lt.participant.pseudonym, letter_text(lt), addresses.get(lt.participant_id, ""))
        for lt in letters
    ]
    paths = write_letters(pages, folder, timezone.localdate(now), each)
    with transaction.atomic():
        Letter.objects.filter(pk__in=[lt.pk for lt in letters], status="approved").update(
            status="printed", printed_at=now
        )
        audit.record(trial, "letters-printed", {"letters": len(letters)}, at=now)
    return paths


def mark_posted(trial: Trial, pseudonyms: list[str] | None = None, *, now: datetime) -> int:
    """Record letters as posted at ``now`` (the caller's clock): the ones named, or every
    printed one."""
    letters = _deliverable(trial, ["printed"], now)
    if pseudonyms:
        known = {lt.participant.pseudonym for lt in letters}
        missing = [p for p in pseudonyms if p not in known]
        if missing:
            raise NotFound(f"no printed letter for {missing[0]}")
        letters = [lt for lt in letters if lt.participant.pseudonym in pseudonyms]
    with transaction.atomic():
        Letter.objects.filter(pk__in=[lt.pk for lt in letters]).update(
            status="posted", posted_at=now
        )
        audit.record(trial, "letters-posted", {"letters": len(letters)}, at=now)
    return len(letters)


def email_letters(trial: Trial, now: datetime) -> int:
    """E-mail every approved or printed letter, as a PDF, to those with an address.
    ``now``: the caller's clock (the letters' date and the time they were sent)."""
    from django.conf import settings
    from django.core.mail import EmailMessage

    from hearten.interventions.pdf import letter_pdf

    sent = 0
    for letter in _deliverable(trial, ["approved", "printed"], now):
        email = (
            IdentityKey.objects.filter(participant=letter.participant)
            .values_list("email", flat=True)
            .first()
        )
        if not email:
            continue
        message = EmailMessage(
            f"A letter for you from {_plan(trial).signatory}",
            letter_text(letter),
            settings.DEFAULT_FROM_EMAIL,
            [email],
        )
        pdf = letter_pdf(letter_text(letter), "", timezone.localdate(now))
        message.attach("letter.pdf", pdf, "application/pdf")
        message.send(fail_silently=False)
        Letter.objects.filter(pk=letter.pk).update(status="emailed", emailed_at=now)
        audit.record(trial, "letter-emailed", {"participant": letter.participant.pseudonym}, at=now)
        sent += 1
    return sent
