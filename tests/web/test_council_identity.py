"""The link between a Hearten account and a council account, against the real OpenID
provider on loopback: the first council sign-in records the provider's subject, later ones
find the account by it, and an e-mail address the council gave to someone else (``alys`` has
``alice``'s old address) does not open the previous holder's account until an administrator
clears the link with ``hearten user unlink``."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from hearten.config import OpenIdProvider
from hearten.web.models import CouncilIdentity, CouncilSignIn, SignInOutcome
from tests.web.test_council_sign_in import last_outcome, sign_in, staff

pytestmark = pytest.mark.django_db


def test_the_first_council_sign_in_links_the_account_to_the_providers_subject(
    client: Client, council: OpenIdProvider
) -> None:
    alice = staff("alice.w", "alice@council.example")
    assert not CouncilIdentity.objects.exists()
    assert sign_in(client, "alice").status_code == 302
    link = CouncilIdentity.objects.get()
    assert (link.user, link.issuer, link.subject) == (alice, council.issuer, "alice")
    assert sign_in(Client(), "alice").status_code == 302  # the link is kept, not doubled
    assert CouncilIdentity.objects.count() == 1


def test_a_reassigned_email_address_does_not_open_the_previous_holders_account(
    client: Client, council: OpenIdProvider
) -> None:
    alice = staff("alice.w", "alice@council.example")
    sign_in(client, "alice")
    newcomer = Client()
    answer = sign_in(newcomer, "alys")
    page = answer.content.decode()
    assert answer.status_code == 403
    assert "not the one linked to this Hearten account" in page
    assert "ask an administrator" in page
    assert "_auth_user_id" not in newcomer.session
    event = last_outcome()
    assert (event.outcome, event.user) == (SignInOutcome.OTHER_COUNCIL_ACCOUNT, alice)
    assert CouncilIdentity.objects.get().subject == "alice"  # the link is unchanged


def test_an_account_is_found_by_its_link_after_its_email_address_changes(
    client: Client, council: OpenIdProvider
) -> None:
    """The subject, not the address, is the council account: a member of staff whose address
    the council changed (a new surname) still reaches their own account, and the address's
    new holder in Hearten is not reached by them."""
    alice = staff("alice.w", "alice@council.example")
    sign_in(client, "alice")
    alice.email = "alice.wong@council.example"
    alice.save(update_fields=["email"])
    staff("someone", "alice@council.example")
    again = Client()
    assert sign_in(again, "alice").status_code == 302
    assert again.session["_auth_user_id"] == str(alice.pk)


def test_a_linked_account_that_is_switched_off_is_refused(
    client: Client, council: OpenIdProvider
) -> None:
    alice = staff("alice.w", "alice@council.example")
    sign_in(client, "alice")
    alice.is_active = False
    alice.save(update_fields=["is_active"])
    again = Client()
    assert sign_in(again, "alice").status_code == 403
    assert "_auth_user_id" not in again.session
    assert last_outcome().outcome == SignInOutcome.ACCOUNT_INACTIVE


def test_an_administrator_unlinks_the_account_and_the_next_holder_links_it(
    client: Client, council: OpenIdProvider, hearten: Callable[..., Any]
) -> None:
    alice = staff("alice.w", "alice@council.example")
    sign_in(client, "alice")
    assert sign_in(Client(), "alys").status_code == 403
    done = hearten("user", "unlink", "alice.w")
    assert done.code == 0, done.err
    assert "alice.w is no longer linked to a council account" in done.out
    assert not CouncilIdentity.objects.exists()
    unlinked = last_outcome()
    assert (unlinked.outcome, unlinked.user, unlinked.reason) == (
        SignInOutcome.UNLINKED,
        alice,
        "hearten user unlink",
    )
    newcomer = Client()
    assert sign_in(newcomer, "alys").status_code == 302
    assert newcomer.session["_auth_user_id"] == str(alice.pk)
    assert CouncilIdentity.objects.get().subject == "alys"
    # and now the previous council account is the one refused
    assert sign_in(Client(), "alice").status_code == 403
    assert last_outcome().outcome == SignInOutcome.OTHER_COUNCIL_ACCOUNT
    listed = hearten("user", "sign-ins").out
    assert "unlinked" in listed
    assert "other-council-account" in listed


def test_unlinking_an_account_without_a_link_changes_nothing(
    hearten: Callable[..., Any],
) -> None:
    staff("sam", "sam@council.example")
    done = hearten("user", "unlink", "sam")
    assert done.code == 0, done.err
    assert "sam was not linked to a council account; nothing changed." in done.out
    assert not CouncilSignIn.objects.exists()
    missing = hearten("user", "unlink", "nobody")
    assert missing.code != 0
    assert "no account called 'nobody'" in missing.err
    assert "Traceback" not in missing.err


def test_a_link_made_meanwhile_by_another_sign_in_wins(council: OpenIdProvider) -> None:
    """Two sign-ins at once (two browsers) may both find an unlinked account by its address:
    the database's two unique constraints let one link stand, and the other is refused."""
    from hearten.web.council_sign_in import _link

    alice = staff("alice.w", "alice@council.example")
    other = staff("other", "other@council.example")
    assert _link(council, alice, "alice")
    assert _link(council, alice, "alice")  # the same link again: nothing changes
    assert not _link(council, other, "alice")  # that council account is another's
    assert not _link(council, alice, "alys")  # that account is linked to another subject
    assert list(CouncilIdentity.objects.values_list("user__username", "subject")) == [
        ("alice.w", "alice")
    ]
    elsewhere = dataclasses.replace(council, issuer="https://another-provider.example")
    assert _link(elsewhere, alice, "alice")  # one link per issuer
