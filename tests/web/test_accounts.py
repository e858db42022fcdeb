"""Staff accounts' council e-mail addresses, through ``hearten user add`` and ``email``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth import get_user_model

pytestmark = pytest.mark.django_db


def test_an_account_for_council_sign_in_has_no_hearten_password(
    hearten: Callable[..., Any],
) -> None:
    done = hearten("user", "add", "sam", "Sam.Jones@council.example")
    assert done.code == 0, done.err
    assert "sam can sign in with their council account" in done.out
    sam = get_user_model().objects.get(username="sam")
    assert sam.email == "Sam.Jones@council.example"
    assert not sam.has_usable_password()


def test_an_address_belongs_to_one_account_whatever_its_case(
    hearten: Callable[..., Any],
) -> None:
    assert hearten("user", "add", "sam", "sam.jones@council.example").code == 0
    get_user_model().objects.create_user("eve", password="a long passphrase 1")
    done = hearten("user", "email", "eve", "SAM.JONES@council.example")
    assert done.code != 0
    assert "the account 'sam' already has" in done.err
    assert "Traceback" not in done.err
    assert get_user_model().objects.get(username="eve").email == ""
    assert hearten("user", "email", "eve", "eve@university.example").code == 0
    assert get_user_model().objects.get(username="eve").email == "eve@university.example"
    assert hearten("user", "email", "sam", "SAM.jones@council.example").code == 0  # its own


def test_it_refuses_what_is_not_an_address_or_not_an_account(
    hearten: Callable[..., Any],
) -> None:
    done = hearten("user", "add", "sam", "sam at council")
    assert done.code != 0
    assert "is not an e-mail address" in done.err
    assert not get_user_model().objects.filter(username="sam").exists()
    assert "no account called 'nobody'" in hearten("user", "email", "nobody", "n@x.example").err
    hearten("user", "add", "sam", "sam@council.example")
    assert "already an account called 'sam'" in hearten("user", "add", "sam", "s@x.example").err


def test_a_disabled_account_is_signed_out_at_once_and_cannot_sign_in(
    hearten: Callable[..., Any], client: Any
) -> None:
    from tests.conftest import sign_in

    get_user_model().objects.create_user("sam", password="a long passphrase 1")
    assert sign_in(client, "sam", "a long passphrase 1")
    assert client.get("/trials/").status_code == 200
    done = hearten("user", "disable", "sam")
    assert done.code == 0, done.err
    assert "sam is disabled" in done.out
    assert client.get("/trials/")["Location"].startswith("/sign-in/")
    assert not sign_in(client, "sam", "a long passphrase 1")
    assert hearten("user", "enable", "sam").code == 0
    assert sign_in(client, "sam", "a long passphrase 1")
    assert "no account called 'nobody'" in hearten("user", "disable", "nobody").err


def test_the_council_sign_ins_are_listed_oldest_first_and_by_age(
    hearten: Callable[..., Any],
) -> None:
    import json
    from datetime import timedelta

    from django.utils import timezone

    from hearten.web.models import CouncilSignIn, SignInOutcome

    assert "No sign-ins with a council account" in hearten("user", "sign-ins").out
    sam = get_user_model().objects.create_user("sam", email="sam@council.example")
    old = CouncilSignIn.objects.create(
        outcome=SignInOutcome.REFUSED_BY_PROVIDER, reason="provider error access_denied"
    )
    CouncilSignIn.objects.filter(pk=old.pk).update(at=timezone.now() - timedelta(days=10))
    CouncilSignIn.objects.create(
        outcome=SignInOutcome.SIGNED_IN, user=sam, second_factor_by_provider=True
    )
    rows = json.loads(hearten("user", "sign-ins", "--json").out)
    assert [(r["outcome"], r["username"]) for r in rows] == [
        ("refused-by-provider", ""),
        ("signed-in", "sam"),
    ]
    assert rows[1]["second_factor_by_provider"] is True
    recent = json.loads(hearten("user", "sign-ins", "--days", "7", "--json").out)
    assert [r["username"] for r in recent] == ["sam"]
    table = hearten("user", "sign-ins").out
    assert "provider error access_denied" in table
    assert "signed-in" in table
