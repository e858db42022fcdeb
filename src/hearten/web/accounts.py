"""Staff accounts: their council e-mail addresses, by which a sign-in with a council account
finds its Hearten account (:mod:`hearten.web.council_sign_in`), clearing the link to a council
account, switching accounts off, and the record of council sign-ins for the council's IT and
data protection staff.

An address belongs to one account at most, compared without regard to case, as providers
and mail servers compare them; an account made for council sign-in alone has no usable
password, so nobody can sign in to it with a Hearten password.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from hearten.errors import DataError, NotFound


def _checked(email: str, username: str) -> str:
    email = email.strip()
    try:
        validate_email(email)
    except ValidationError:
        raise DataError(
            f"{email!r} is not an e-mail address: give the address the council's sign-in "
            "service has for this person, such as sam.jones@council.gov.uk"
        ) from None
    taken = (
        get_user_model()
        .objects.filter(email__iexact=email)
        .exclude(username=username)
        .values_list("username", flat=True)
        .first()
    )
    if taken is not None:
        raise DataError(
            f"the account {taken!r} already has {email!r}: an address can belong to one "
            "account only (change or clear that account's address first)"
        )
    return email


def add_account(username: str, email: str) -> Any:
    """A new account that signs in with a council account only (no Hearten password)."""
    users = get_user_model()
    with transaction.atomic():
        if users.objects.filter(username=username).exists():
            raise DataError(
                f"there is already an account called {username!r}: set its address with "
                f"`hearten user email {username} ADDRESS`"
            )
        return users.objects.create_user(
            username=username, email=_checked(email, username), password=None
        )


def set_email(username: str, email: str) -> Any:
    """Set (or change) the council e-mail address of an existing account."""
    users = get_user_model()
    with transaction.atomic():
        user = users.objects.select_for_update().filter(username=username).first()
        if user is None:
            raise NotFound(f"no account called {username!r}")
        user.email = _checked(email, username)
        user.save(update_fields=["email"])
        return user


def set_active(username: str, active: bool) -> Any:
    """Enable or disable an account. A disabled account cannot sign in by any route, and its
    open sessions end at their next request (Django's model backend no longer finds the user):
    for someone who leaves, alongside the council disabling their council account."""
    users = get_user_model()
    with transaction.atomic():
        user = users.objects.select_for_update().filter(username=username).first()
        if user is None:
            raise NotFound(f"no account called {username!r}")
        user.is_active = active
        user.save(update_fields=["is_active"])
        return user


def unlink(username: str) -> int:
    """Clear the link between an account and its council account (how many links there
    were): its next council sign-in is matched by e-mail address again and links the council
    account it comes from. For someone whose council account was replaced, or an address the
    council reassigned to the right person; recorded among the council sign-ins."""
    from hearten.web.models import CouncilIdentity, CouncilSignIn, SignInOutcome

    users = get_user_model()
    with transaction.atomic():
        user = users.objects.select_for_update().filter(username=username).first()
        if user is None:
            raise NotFound(f"no account called {username!r}")
        removed, _ = CouncilIdentity.objects.filter(user=user).delete()
        if removed:
            CouncilSignIn.objects.create(
                outcome=SignInOutcome.UNLINKED, user=user, reason="hearten user unlink"
            )
        return removed


def clear_expired_sessions(now: datetime) -> int:
    """Delete the sign-in sessions past their expiry at ``now`` (the worker's clock; how
    many): a session ended by its time
    rather than by signing out would otherwise stay in the session table for good, with what
    it holds (after a council sign-in, the provider's ID token, which names the person).
    Django's ``clearsessions`` command does the same; ``hearten worker`` runs this on each
    round."""
    from django.contrib.sessions.models import Session

    deleted, _ = Session.objects.filter(expire_date__lt=now).delete()
    return deleted


def prune_sign_ins(now: datetime) -> int:
    """Delete the council sign-ins recorded more than ``HEARTEN_SIGN_IN_RECORD_DAYS`` before
    ``now`` (how many): the record points to a person's account, so it is kept only as long
    as the deployment says (the DPIA summary states it); ``hearten worker`` runs this on each
    round."""
    from hearten.web.models import CouncilSignIn

    days = settings.HEARTEN.sign_in_record_days
    deleted, _ = CouncilSignIn.objects.filter(at__lt=now - timedelta(days=days)).delete()
    return deleted


@dataclass(frozen=True, slots=True)
class SignInRecord:
    """One council sign-in as ``hearten user sign-ins`` shows it.

    ``at``: when (aware datetime); ``outcome``: a :class:`hearten.web.models.SignInOutcome`
    value; ``username``: the matched account, empty when none was; ``reason``: why it was
    refused (empty when signed in at once; "Hearten's code accepted" for the ``signed-in`` row
    that follows an ``awaiting-second-factor`` one); ``second_factor_by_provider``: whether
    the provider's MFA claim was there.
    """

    at: datetime
    outcome: str
    username: str
    reason: str
    second_factor_by_provider: bool

    def as_dict(self) -> dict[str, Any]:
        row = asdict(self)
        row["at"] = self.at.isoformat()
        return row


def council_sign_ins(days: int | None, now: datetime) -> list[SignInRecord]:
    """Council sign-ins, oldest first; with ``days``, only those in the ``days`` before
    ``now``."""
    from hearten.web.models import CouncilSignIn

    rows = CouncilSignIn.objects.select_related("user").order_by("id")
    if days is not None:
        rows = rows.filter(at__gte=now - timedelta(days=days))
    return [
        SignInRecord(
            at=r.at,
            outcome=r.outcome,
            username=r.user.get_username() if r.user else "",
            reason=r.reason,
            second_factor_by_provider=r.second_factor_by_provider,
        )
        for r in rows
    ]
