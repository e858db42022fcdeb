"""Opening and closing waves, issuing links, recording consent and saving answers page by page.

A wave asks one or more instruments, one page each. Each page is saved as soon as it is
sent, so a participant can stop and carry on later, on another device, from their personal
link. A page can be saved again (the back button, a second device) until the last page is
saved, which completes the invitation; after that nothing changes. A page is stored once per
invitation (a database constraint), so no double submit can duplicate it, and every page
form carries an idempotency key (:class:`~hearten.surveys.models.Receipt`), so a repeated
submission is acknowledged without being applied again.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from hearten.errors import DataError, NotFound, StateError
from hearten.instruments import Instrument, get_instrument, require_text
from hearten.surveys.models import Invitation, Receipt, Response, Wave
from hearten.trials import audit
from hearten.trials.choices import Consent
from hearten.trials.lifecycle import design_of
from hearten.trials.models import Participant, Trial


def plan_waves(trial: Trial) -> list[Wave]:
    """Create the trial's waves from its design (once)."""
    design = design_of(trial)
    waves = []
    for i, spec in enumerate(design.waves):
        wave, _ = Wave.objects.get_or_create(
            trial=trial,
            name=spec.name,
            defaults={
                "instrument": spec.instrument,
                "pages": spec.pages,
                "position": i,
                "opens_on": spec.opens,
                "closes_on": spec.closes,
                "reminder_days": spec.reminders,
            },
        )
        waves.append(wave)
    return waves


def get_wave(trial: Trial, name: str) -> Wave:
    try:
        return Wave.objects.get(trial=trial, name=name)
    except Wave.DoesNotExist:
        names = ", ".join(trial.waves.values_list("name", flat=True))
        raise NotFound(f"trial {trial.slug!r} has no wave {name!r} (waves: {names})") from None


def link_dead(trial: Trial, revoked_at: datetime | None, now: datetime | None = None) -> str:
    """Why a participant link no longer works: ``revoked``, ``ended`` (the trial's
    ``privacy.ends_on`` has passed, or its identifiable data were purged), or ``""``."""
    if revoked_at is not None or trial.purged_at is not None:
        return "revoked" if trial.purged_at is None else "ended"
    ends = design_of(trial).privacy.ends_on
    if ends is not None and timezone.localdate(now or timezone.now()) > ends:
        return "ended"
    return ""


def revoke_links(trial: Trial, pseudonyms: Sequence[str] | None = None) -> int:
    """Switch off the survey links of the people named (everyone's when none are named);
    returns how many links stopped working."""
    people = Participant.objects.filter(trial=trial)
    if pseudonyms:
        known = set(people.filter(pseudonym__in=pseudonyms).values_list("pseudonym", flat=True))
        missing = [p for p in pseudonyms if p not in known]
        if missing:
            raise NotFound(f"no participant {missing[0]!r} in trial {trial.slug!r}")
        people = people.filter(pseudonym__in=pseudonyms)
    with transaction.atomic():
        count = Invitation.objects.filter(participant__in=people, revoked_at=None).update(
            revoked_at=timezone.now()
        )
        audit.record(trial, "links-revoked", {"participants": list(pseudonyms or []),
                                               "links": count})  # fmt: skip
    return count


def is_closed(wave: Wave, now: datetime | None = None) -> bool:
    """Closed by hand, or past its closing date."""
    today = timezone.localdate(now or timezone.now())
    return wave.closed_at is not None or (wave.closes_on is not None and today > wave.closes_on)


def pages_of(wave: Wave) -> list[Instrument]:
    """The wave's instruments in page order (the main one first)."""
    return [get_instrument(name) for name in (wave.pages or [wave.instrument])]


@dataclass(frozen=True, slots=True)
class IssuedLink:
    """A participant's link to a wave."""

    pseudonym: str
    token: str


def invite(wave: Wave) -> list[IssuedLink]:
    """Open the wave and issue links to everyone who has not declined or withdrawn and has
    none yet; schedule their invitation and reminder e-mails.

    Returns every live link of the wave (new and old), so the list can be sent again.
    """
    if is_closed(wave):
        raise StateError(f"wave {wave.name!r} has closed: no more links can be issued")
    today = timezone.localdate()
    if wave.opens_on is not None and today < wave.opens_on:
        raise StateError(f"wave {wave.name!r} opens on {wave.opens_on:%d %B %Y}, not before")
    for instrument in pages_of(wave):
        require_text(instrument)
    people = Participant.objects.filter(trial=wave.trial, withdrawn_at__isnull=True).exclude(
        consent=Consent.DECLINED
    )
    have = set(wave.invitations.values_list("participant_id", flat=True))
    new = [p for p in people if p.id not in have]
    from hearten.surveys.mail import schedule

    with transaction.atomic():
        if wave.opened_at is None:
            wave.opened_at = timezone.now()
            wave.save(update_fields=["opened_at"])
        Invitation.objects.bulk_create(
            Invitation(wave=wave, participant=p, token=secrets.token_urlsafe(32)) for p in new
        )
        schedule(wave)
        audit.record(wave.trial, "wave-opened", {"wave": wave.name, "new_links": len(new)})
    live = (
        wave.invitations.exclude(participant__consent=Consent.DECLINED)
        .filter(participant__withdrawn_at__isnull=True)
        .select_related("participant")
        .order_by("participant__pseudonym")
    )
    return [IssuedLink(i.participant.pseudonym, i.token) for i in live]


def close_wave(wave: Wave) -> None:
    """Close a wave: no more answers, links or reminders."""
    if wave.closed_at is not None:
        raise StateError(f"wave {wave.name!r} closed on {wave.closed_at:%Y-%m-%d} already")
    with transaction.atomic():
        wave.closed_at = timezone.now()
        wave.save(update_fields=["closed_at"])
        audit.record(wave.trial, "wave-closed", {"wave": wave.name})


def open_invitation(token: str) -> Invitation:
    """The invitation behind a link; :class:`NotFound` for an unknown token."""
    try:
        inv = Invitation.objects.select_related("wave__trial", "participant").get(token=token)
    except Invitation.DoesNotExist:
        raise NotFound("this survey link is not valid: check it was copied in full") from None
    if inv.opened_at is None:
        Invitation.objects.filter(pk=inv.pk, opened_at=None).update(opened_at=timezone.now())
    return inv


def record_consent(invitation: Invitation, consents: bool) -> Participant:
    """Record a participant's consent or refusal. Only the first answer counts."""
    p = invitation.participant
    with transaction.atomic():
        updated = Participant.objects.filter(pk=p.pk, consent=Consent.PENDING).update(
            consent=Consent.CONSENTED if consents else Consent.DECLINED,
            consent_at=timezone.now(),
        )
        if updated:
            audit.record(p.trial, "consent", {"participant": p.pseudonym, "consented": consents})
    p.refresh_from_db()
    return p


def instrument_of(invitation: Invitation) -> Instrument:
    """The wave's main instrument."""
    return get_instrument(invitation.wave.instrument)


def saved_pages(invitation: Invitation) -> dict[str, Response]:
    """The pages answered so far, by instrument name."""
    return {r.instrument: r for r in Response.objects.filter(invitation=invitation)}


def next_page(invitation: Invitation, saved: Mapping[str, Response] | None = None) -> int | None:
    """The first page (from 0) not yet answered, or ``None`` when all are (``saved``: the
    pages answered, when already read)."""
    saved = saved_pages(invitation) if saved is None else saved
    for index, instrument in enumerate(pages_of(invitation.wave)):
        if instrument.name not in saved:
            return index
    return None


@dataclass(frozen=True, slots=True)
class Submission:
    """The stored page, whether this call stored or changed it, whether the whole survey is
    now complete, and whether the call was a repeat of one already stored (same key)."""

    response: Response
    created: bool
    complete: bool = False
    replayed: bool = False


#: What a submission key may look like (the form's hidden ``receipt`` field).
KEY = re.compile(r"[A-Za-z0-9_-]{8,64}")


def new_key() -> str:
    """A fresh idempotency key for one rendering of a survey page."""
    return secrets.token_urlsafe(16)


def save_page(
    invitation: Invitation,
    instrument_name: str,
    answers: Mapping[str, object],
    key: str | None = None,
) -> Submission:
    """Validate, score and store one page (module docstring).

    ``key`` is the submission's idempotency key: a second call with the same key for the same
    invitation stores nothing and returns the page as stored (even if it was edited since).

    Raises:
        DataError: the answers are incomplete or out of range, or the key is malformed
            (nothing is stored).
        StateError: no consent, withdrawn, or the wave has closed.
    """
    p = invitation.participant
    if p.consent != Consent.CONSENTED:
        raise StateError("answers can be stored only after the participant consents")
    if p.withdrawn_at is not None:
        raise StateError("this participant has withdrawn: no further answers are stored")
    if key is not None and not KEY.fullmatch(key):
        raise DataError("the submission key must be 8 to 64 letters, digits, '-' or '_'")
    names = [i.name for i in pages_of(invitation.wave)]
    if instrument_name not in names:
        raise DataError(f"wave {invitation.wave.name!r} does not ask {instrument_name!r}")
    instrument = get_instrument(instrument_name)
    clean = instrument.validate(answers)
    scores = dict(instrument.score(clean).values)
    with transaction.atomic():
        # The row lock serialises every save of this invitation's pages (SQLite: the whole
        # database), so the reads below cannot race another device or a retry.
        fresh = Invitation.objects.select_for_update().get(pk=invitation.pk)
        saved = {r.instrument: r for r in Response.objects.filter(invitation=fresh)}
        existing = saved.get(instrument_name)
        done_before = fresh.completed_at is not None
        if (
            key is not None
            and existing is not None
            and Receipt.objects.filter(invitation=fresh, key=key).exists()
        ):
            return Submission(existing, created=False, complete=done_before, replayed=True)
        if done_before:
            if existing is None:
                raise StateError("this survey is complete: no more answers are stored")
            return Submission(existing, created=False, complete=True)
        if is_closed(invitation.wave):
            raise StateError("this survey has closed: no more answers are stored")
        if existing is None:
            response = Response.objects.create(
                invitation=fresh, instrument=instrument_name, answers=clean, scores=scores
            )
        else:
            response = existing
            response.answers, response.scores = clean, scores
            response.save(update_fields=["answers", "scores", "updated_at"])
        if key is not None:
            Receipt.objects.create(invitation=fresh, key=key, instrument=instrument_name)
        complete = set(names) <= {*saved, instrument_name}
        if complete:
            fresh.completed_at = timezone.now()
            fresh.save(update_fields=["completed_at"])
    return Submission(response, created=existing is None, complete=complete)


def submit_response(invitation: Invitation, answers: Mapping[str, object]) -> Submission:
    """Save the page of the wave's main instrument (a one-page wave is then complete)."""
    return save_page(invitation, invitation.wave.instrument, answers)
