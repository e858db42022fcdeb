"""Changes to who takes part: withdrawal, delivery roles, and opening delivery."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.db import transaction

from hearten.errors import DataError, NotFound, StateError, one_of
from hearten.trials import audit
from hearten.trials.choices import Role, WithdrawalReason
from hearten.trials.lifecycle import design_of, ensure_user
from hearten.trials.models import Allocation, Participant, Site, Team, Trial, TrialRole


def withdraw(
    trial: Trial,
    pseudonym: str,
    reason: str = WithdrawalReason.NOT_GIVEN,
    *,
    erase: bool = False,
    by: Literal["evaluator", "participant"] = "evaluator",
    now: datetime,
) -> Participant:
    """Record that a participant has left the trial.

    They get no further invitations, reminders or interventions. What they gave before
    stays (they consented to it) unless the trial's privacy policy is to erase it, or to ask
    and they asked (``erase``; :func:`hearten.trials.privacy.erase_participant`, in the same
    transaction); either way they stay in their randomised arm for the intention-to-treat
    analysis, which counts them as not followed up. ``by``: who made the change (the audit log
    says so). ``now``: the caller's clock, the time recorded (and of the erasure, if any).
    """
    one_of(reason, [r.value for r in WithdrawalReason], "withdrawal reason", DataError)
    person = Participant.objects.filter(trial=trial, pseudonym=pseudonym).first()
    if person is None:
        raise NotFound(f"no participant {pseudonym!r} in trial {trial.slug!r}")
    if person.withdrawn_at is not None:
        raise StateError(f"{pseudonym} withdrew on {person.withdrawn_at:%Y-%m-%d} already")
    policy = design_of(trial).privacy.on_withdrawal
    if erase and policy == "keep":
        raise StateError(
            f"trial {trial.slug!r} keeps what people gave before leaving (privacy.on_withdrawal "
            "= 'keep'): erase their data separately if they ask for it"
        )
    erasing = policy == "erase" or (policy == "ask" and erase)
    with transaction.atomic():
        person.withdrawn_at = now
        person.withdrawal_reason = reason
        person.save(update_fields=["withdrawn_at", "withdrawal_reason"])
        audit.record(trial, "withdrawal", {"participant": pseudonym, "reason": reason,
                                           "by": by, "erase": erasing}, at=now)  # fmt: skip
        from hearten.trials.signals import participant_withdrawn

        participant_withdrawn.send(sender=Participant, participant=person, at=now)
        if erasing:
            from hearten.trials.privacy import erase_participant

            erase_participant(person, now=now)
    return person


def add_role(
    trial: Trial,
    username: str,
    role: str,
    teams: list[str],
    password: str | None = None,
    sites: list[str] | None = None,
    *,
    now: datetime,
) -> TrialRole:
    """Give ``username`` a delivery role: a letter writer writes for the ``teams`` named; a
    coordinator coordinates the ``sites`` named (every site when none is named)."""
    one_of(role, [r.value for r in Role], "role", DataError)
    sites = sites or []
    if role == Role.LETTER_WRITER and not teams:
        raise DataError("a letter writer writes for their own teams: give --team (repeat)")
    if role == Role.LETTER_WRITER and sites:
        raise DataError("a letter writer has teams, not sites: give --team instead of --site")
    if role == Role.COORDINATOR and teams:
        raise DataError("a coordinator coordinates sites: give --site instead of --team")
    found = {t.code: t for t in Team.objects.filter(trial=trial, code__in=teams)}
    missing = [t for t in teams if t not in found]
    if missing:
        raise NotFound(f"no team {missing[0]!r} in trial {trial.slug!r}")
    places = {s.code: s for s in Site.objects.filter(trial=trial, code__in=sites)}
    unknown = [s for s in sites if s not in places]
    if unknown:
        raise NotFound(f"no site {unknown[0]!r} in trial {trial.slug!r}")
    user = ensure_user(username, password)
    with transaction.atomic():
        granted, _ = TrialRole.objects.get_or_create(trial=trial, user=user, role=role)
        granted.teams.add(*found.values())
        granted.sites.add(*places.values())
        audit.record(trial, "role-granted", {"username": username, "role": role,
                                             "teams": teams, "sites": sites}, at=now)  # fmt: skip
    return granted


def open_delivery(trial: Trial, *, now: datetime) -> None:
    """Let coordinators and letter writers see what delivery needs (after randomisation), as
    of ``now`` (the caller's clock, recorded as the day delivery opened)."""
    if not Allocation.objects.filter(trial=trial).exists():
        raise StateError(f"trial {trial.slug!r} is not randomised: there is nothing to deliver")
    if trial.delivery_opened_at is not None:
        raise StateError(f"delivery opened on {trial.delivery_opened_at:%Y-%m-%d} already")
    with transaction.atomic():
        trial.delivery_opened_at = now
        trial.save(update_fields=["delivery_opened_at"])
        audit.record(trial, "delivery-opened", {}, at=now)
