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
from hearten.instruments import REGISTRY, Instrument, get_instrument, require_text
from hearten.surveys.models import Invitation, Response, Wave
from hearten.surveys.visits import (
    Stored,
    Visit,
    past_closing,
    refusal,
    store,
    visit,
    why_dead,
)
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
                "pages": spec.pages + spec.questions,
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


def link_dead(trial: Trial, revoked_at: datetime | None, now: datetime) -> str:
    """Why a participant link no longer works at ``now`` (the caller's clock): ``revoked``,
    ``ended`` (the trial's ``privacy.ends_on`` has passed, or its identifiable data were
    purged), or ``""``."""
    revoked, purged = revoked_at is not None, trial.purged_at is not None
    ends_on = None if revoked or purged else design_of(trial).privacy.ends_on
    return why_dead(revoked, purged, ends_on, now)


def revoke_links(trial: Trial, pseudonyms: Sequence[str] | None = None, *, now: datetime) -> int:
    """Switch off the survey links of the people named (everyone's when none are named) at
    ``now`` (the caller's clock); returns how many links stopped working."""
    people = Participant.objects.filter(trial=trial)
    if pseudonyms:
        known = set(people.filter(pseudonym__in=pseudonyms).values_list("pseudonym", flat=True))
        missing = [p for p in pseudonyms if p not in known]
        if missing:
            raise NotFound(f"no participant {missing[0]!r} in trial {trial.slug!r}")
        people = people.filter(pseudonym__in=pseudonyms)
    with transaction.atomic():
        count = Invitation.objects.filter(participant__in=people, revoked_at=None).update(
            revoked_at=now
        )
        audit.record(trial, "links-revoked", {"participants": list(pseudonyms or []),
                                               "links": count}, at=now)  # fmt: skip
    return count


def is_closed(wave: Wave, now: datetime) -> bool:
    """Closed by hand, or past its closing date on ``now``'s day (the caller's clock)."""
    return past_closing(wave.closed_at is not None, wave.closes_on, now)


def pages_of(wave: Wave) -> list[Instrument]:
    """The wave's instruments in page order (the main one first; the trial's own questions,
    which come after them, are not instruments)."""
    return [get_instrument(n) for n in (wave.pages or [wave.instrument]) if n in REGISTRY]


@dataclass(frozen=True, slots=True)
class IssuedLink:
    """A participant's link to a wave, with whom it belongs to (for the evaluator who sends
    links another way than the e-mail worker; "" once erased or purged)."""

    pseudonym: str
    token: str
    name: str = ""
    email: str = ""


def invite(wave: Wave, now: datetime) -> list[IssuedLink]:
    """Open the wave and issue links to everyone who has not declined or withdrawn and has
    none yet; schedule their invitation and reminder e-mails. ``now``: the caller's clock, against
    which the wave's opening and closing dates are checked; the time the wave opened and from
    which its e-mails are due.

    Returns every live link of the wave (new and old), so the list can be sent again: never a
    revoked one.
    """
    if is_closed(wave, now):
        raise StateError(f"wave {wave.name!r} has closed: no more links can be issued")
    today = timezone.localdate(now)
    if wave.opens_on is not None and today < wave.opens_on:
        raise StateError(f"wave {wave.name!r} opens on {wave.opens_on:%d %B %Y}, not before")
    for name in wave.pages or [wave.instrument]:
        if name in REGISTRY:  # the rest are the trial's own questions
            require_text(get_instrument(name))
    # In the stored order (the roster's, by key; pseudonyms are random): the links are
    # created, and numbered, the same way whatever order the database returns the rows in.
    people = (
        Participant.objects.filter(trial=wave.trial, withdrawn_at__isnull=True)
        .exclude(consent=Consent.DECLINED)
        .order_by("id")
    )
    have = set(wave.invitations.values_list("participant_id", flat=True))
    new = [p for p in people if p.id not in have]
    from hearten.surveys.mail import schedule

    with transaction.atomic():
        if wave.opened_at is None:
            wave.opened_at = now
            wave.save(update_fields=["opened_at"])
        Invitation.objects.bulk_create(
            Invitation(wave=wave, participant=p, token=secrets.token_urlsafe(32), created_at=now)
            for p in new
        )
        schedule(wave, now)
        audit.record(wave.trial, "wave-opened", {"wave": wave.name, "new_links": len(new)}, at=now)
    live = (
        wave.invitations.exclude(participant__consent=Consent.DECLINED)
        .filter(participant__withdrawn_at__isnull=True, revoked_at__isnull=True)
        .select_related("participant__identity")
        .order_by("participant__pseudonym")
    )
    out = []
    for i in live:
        who = getattr(i.participant, "identity", None)
        name, email = (who.name, who.email) if who is not None else ("", "")
        out.append(IssuedLink(i.participant.pseudonym, i.token, name, email))
    return out


def close_wave(wave: Wave, now: datetime) -> None:
    """Close a wave at ``now`` (the caller's clock): no more answers, links or reminders."""
    if wave.closed_at is not None:
        raise StateError(f"wave {wave.name!r} closed on {wave.closed_at:%Y-%m-%d} already")
    with transaction.atomic():
        wave.closed_at = now
        wave.save(update_fields=["closed_at"])
        audit.record(wave.trial, "wave-closed", {"wave": wave.name}, at=now)


def record_consent(
    invitation: Invitation,
    consents: bool,
    statements: Mapping[str, bool] | None = None,
    *,
    now: datetime,
) -> Participant:
    """Record a participant's answer to the consent question, and to the design's further
    statements (``statements``: ``hr``, ``interview``; only when they consent), each with the
    information sheet's version and the time.

    The first answer stands, except that a refusal can be changed to consent until the wave
    closes, and consent given for an earlier information sheet than the design's
    ``participants.consent_version`` is asked for again. A repeated answer changes nothing.
    ``now``: the caller's clock: the time recorded, and whether the wave has closed.
    """
    from hearten.surveys.study import study_of
    from hearten.trials.consent import record_answers

    p = invitation.participant
    study = study_of(p.trial)
    asked = {s for s, _ in study.statements}
    with transaction.atomic():
        fresh = Participant.objects.select_for_update().get(pk=p.pk)
        outdated = fresh.consent_version < study.consent_version
        may = fresh.withdrawn_at is None and (
            fresh.consent == Consent.PENDING
            or (
                fresh.consent == Consent.DECLINED
                and consents
                and not is_closed(invitation.wave, now)
            )
            or (fresh.consent == Consent.CONSENTED and outdated)
        )
        if may:
            Participant.objects.filter(pk=p.pk).update(
                consent=Consent.CONSENTED if consents else Consent.DECLINED,
                consent_at=now,
                consent_version=study.consent_version,
            )
            answers = {"surveys": consents}
            if consents:
                answers |= {s: bool((statements or {}).get(s)) for s in asked - {"surveys"}}
            record_answers(fresh, answers, study.consent_version, now)
            if consents:
                from hearten.surveys.mail import schedule_receipt

                schedule_receipt(invitation, now)
            audit.record(p.trial, "consent", {"participant": p.pseudonym, "consented": consents,
                                              "version": study.consent_version,
                                              "statements": answers}, at=now)  # fmt: skip
    p.refresh_from_db()
    return p


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
    *,
    now: datetime,
) -> Submission:
    """Validate, score and store one page (module docstring): the one path every caller
    takes (the survey page, the command line, the demo). The link's rules (consent,
    withdrawal, revocation, the study's end, the wave's closing) are checked at ``now`` (the
    caller's clock, also the time stored) under the participant's row lock
    (:func:`hearten.surveys.visits.store`), so none can change between the check and the
    write.

    ``key`` is the submission's idempotency key: a second call with the same key for the same
    invitation stores nothing and returns the page as stored (even if it was edited since).

    Raises:
        DataError: the answers are incomplete or out of range, the wave does not ask the
            instrument, or the key is malformed (nothing is stored).
        StateError: no consent, withdrawn, the link revoked or ended, or the wave has closed.
    """
    v = visit(invitation.token)
    if v is None:
        raise NotFound(f"invitation {invitation.pk} is no longer stored")
    stored = answer(v, instrument_name, answers, key, now)
    response = Response.objects.get(invitation_id=invitation.pk, instrument=instrument_name)
    return Submission(
        response, created=stored.created, complete=stored.complete, replayed=stored.replayed
    )


def answer(
    v: Visit,
    instrument_name: str,
    answers: Mapping[str, object],
    key: str | None,
    now: datetime,
) -> Stored:
    """:func:`save_page` for the link as the survey page has just read it (no model objects,
    for the page under load). What ``v`` says of the link's state only refuses early; the
    rules are checked again, and decide, under the lock in
    :func:`~hearten.surveys.visits.store`; both at ``now``, the caller's clock."""
    why = refusal(v.consent, v.withdrawn, v.revoked, v.purged, v.study.ends_on, now)
    if why:
        raise StateError(why)
    if key is not None and not KEY.fullmatch(key):
        raise DataError("the submission key must be 8 to 64 letters, digits, '-' or '_'")
    if instrument_name not in v.pages:
        raise DataError(f"wave {v.wave.name!r} does not ask {instrument_name!r}")
    from hearten.surveys.items import checked

    clean, scores = checked(v, instrument_name, answers)
    return store(v.invitation_id, instrument_name, clean, scores, key, now)


def submit_response(
    invitation: Invitation, answers: Mapping[str, object], *, now: datetime
) -> Submission:
    """Save the page of the wave's main instrument at ``now`` (the caller's clock); a one-page
    wave is then complete."""
    return save_page(invitation, invitation.wave.instrument, answers, now=now)
