"""What the web layer itself stores: the record of sign-ins with a council account, and the
council account each Hearten account is linked to.

Password sign-ins are logged by the sign-in throttle (django-axes: every attempt, with the
username and address). A sign-in through the council's identity provider never reaches that
throttle, so each one, allowed or refused, is recorded here: when, the outcome, the technical
reason for a refusal and, where the account was matched, which Hearten user. No e-mail address,
name or provider subject is kept, so this log holds no personal data beyond the user it
points to.

The link (:class:`CouncilIdentity`) holds the provider's subject identifier: the provider's
own stable name for the council account, which the council never gives to another person, as
it may an e-mail address.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class SignInOutcome(models.TextChoices):
    """How a sign-in with a council account ended."""

    SIGNED_IN = "signed-in", "signed in"
    AWAITING_SECOND_FACTOR = (
        "awaiting-second-factor",
        "held at Hearten's code page: no session until the code is given",
    )
    REFUSED_BY_PROVIDER = "refused-by-provider", "refused by the provider (a disabled account)"
    INVALID_RESPONSE = "invalid-response", "the provider's answer failed a check"
    UNVERIFIED_EMAIL = "unverified-email", "the e-mail address is not verified"
    NO_ACCOUNT = "no-account", "no Hearten account has the e-mail address"
    ACCOUNT_INACTIVE = "account-inactive", "the Hearten account is switched off"
    PROVIDER_UNREACHABLE = "provider-unreachable", "the provider could not be reached"
    OTHER_COUNCIL_ACCOUNT = (
        "other-council-account",
        "the Hearten account is linked to another council account",
    )
    UNLINKED = "unlinked", "an administrator cleared the link to a council account"


class CouncilSignIn(models.Model):
    """One sign-in with a council account, allowed or refused (append-only by convention:
    nothing in Hearten changes these rows; ``hearten worker`` deletes those older than
    ``HEARTEN_SIGN_IN_RECORD_DAYS``, :func:`hearten.web.accounts.prune_sign_ins`).

    An evaluator or administrator whose provider did not ask for a second factor stops at
    Hearten's code page: that is recorded as ``awaiting-second-factor``, and a second row,
    ``signed-in``, is added only when the code is accepted (two rows rather than one changed,
    so the record stays append-only and keeps both times)."""

    at = models.DateTimeField(auto_now_add=True)
    outcome = models.CharField(max_length=30, choices=SignInOutcome.choices)
    reason = models.CharField(max_length=200, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="council_sign_ins",
    )
    second_factor_by_provider = models.BooleanField(default=False)

    class Meta:
        ordering = ["id"]


class CouncilIdentity(models.Model):
    """The council account a Hearten account is linked to: the provider (its issuer) and the
    provider's subject identifier (``sub``), recorded at the first council sign-in and matched
    before any e-mail address afterwards (:mod:`hearten.web.council_sign_in`).

    One link per account and issuer, and one account per council account; a council that moves
    to another provider (a new issuer) links each account again at its first sign-in there.
    ``hearten user unlink`` removes the link.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="council_identities"
    )
    issuer = models.CharField(max_length=255)
    subject = models.CharField(max_length=255)
    linked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "subject"], name="one_hearten_account_per_council_account"
            ),
            models.UniqueConstraint(
                fields=["user", "issuer"], name="one_council_account_per_hearten_account"
            ),
        ]
