"""Staff accounts: their council e-mail addresses, by which a sign-in with a council account
finds its Hearten account (:mod:`hearten.web.council_sign_in`), and switching accounts off.

An address belongs to one account at most, compared without regard to case, as providers
and mail servers compare them; an account made for council sign-in alone has no usable
password, so nobody can sign in to it with a Hearten password.
"""

from __future__ import annotations

from typing import Any

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
