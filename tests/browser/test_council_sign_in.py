"""Signing in with a council account in a real browser: Chromium goes from Hearten's sign-in
page to the real OpenID provider on loopback (another site: Hearten is on ``localhost``, the
provider on ``127.0.0.1``) and back; the sign-in page and the refusal page pass axe-core."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from hearten.config import OpenIdProvider
from hearten.web.council_sign_in import CALLBACK_PATH
from hearten.web.models import CouncilSignIn, SignInOutcome
from tests.browser.conftest import axe_violations
from tests.web.openid_provider import CLIENT_ID, CLIENT_SECRET, RunningProvider, start_provider

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("audit_flushable"),
]


@pytest.fixture(scope="session")
def provider_for_live_server(live_server: Any) -> Iterator[RunningProvider]:
    provider = start_provider(live_server.url + CALLBACK_PATH)
    yield provider
    provider.stop()


@pytest.fixture
def council_page(
    provider_for_live_server: RunningProvider, live_server: Any, browser: Any, settings: Any
) -> Iterator[Any]:
    """A browser page on a deployment whose staff sign in through the test provider."""
    settings.HEARTEN = dataclasses.replace(
        settings.HEARTEN,
        base_url=live_server.url,
        oidc=OpenIdProvider(provider_for_live_server.issuer, CLIENT_ID, CLIENT_SECRET),
    )
    context = browser.new_context()
    context.set_default_timeout(90_000)
    yield context.new_page()
    context.close()


def at_the_provider(page: Any, base: str, account: str) -> None:
    """From Hearten's sign-in page, through the provider's login and consent pages."""
    page.goto(f"{base}/sign-in/")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Sign in with your council account").click()
    page.get_by_label("Account").fill(account)
    page.get_by_role("button", name="Sign in").click()
    if account != "dora":  # a disabled account goes straight back, refused
        page.get_by_role("button", name="Continue").click()


def test_an_evaluator_signs_in_with_their_council_account_in_a_real_browser(
    council_page: Any, live_server: Any, trial: Any
) -> None:
    eve = get_user_model().objects.create_user("eve.e", email="eve@council.example")
    trial.evaluators.add(eve)
    at_the_provider(council_page, live_server.url, "eve")
    council_page.wait_for_url(f"{live_server.url}/trials/")
    assert council_page.get_by_text("Signed in as eve.e").is_visible()
    assert CouncilSignIn.objects.get().outcome == SignInOutcome.SIGNED_IN


def test_a_disabled_account_sees_why_it_was_refused_in_a_real_browser(
    council_page: Any, live_server: Any
) -> None:
    get_user_model().objects.create_user("dora.d", email="dora@council.example")
    at_the_provider(council_page, live_server.url, "dora")
    heading = council_page.get_by_role("heading", level=1)
    assert heading.text_content() == "You could not sign in with your council account"
    assert council_page.get_by_text("The user account is disabled.").is_visible()
    assert axe_violations(council_page) == []
    assert CouncilSignIn.objects.get().outcome == SignInOutcome.REFUSED_BY_PROVIDER


def test_signing_out_ends_the_council_sign_in_too_in_a_real_browser(
    council_page: Any, live_server: Any, trial: Any
) -> None:
    """The sign-out form posts to Hearten (the pages' CSP allows no other form target); the
    page it answers with moves the browser on to the provider, which asks, ends its session
    and sends the browser back to Hearten's signed-out page."""
    eve = get_user_model().objects.create_user("eve.e", email="eve@council.example")
    trial.evaluators.add(eve)
    at_the_provider(council_page, live_server.url, "eve")
    council_page.wait_for_url(f"{live_server.url}/trials/")
    council_page.get_by_role("button", name="Sign out").click()
    council_page.get_by_role("button", name="Yes, sign me out").click()
    council_page.wait_for_url(f"{live_server.url}/sign-out/done/**")
    heading = council_page.get_by_role("heading", level=1)
    assert heading.text_content() == "You have signed out"
    assert axe_violations(council_page) == []
    # Hearten's session is over, and so is the provider's: it asks who is signing in again.
    council_page.goto(f"{live_server.url}/trials/")
    council_page.wait_for_url(f"{live_server.url}/sign-in/**")
    council_page.get_by_role("button", name="Sign in with your council account").click()
    assert council_page.get_by_label("Account").is_visible()
