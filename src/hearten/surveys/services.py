"""Opening waves, issuing links, recording consent and storing responses."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from hearten.errors import NotFound, StateError
from hearten.instruments import Instrument, get_instrument
from hearten.surveys.models import Invitation, Response, Wave
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
            trial=trial, name=spec.name, defaults={"instrument": spec.instrument, "position": i}
        )
        waves.append(wave)
    return waves


def get_wave(trial: Trial, name: str) -> Wave:
    try:
        return Wave.objects.get(trial=trial, name=name)
    except Wave.DoesNotExist:
        names = ", ".join(trial.waves.values_list("name", flat=True))
        raise NotFound(f"trial {trial.slug!r} has no wave {name!r} (waves: {names})") from None


@dataclass(frozen=True, slots=True)
class IssuedLink:
    """A participant's link to a wave."""

    pseudonym: str
    token: str


def invite(wave: Wave) -> list[IssuedLink]:
    """Issue links to everyone in the trial who has not declined or withdrawn and has none for
    this wave.

    Returns every live link of the wave (new and old), so the list can be sent again.
    """
    people = Participant.objects.filter(trial=wave.trial, withdrawn_at__isnull=True).exclude(
        consent=Consent.DECLINED
    )
    have = set(wave.invitations.values_list("participant_id", flat=True))
    new = [p for p in people if p.id not in have]
    with transaction.atomic():
        Invitation.objects.bulk_create(
            Invitation(wave=wave, participant=p, token=secrets.token_urlsafe(32)) for p in new
        )
        audit.record(wave.trial, "wave-opened", {"wave": wave.name, "new_links": len(new)})
    live = (
        wave.invitations.exclude(participant__consent=Consent.DECLINED)
        .filter(participant__withdrawn_at__isnull=True)
        .select_related("participant")
        .order_by("participant__pseudonym")
    )
    return [IssuedLink(i.participant.pseudonym, i.token) for i in live]


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
    return get_instrument(invitation.wave.instrument)


@dataclass(frozen=True, slots=True)
class Submission:
    """The stored response, and whether this call stored it (``False``: already answered)."""

    response: Response
    created: bool


def submit_response(invitation: Invitation, answers: Mapping[str, object]) -> Submission:
    """Validate, score and store a response exactly once.

    Raises:
        DataError: the answers are incomplete or out of range (nothing is stored).
        StateError: the participant has not consented.
    """
    if invitation.participant.consent != Consent.CONSENTED:
        raise StateError("answers can be stored only after the participant consents")
    if invitation.participant.withdrawn_at is not None:
        raise StateError("this participant has withdrawn: no further answers are stored")
    instrument = instrument_of(invitation)
    clean = instrument.validate(answers)
    scores = instrument.score(clean).values
    existing = Response.objects.filter(invitation=invitation).first()
    if existing is not None:
        return Submission(existing, created=False)
    try:
        with transaction.atomic():
            response = Response.objects.create(
                invitation=invitation, answers=clean, scores=dict(scores)
            )
    except IntegrityError:  # a concurrent submission of the same invitation won the race
        return Submission(Response.objects.get(invitation=invitation), created=False)
    return Submission(response, created=True)
