"""API tokens: made, listed, revoked and checked.

A token is ``hrt_<prefix>_<secret>``: ``prefix`` (8 hex characters, kept in clear) names it in
lists and the audit log; ``secret`` is 32 random bytes from :mod:`secrets`. It is shown once,
when made; only the SHA-256 of the whole token is stored.

Why a fast hash and not a password hash (Argon2, as for passwords): a password hash is slow
on purpose, because passwords are guessable and a stolen table would otherwise be searched at
billions of guesses a second. A token carries 256 bits of randomness, so no search of that
space is possible at any speed; SHA-256 is then as safe as Argon2, and it costs microseconds
on each request instead of tens of milliseconds (and lets the token be found by its digest).

A token's rights are the user's *current* role in its trial intersected with its scope
(:mod:`hearten.web.api.access`): taking the role away disables the token at once.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction

from hearten.errors import DataError, NotFound, StateError, one_of
from hearten.trials import audit
from hearten.trials.models import Trial
from hearten.web.api.models import ApiToken, Scope

PREFIX = "hrt"
#: Days a token lasts unless told otherwise, and the most it may.
DEFAULT_DAYS = 90
MAX_DAYS = 365
_FORM = re.compile(r"^hrt_([0-9a-f]{8})_([A-Za-z0-9_-]{43})$")


def digest(token: str) -> str:
    """The SHA-256 of a token, as stored (module docstring says why a fast hash)."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Issued:
    """A token just made: ``secret`` is the whole token, shown this once and never again."""

    token: ApiToken
    secret: str


def create_token(
    trial: Trial,
    username: str,
    scope: str,
    days: int = DEFAULT_DAYS,
    name: str = "",
    created_by: str = "",
    *,
    now: datetime,
) -> Issued:
    """Make a token for ``username`` in ``trial`` (they must have an API role in it: an
    evaluator or a coordinator); audited. ``days``: 1 to :data:`MAX_DAYS`. ``now``: the
    clock, read once by the caller (the page, the command): the token is made then and
    expires ``days`` after it."""
    from hearten.web.api.access import API_ROLES, role_in

    chosen = one_of(scope, [str(s) for s in Scope], "token scope")
    if not 1 <= days <= MAX_DAYS:
        raise DataError(f"a token lasts 1 to {MAX_DAYS} days, not {days}: choose fewer days")
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise NotFound(f"no user called {username!r}: add them with `hearten user add` first")
    role = role_in(user, trial)
    if role not in API_ROLES:
        raise StateError(
            f"{username} has no role in {trial.slug} that may use the API (an evaluator or a "
            f"coordinator): give them one with `hearten trial add-role` first"
        )
    while True:
        prefix = secrets.token_hex(4)
        if not ApiToken.objects.filter(prefix=prefix).exists():
            break
    secret = f"{PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    token = audit.create_recorded(
        trial,
        "api-token-created",
        ApiToken,
        lambda made: {
            "token": prefix,
            "user": username,
            "scope": chosen,
            "days": days,
            "by": made.created_by,
        },
        user=user,
        trial=trial,
        scope=chosen,
        name=name.strip()[:100],
        prefix=prefix,
        secret_sha256=digest(secret),
        created_by=created_by or username,
        created_at=now,
        expires_at=now + timedelta(days=days),
        at=now,
    )
    return Issued(token, secret)


def tokens_of(trial: Trial, username: str | None = None) -> list[ApiToken]:
    """The trial's tokens, newest first (``username``: only theirs)."""
    found = ApiToken.objects.filter(trial=trial).select_related("user")
    if username is not None:
        found = found.filter(user__username=username)
    return list(found)


def revoke_token(trial: Trial, prefix: str, by: str, now: datetime) -> ApiToken:
    """Revoke the trial's token ``prefix`` at ``now`` (the caller's clock; audited); revoking
    twice changes nothing."""
    token = ApiToken.objects.filter(trial=trial, prefix=prefix.strip()).first()
    if token is None:
        raise NotFound(
            f"trial {trial.slug!r} has no token {prefix!r}: `hearten trial token list "
            f"{trial.slug}` lists them"
        )
    if token.revoked_at is None:
        with transaction.atomic():
            token.revoked_at = now
            token.save(update_fields=["revoked_at"])
            audit.record(trial, "api-token-revoked", {"token": token.prefix, "by": by}, at=now)
    return token


#: A token whose holder's account is switched off (``hearten user disable``): refused, and
#: shown so in the token lists, which otherwise called it ``active`` (issue 26).
ACCOUNT_OFF = "account switched off"


def state_of(token: ApiToken, now: datetime) -> str:
    """``active``, ``expired``, ``revoked`` or :data:`ACCOUNT_OFF` (its holder's account is
    switched off: it works again if the account is enabled before it expires) at ``now``."""
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at <= now:
        return "expired"
    if not token.user.is_active:
        return ACCOUNT_OFF
    return "active"


class Refused(Exception):
    """A token that does not let anyone in: its message says why and what to do."""


def check_token(secret: str, now: datetime) -> ApiToken:
    """The active token ``secret`` is at ``now``, or :class:`Refused` saying why not."""
    m = _FORM.match(secret.strip())
    if m is None:
        raise Refused("that is not a Hearten API token: send 'Authorization: Bearer hrt_...'")
    token = ApiToken.objects.select_related("user", "trial").filter(prefix=m.group(1)).first()
    if token is None or not hmac.compare_digest(token.secret_sha256, digest(secret.strip())):
        raise Refused("the token is not known: ask for a new one on the trial's API tokens page")
    state = state_of(token, now)
    if state == ACCOUNT_OFF:
        raise Refused("the token's account is switched off: ask an administrator")
    if state != "active":
        raise Refused(f"the token has {'been revoked' if state == 'revoked' else 'expired'}: "
                      "ask for a new one on the trial's API tokens page")  # fmt: skip
    return token
