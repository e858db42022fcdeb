"""Signing out after a council sign-in ends the provider's session too (RP-Initiated Logout),
against the real OpenID provider on loopback: Hearten's sign-out hands the browser to the
provider's ``end_session_endpoint`` with the sign-in's ID token, the provider ends its session
and sends the browser to Hearten's signed-out page; without a council sign-in, with a provider
that advertises no ``end_session_endpoint``, or when the provider cannot be reached, only
Hearten's session ends."""

from __future__ import annotations

import dataclasses
import html
import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests
from django.conf import settings as django_settings
from django.test import Client
from joserfc import jwt

from hearten.config import OpenIdProvider
from hearten.web.council_sign_in import CALLBACK_PATH
from hearten.web.council_sign_out import SIGNED_OUT_PATH
from tests.conftest import free_port
from tests.conftest import sign_in as password_sign_in
from tests.web.openid_provider import (
    CLIENT_ID,
    CLIENT_SECRET,
    ProviderBrowser,
    RunningProvider,
    start_provider,
)
from tests.web.test_council_sign_in import staff, to_provider, with_query

pytestmark = pytest.mark.django_db


def signed_in_at_the_council(client: Client, browser: ProviderBrowser) -> None:
    """Sign in to Hearten with ``browser``'s council account, keeping its provider cookies."""
    back = browser.visit(to_provider(client), django_settings.HEARTEN.base_url + CALLBACK_PATH)
    parts = urlsplit(back)
    assert client.get(f"{parts.path}?{parts.query}").status_code == 302
    assert "_auth_user_id" in client.session


def silent_sign_in(browser: ProviderBrowser) -> dict[str, list[str]]:
    """Ask the provider for a sign-in without showing anything (``prompt=none``): a code
    while its session lasts, ``error=login_required`` once it has ended."""
    back = browser.visit(
        with_query(to_provider(Client()), prompt="none"),
        django_settings.HEARTEN.base_url + CALLBACK_PATH,
    )
    return parse_qs(urlsplit(back).query)


def test_signing_out_ends_the_council_session_and_comes_back_to_hearten(
    client: Client, council: OpenIdProvider
) -> None:
    staff("alice.w", "alice@council.example")
    browser = ProviderBrowser("alice")
    signed_in_at_the_council(client, browser)
    assert "code" in silent_sign_in(browser)  # the provider's session is open

    answer = client.post("/sign-out/")
    assert answer.status_code == 200
    assert "_auth_user_id" not in client.session  # Hearten's session ended first
    assert "no-store" in answer["Cache-Control"]  # the page holds the ID token
    page = answer.content.decode()
    refresh = re.search(r'http-equiv="refresh" content="0; url=([^"]+)"', page)
    link = re.search(r'href="([^"]+)">Continue to sign out of your council account', page)
    assert refresh
    assert link
    end = html.unescape(refresh.group(1))
    assert end == html.unescape(link.group(1))

    discovery = requests.get(council.discovery_url, timeout=30).json()
    assert end.startswith(discovery["end_session_endpoint"] + "?")
    query = parse_qs(urlsplit(end).query)
    assert query["post_logout_redirect_uri"] == [django_settings.HEARTEN.base_url + SIGNED_OUT_PATH]
    assert query["client_id"] == [CLIENT_ID]
    hint = jwt.decode(query["id_token_hint"][0], _keys(discovery))
    assert (hint.claims["sub"], hint.claims["aud"]) == ("alice", CLIENT_ID)

    confirm = browser.session.get(end, allow_redirects=False, timeout=30)
    assert confirm.status_code == 200, confirm.text
    form = re.search(r'<form id="op.logoutForm" method="post" action="([^"]+)">', confirm.text)
    xsrf = re.search(r'name="xsrf" value="([^"]+)"', confirm.text)
    assert form
    assert xsrf
    done = browser.session.post(
        urljoin(end, html.unescape(form.group(1))),
        data={"xsrf": xsrf.group(1), "logout": "yes"},
        allow_redirects=False,
        timeout=30,
    )
    assert done.is_redirect, done.text
    assert done.headers["Location"].startswith(django_settings.HEARTEN.base_url + SIGNED_OUT_PATH)
    back = urlsplit(done.headers["Location"])
    signed_out = client.get(back.path)
    assert signed_out.status_code == 200
    assert "You have signed out of Hearten and of your council account" in (
        signed_out.content.decode()
    )
    assert silent_sign_in(browser)["error"] == ["login_required"]  # the provider's ended


def _keys(discovery: dict[str, Any]) -> Any:
    from joserfc.jwk import KeySet

    return KeySet.import_key_set(requests.get(discovery["jwks_uri"], timeout=30).json())


def test_signing_out_after_a_password_sign_in_ends_heartens_session_only(
    client: Client, council: OpenIdProvider
) -> None:
    staff("sam", "sam@council.example", password="a long passphrase 1")
    assert password_sign_in(client, "sam", "a long passphrase 1")
    answer = client.post("/sign-out/")
    assert (answer.status_code, answer["Location"]) == (302, "/sign-in/")
    assert "_auth_user_id" not in client.session


def test_when_the_provider_cannot_be_reached_hearten_still_signs_out(
    client: Client, council: OpenIdProvider, settings: Any
) -> None:
    staff("alice.w", "alice@council.example")
    signed_in_at_the_council(client, ProviderBrowser("alice"))
    gone = dataclasses.replace(council, issuer=f"http://127.0.0.1:{free_port()}")
    settings.HEARTEN = dataclasses.replace(settings.HEARTEN, oidc=gone)
    answer = client.post("/sign-out/")
    assert (answer.status_code, answer["Location"]) == (302, "/sign-in/")
    assert "_auth_user_id" not in client.session


@pytest.fixture(scope="module")
def provider_without_sign_out() -> Iterator[RunningProvider]:
    """A second provider whose discovery document advertises no ``end_session_endpoint``."""
    provider = start_provider(
        django_settings.HEARTEN.base_url + CALLBACK_PATH, rp_initiated_logout=False
    )
    yield provider
    provider.stop()


def test_a_provider_without_an_end_session_endpoint_keeps_its_session(
    client: Client, provider_without_sign_out: RunningProvider, settings: Any
) -> None:
    configured = OpenIdProvider(provider_without_sign_out.issuer, CLIENT_ID, CLIENT_SECRET)
    settings.HEARTEN = dataclasses.replace(settings.HEARTEN, oidc=configured)
    discovery = requests.get(configured.discovery_url, timeout=30).json()
    assert "end_session_endpoint" not in discovery
    staff("alice.w", "alice@council.example")
    browser = ProviderBrowser("alice")
    signed_in_at_the_council(client, browser)
    answer = client.post("/sign-out/")
    assert (answer.status_code, answer["Location"]) == (302, "/sign-in/")
    assert "_auth_user_id" not in client.session
    assert "code" in silent_sign_in(browser)  # the provider's session is left as it was


def test_signing_out_is_a_post_from_hearten_itself(client: Client) -> None:
    """A link or another site's form cannot sign anyone out (nor send them to the
    provider's sign-out)."""
    staff("sam", "sam@council.example", password="a long passphrase 1")
    assert client.get("/sign-out/").status_code == 405
    forged = Client(enforce_csrf_checks=True)
    assert password_sign_in(forged, "sam", "a long passphrase 1")
    assert forged.post("/sign-out/").status_code == 403
    assert "_auth_user_id" in forged.session


def test_the_worker_deletes_sessions_that_ended_by_their_time(
    council: OpenIdProvider, hearten: Callable[..., Any], worker_in_test: None
) -> None:
    """A session left to expire (the browser closed, no sign-out) keeps the ID token it was
    given until ``hearten worker`` deletes it; sessions still running stay."""
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    from hearten.web.council_sign_in import ID_TOKEN_SESSION_KEY

    staff("alice.w", "alice@council.example")
    left, running = Client(), Client()
    signed_in_at_the_council(left, ProviderBrowser("alice"))
    signed_in_at_the_council(running, ProviderBrowser("alice"))
    assert left.session[ID_TOKEN_SESSION_KEY]
    Session.objects.filter(session_key=left.session.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    done = hearten("worker", "--once")
    assert done.code == 0, done.err
    assert "1 expired sign-in session(s) deleted." in done.out
    assert list(Session.objects.values_list("session_key", flat=True)) == [
        running.session.session_key
    ]
