"""Who may see which part of the allocation.

Allocation concealment protects a trial: a manager who knew which teams would get letters
before staff were enrolled or surveyed could change who takes part or how they answer. So:

* **evaluators** see the whole allocation once it exists;
* **coordinators** see, once delivery opens, the people in the intervention arms (to organise
  delivery) and never the control list;
* **letter writers** see, once delivery opens, only their own teams' staff who are to receive
  something, and never whether anyone else does;
* nobody else sees any of it. Withdrawn participants drop out of every delivery list.

Delivery opens when an evaluator says so (``hearten trial open-delivery``), after the
baseline survey has closed.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from hearten.errors import StateError
from hearten.trials.allocation import arms_by_participant
from hearten.trials.choices import Role
from hearten.trials.models import IdentityKey, Participant, Trial, TrialRole


@dataclass(frozen=True, slots=True)
class Recipient:
    """Someone delivery staff need to know about: who, in which team, and which arm."""

    pseudonym: str
    team: str
    arm: str
    staff_id: str | None


@dataclass(frozen=True, slots=True)
class DeliveryView:
    """What one user may see: their role, whether delivery is open, and the recipients."""

    role: str
    open: bool
    recipients: tuple[Recipient, ...]


def role_of(user: AbstractBaseUser | AnonymousUser, trial: Trial) -> str | None:
    """``evaluator``, ``coordinator``, ``letter-writer`` or ``None``."""
    if not user.is_authenticated:
        return None
    if trial.evaluators.filter(pk=user.pk).exists():
        return "evaluator"
    roles = set(
        TrialRole.objects.filter(trial=trial, user_id=user.pk).values_list("role", flat=True)
    )
    for role in (Role.COORDINATOR, Role.LETTER_WRITER):
        if role in roles:
            return str(role)
    return None


def trial_for(
    user: AbstractBaseUser | AnonymousUser, slug: str, roles: tuple[str, ...]
) -> tuple[Trial, str] | None:
    """The trial called ``slug`` and the user's role in it, if it is one of ``roles``;
    ``None`` otherwise, so that pages can answer "not found" without saying it exists."""
    trial = Trial.objects.filter(slug=slug).first()
    role = role_of(user, trial) if trial is not None else None
    if trial is None or role not in roles:
        return None
    return trial, str(role)


def writer_team_ids(user: AbstractBaseUser | AnonymousUser, trial: Trial) -> set[int]:
    """The teams a letter writer writes for."""
    return set(
        TrialRole.objects.filter(
            trial=trial, user_id=int(user.pk or 0), role=Role.LETTER_WRITER
        ).values_list("teams__id", flat=True)
    )


def assigned_site_ids(user: AbstractBaseUser | AnonymousUser, trial: Trial) -> set[int] | None:
    """The sites a coordinator was given, which may be none; ``None`` for anyone who is not
    a coordinator of ``trial`` (evaluators). Uploads read this: a coordinator given no site
    imports nothing."""
    if role_of(user, trial) != Role.COORDINATOR or user.pk is None:
        return None
    return {
        site
        for site in TrialRole.objects.filter(
            trial=trial, user_id=user.pk, role=Role.COORDINATOR
        ).values_list("sites__id", flat=True)
        if site is not None
    }


def coordinator_site_ids(user: AbstractBaseUser | AnonymousUser, trial: Trial) -> set[int] | None:
    """The sites a coordinator may see; ``None`` for every site (evaluators, and coordinators
    given no site: they read every site's suppressed counts, but import nothing, see
    :func:`assigned_site_ids`)."""
    return assigned_site_ids(user, trial) or None


def delivery_view(user: AbstractBaseUser | AnonymousUser, trial: Trial) -> DeliveryView:
    """The part of the allocation ``user`` may see (module docstring)."""
    role = role_of(user, trial)
    if role is None:
        raise StateError("you have no role in this trial")
    arms = arms_by_participant(trial)
    is_open = trial.delivery_opened_at is not None
    control = trial.control_arm.name if arms else None
    people = Participant.objects.filter(trial=trial, withdrawn_at__isnull=True).select_related(
        "team"
    )
    if role == "evaluator":
        chosen = [p for p in people if p.id in arms]
    elif not is_open:
        chosen = []
    elif role == Role.COORDINATOR:
        sites = coordinator_site_ids(user, trial)
        chosen = [
            p for p in people
            if arms.get(p.id) not in (None, control) and (sites is None or p.site_id in sites)
        ]  # fmt: skip
    else:
        teams = writer_team_ids(user, trial)
        chosen = [p for p in people if p.team_id in teams and arms.get(p.id) not in (None, control)]
    ids = dict(
        IdentityKey.objects.filter(participant__in=chosen).values_list("participant_id", "staff_id")
    ) if role == Role.LETTER_WRITER else {}  # fmt: skip
    return DeliveryView(
        role=role,
        open=is_open or role == "evaluator",
        recipients=tuple(
            Recipient(p.pseudonym, p.team.code, arms[p.id], ids.get(p.id))
            for p in sorted(chosen, key=lambda p: (p.team.code, p.pseudonym))
        ),
    )
