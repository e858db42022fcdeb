"""Creating and finding trials."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction

from hearten.errors import NotFound, StateError
from hearten.trials import audit
from hearten.trials.design import Design
from hearten.trials.models import Allocation, Arm, DiscardPermit, Trial


def create_trial(design: Design, *, now: datetime) -> Trial:
    """Store a validated design as a new trial with its arms."""
    if Trial.objects.filter(slug=design.slug).exists():
        raise StateError(
            f"a trial called {design.slug!r} exists already: give the design another slug"
        )
    with transaction.atomic():
        trial = Trial.objects.create(
            slug=design.slug,
            name=design.name,
            unit=design.unit,
            strata="" if design.strata == "none" else design.strata,
            design=design.model_dump(mode="json"),
            created_at=now,
        )
        Arm.objects.bulk_create(
            Arm(
                trial=trial,
                name=a.name,
                label=a.label,
                ratio=a.ratio,
                is_control=a.control,
                position=i,
            )
            for i, a in enumerate(design.arms)
        )
        audit.record(trial, "trial-created", {"design": trial.design}, at=now)
    return trial


def discard_trial(trial: Trial, reason: str, *, now: datetime) -> None:
    """Delete a trial and everything it holds, its allocation too, recording in the audit
    log why and what allocation went (its seed, scheme and time): the one way an allocation
    is ever deleted (the demo replacing its own trials; the triggers of
    :func:`hearten.trials.audit.allocation_kept_sql` refuse every other). The audit log keeps
    every earlier event of the trial, under its slug."""
    with transaction.atomic():
        drawn = Allocation.objects.filter(trial=trial).first()
        detail: dict[str, Any] = {"reason": reason}
        if drawn is not None:
            detail["allocation"] = {"seed": drawn.seed, "scheme": drawn.scheme,
                                    "randomised_at": drawn.created_at.isoformat()}  # fmt: skip
        audit.record(trial, "trial-discarded", detail, at=now)
        pk = trial.pk
        DiscardPermit.objects.create(trial_id=pk)
        Trial.objects.filter(pk=pk).delete()
        DiscardPermit.objects.filter(trial_id=pk).delete()


def get_trial(slug: str) -> Trial:
    """The trial called ``slug``, or :class:`NotFound` naming the trials that exist."""
    try:
        return Trial.objects.get(slug=slug)
    except Trial.DoesNotExist:
        known = ", ".join(Trial.objects.order_by("slug").values_list("slug", flat=True))
        hint = (
            f"trials here: {known}"
            if known
            else "there are no trials yet: run `hearten trial create`"
        )
        raise NotFound(f"no trial called {slug!r} ({hint})") from None


def design_of(trial: Trial) -> Design:
    """The trial's stored design, validated again."""
    return Design.model_validate(trial.design)


def ensure_user(username: str, password: str | None = None) -> Any:
    """The user called ``username``, created with ``password`` (checked) if there is none."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    from hearten.errors import DataError

    users = get_user_model()
    user = users.objects.filter(username=username).first()
    if user is None:
        if not password:
            raise DataError(f"user {username!r} does not exist: give a password to create it")
        try:
            validate_password(password, users(username=username))  # not like the username
        except ValidationError as exc:
            raise DataError("the password is too weak: " + " ".join(exc.messages)) from None
        user = users.objects.create_user(username=username, password=password)
    return user


def add_evaluator(
    trial: Trial, username: str, password: str | None = None, *, now: datetime
) -> None:
    """Make ``username`` an evaluator of ``trial``, creating the user with ``password``."""
    trial.evaluators.add(ensure_user(username, password))
    audit.record(trial, "evaluator-added", {"username": username}, at=now)
