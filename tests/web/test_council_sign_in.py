"""Signing in with a council account, against a real OpenID Connect provider on loopback
(the npm package oidc-provider, started by ``tests/web/openid_provider.py``): discovery, the
code flow with PKCE, the state and nonce checks, refusals (a disabled account, an unverified
e-mail address, no matching account, a token for another client, an expired token) and the
second factor for evaluators."""

from __future__ import annotations

import dataclasses
import time
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import pytest
import requests
from django.contrib.auth import get_user_model
from django.test import Client

from hearten.config import OpenIdProvider, load_settings
from hearten.web.models import CouncilSignIn, SignInOutcome
from tests.web.openid_provider import (
    CLIENT_ID,
    CLIENT_SECRET,
    ID_TOKEN_TTL,
    ProviderBrowser,
    other_app_tokens,
)

pytestmark = pytest.mark.django_db

CALLBACK = "/sign-in/council/callback/"


def staff(username: str, email: str, **extra: Any) -> Any:
    return get_user_model().objects.create_user(username, email=email, **extra)


def to_provider(client: Client, next_page: str = "") -> str:
    """Press "Sign in with your council account": the provider's authorisation address."""
    query = f"?{urlencode({'next': next_page})}" if next_page else ""
    answer = client.get(f"/sign-in/council/{query}")
    assert answer.status_code == 302, answer.content
    return str(answer["Location"])


def back_to_hearten(client: Client, account: str, authorize: str) -> str:
    """The address (path and query) the provider sends the browser back to, after
    ``account`` logs in and consents at the provider."""
    from django.conf import settings

    back = ProviderBrowser(account).visit(authorize, settings.HEARTEN.base_url + CALLBACK)
    parts = urlsplit(back)
    return f"{parts.path}?{parts.query}"


def sign_in(client: Client, account: str, next_page: str = "") -> Any:
    """The whole journey; Hearten's answer to the provider's redirect back."""
    return client.get(back_to_hearten(client, account, to_provider(client, next_page)))


def with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    query.update(changes)
    return urlunsplit(parts._replace(query=urlencode(query)))


def last_outcome() -> CouncilSignIn:
    event = CouncilSignIn.objects.order_by("-id").first()
    assert event is not None
    return event


def test_the_sign_in_page_offers_council_accounts_only_where_a_provider_is_configured(
    client: Client, settings: Any
) -> None:
    settings.HEARTEN = dataclasses.replace(settings.HEARTEN, oidc=None)
    page = client.get("/sign-in/").content.decode()
    assert "Sign in with your council account" not in page
    assert 'name="password"' in page
    assert client.get("/sign-in/council/").status_code == 404
    settings.HEARTEN = dataclasses.replace(
        settings.HEARTEN, oidc=OpenIdProvider("https://login.example", "id", "secret")
    )
    page = client.get("/sign-in/").content.decode()
    assert "Sign in with your council account" in page
    assert 'name="password"' in page  # local passwords remain beside it


def test_it_reads_the_providers_discovery_document_and_asks_for_a_code_with_pkce(
    client: Client, council: OpenIdProvider
) -> None:
    discovery = requests.get(council.discovery_url, timeout=30).json()
    authorize = to_provider(client)
    assert authorize.startswith(discovery["authorization_endpoint"] + "?")
    query = parse_qs(urlsplit(authorize).query)
    assert query["response_type"] == ["code"]
    assert query["client_id"] == [CLIENT_ID]
    assert query["scope"] == ["openid email profile"]
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) == 43  # base64url of a SHA-256 digest
    assert len(query["state"][0]) >= 20
    assert len(query["nonce"][0]) >= 20
    assert query["redirect_uri"] == [load_settings().base_url + CALLBACK]


def test_a_member_of_staff_signs_in_with_their_verified_council_email(
    client: Client, council: OpenIdProvider
) -> None:
    alice = staff("alice.w", "Alice@Council.example")
    answer = sign_in(client, "alice", next_page="/trials/")
    assert answer.status_code == 302
    assert answer["Location"] == "/trials/"
    assert client.session["_auth_user_id"] == str(alice.pk)
    assert client.get("/trials/").status_code == 200
    event = last_outcome()
    assert (event.outcome, event.user, event.reason) == (SignInOutcome.SIGNED_IN, alice, "")
    assert get_user_model().objects.count() == 1  # matched, never created


def test_a_sign_in_whose_state_does_not_match_is_refused(
    client: Client, council: OpenIdProvider
) -> None:
    staff("alice.w", "alice@council.example")
    back = back_to_hearten(client, "alice", to_provider(client))
    answer = client.get(with_query(back, state="not-the-state-this-browser-sent"))
    assert answer.status_code == 403
    assert "_auth_user_id" not in client.session
    assert "did not pass Hearten" in answer.content.decode()
    assert last_outcome().outcome == SignInOutcome.INVALID_RESPONSE
    assert "state" in last_outcome().reason


def test_a_sign_in_started_in_another_browser_is_refused(
    client: Client, council: OpenIdProvider
) -> None:
    staff("alice.w", "alice@council.example")
    back = back_to_hearten(client, "alice", to_provider(client))
    stranger = Client()
    assert stranger.get(back).status_code == 403
    assert "_auth_user_id" not in stranger.session


def test_an_id_token_whose_nonce_does_not_match_is_refused(
    client: Client, council: OpenIdProvider
) -> None:
    """A replayed or injected ID token carries another sign-in's nonce: here the request
    reaches the provider with its nonce changed (state and PKCE intact), so the provider
    issues a genuine token whose nonce is not the one this session holds."""
    staff("alice.w", "alice@council.example")
    authorize = with_query(to_provider(client), nonce="a-nonce-from-another-sign-in")
    answer = client.get(back_to_hearten(client, "alice", authorize))
    assert answer.status_code == 403
    assert "_auth_user_id" not in client.session
    assert "nonce" in last_outcome().reason


def test_the_code_is_useless_without_this_sessions_pkce_verifier(
    client: Client, council: OpenIdProvider
) -> None:
    """Another code challenge reaches the provider (as when a code is stolen from another
    sign-in): the provider will not exchange the code for the verifier Hearten holds."""
    staff("alice.w", "alice@council.example")
    authorize = with_query(to_provider(client), code_challenge="A" * 43)
    answer = client.get(back_to_hearten(client, "alice", authorize))
    assert answer.status_code == 403
    assert "_auth_user_id" not in client.session
    assert last_outcome().reason == "the token request failed: invalid_grant"


def test_a_disabled_council_account_is_refused_with_a_page_that_says_so(
    client: Client, council: OpenIdProvider
) -> None:
    dora = staff("dora.d", "dora@council.example")
    answer = sign_in(client, "dora")
    page = answer.content.decode()
    assert answer.status_code == 403
    assert "You could not sign in with your council account" in page
    assert "The user account is disabled." in page  # the provider's own words
    assert "IT service desk" in page
    assert "_auth_user_id" not in client.session
    event = last_outcome()
    assert (event.outcome, event.reason) == (
        SignInOutcome.REFUSED_BY_PROVIDER,
        "provider error access_denied",
    )
    assert event.user is None
    assert dora.council_sign_ins.count() == 0


def test_a_crafted_error_link_shows_none_of_its_own_words(
    client: Client, council: OpenIdProvider
) -> None:
    answer = client.get(
        CALLBACK
        + "?"
        + urlencode(
            {"error": "access_denied", "error_description": "Call 0800 000 000", "state": "x"}
        )
    )
    assert answer.status_code == 403
    assert "0800" not in answer.content.decode()
    assert last_outcome().reason.endswith("(for no sign-in started in this browser)")


def test_an_unverified_email_address_is_refused(client: Client, council: OpenIdProvider) -> None:
    staff("uma.u", "uma@council.example")
    answer = sign_in(client, "uma")
    assert answer.status_code == 403
    assert "not marked as verified" in answer.content.decode()
    assert "_auth_user_id" not in client.session
    assert last_outcome().outcome == SignInOutcome.UNVERIFIED_EMAIL


def test_no_account_is_made_for_someone_hearten_does_not_know(
    client: Client, council: OpenIdProvider
) -> None:
    answer = sign_in(client, "alice")
    assert answer.status_code == 403
    assert "Ask the trial" in answer.content.decode()
    assert get_user_model().objects.count() == 0
    assert last_outcome().outcome == SignInOutcome.NO_ACCOUNT


def test_a_switched_off_hearten_account_is_refused(client: Client, council: OpenIdProvider) -> None:
    alice = staff("alice.w", "alice@council.example", is_active=False)
    assert sign_in(client, "alice").status_code == 403
    assert "_auth_user_id" not in client.session
    assert (last_outcome().outcome, last_outcome().user) == (
        SignInOutcome.ACCOUNT_INACTIVE,
        alice,
    )


def test_a_genuine_id_token_issued_to_another_application_is_refused(
    council: OpenIdProvider,
) -> None:
    from joserfc.errors import InvalidClaimError

    from hearten.web.council_sign_in import verify_id_token

    tokens = other_app_tokens(council.issuer, "alice", nonce="n-1")
    with pytest.raises(InvalidClaimError, match="aud"):
        verify_id_token(council, tokens, nonce="n-1")
    # The same checks pass a token issued to Hearten's own registration.
    hearten = dataclasses.replace(council, client_id="other-app")
    assert verify_id_token(hearten, tokens, nonce="n-1")["sub"] == "alice"


def test_a_code_issued_to_another_application_is_refused(
    client: Client, council: OpenIdProvider
) -> None:
    staff("alice.w", "alice@council.example")
    mine = back_to_hearten(client, "alice", to_provider(client))
    theirs = other_app_code(council.issuer)
    answer = client.get(with_query(mine, code=theirs))
    assert answer.status_code == 403
    assert "_auth_user_id" not in client.session
    assert last_outcome().reason == "the token request failed: invalid_grant"


def other_app_code(issuer: str) -> str:
    from tests.web.openid_provider import OTHER_CLIENT_ID, OTHER_REDIRECT_URI, pkce_pair

    discovery = requests.get(f"{issuer}/.well-known/openid-configuration", timeout=30).json()
    _, challenge = pkce_pair()
    query = urlencode(
        {
            "client_id": OTHER_CLIENT_ID,
            "response_type": "code",
            "scope": "openid email",
            "redirect_uri": OTHER_REDIRECT_URI,
            "state": "s",
            "nonce": "n",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
    )
    back = ProviderBrowser("alice").visit(
        f"{discovery['authorization_endpoint']}?{query}", OTHER_REDIRECT_URI
    )
    return parse_qs(urlsplit(back).query)["code"][0]


def test_an_expired_id_token_is_refused(client: Client, council: OpenIdProvider) -> None:
    """Hearten's clock is moved past the token's lifetime and the allowed clock difference
    (the provider, in its own process, keeps the real time)."""
    import time_machine

    from hearten.web.council_sign_in import LEEWAY_SECONDS

    staff("alice.w", "alice@council.example")
    back = back_to_hearten(client, "alice", to_provider(client))
    with time_machine.travel(time.time() + ID_TOKEN_TTL + LEEWAY_SECONDS + 5, tick=False):
        answer = client.get(back)
    assert answer.status_code == 403
    assert "_auth_user_id" not in client.session
    assert "expired" in last_outcome().reason


def test_an_evaluator_whose_provider_asked_for_a_second_factor_goes_straight_in(
    client: Client, council: OpenIdProvider, trial: Any
) -> None:
    eve = staff("eve.e", "eve@council.example")
    trial.evaluators.add(eve)
    answer = sign_in(client, "eve", next_page="/trials/")
    assert answer["Location"] == "/trials/"
    assert client.get("/trials/").status_code == 200
    event = last_outcome()
    assert (event.outcome, event.user) == (SignInOutcome.SIGNED_IN, eve)
    assert event.second_factor_by_provider is True


def test_an_evaluator_without_the_providers_second_factor_enters_heartens_code(
    client: Client, council: OpenIdProvider, trial: Any, hearten: Any
) -> None:
    import json

    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    alice = staff("alice.w", "alice@council.example")
    trial.evaluators.add(alice)
    device = TOTPDevice.objects.create(user=alice, name="phone", confirmed=True)
    sign_in(client, "alice")
    held_at_code = last_outcome()
    assert held_at_code.outcome == SignInOutcome.AWAITING_SECOND_FACTOR
    assert held_at_code.user == alice
    assert held_at_code.second_factor_by_provider is False
    held = client.get("/trials/")
    assert held.status_code == 302
    assert held["Location"].startswith("/sign-in/code/")
    code = str(TOTP(device.bin_key, device.step, device.t0, device.digits).token()).zfill(6)
    wrong = client.post("/sign-in/code/?next=/trials/", {"code": f"{(int(code) + 1) % 10**6:06d}"})
    assert wrong.status_code == 200  # the code page again: still no session
    assert client.get("/trials/").status_code == 302
    assert CouncilSignIn.objects.count() == 1
    TOTPDevice.objects.filter(pk=device.pk).update(  # the wrong try's back-off is not tested here
        throttling_failure_count=0, throttling_failure_timestamp=None
    )
    client.post("/sign-in/code/?next=/trials/", {"code": code})
    assert client.get("/trials/").status_code == 200
    records = list(CouncilSignIn.objects.order_by("id"))
    assert [(r.outcome, r.user, r.reason) for r in records] == [
        (SignInOutcome.AWAITING_SECOND_FACTOR, alice, ""),
        (SignInOutcome.SIGNED_IN, alice, "Hearten's code accepted"),
    ]
    listed = json.loads(hearten("user", "sign-ins", "--json").out)
    assert [(r["outcome"], r["username"]) for r in listed] == [
        ("awaiting-second-factor", "alice.w"),
        ("signed-in", "alice.w"),
    ]


def test_a_password_sign_in_in_between_is_not_recorded_as_the_council_sign_in(
    client: Client, council: OpenIdProvider, trial: Any
) -> None:
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    alice = staff("alice.w", "alice@council.example", password="a long passphrase 1")
    trial.evaluators.add(alice)
    device = TOTPDevice.objects.create(user=alice, name="phone", confirmed=True)
    sign_in(client, "alice")
    assert last_outcome().outcome == SignInOutcome.AWAITING_SECOND_FACTOR
    answer = client.post("/sign-in/", {"username": "alice.w", "password": "a long passphrase 1"})
    assert answer.status_code == 302, answer.content
    code = str(TOTP(device.bin_key, device.step, device.t0, device.digits).token()).zfill(6)
    client.post("/sign-in/code/?next=/trials/", {"code": code})
    assert client.get("/trials/").status_code == 200
    assert [r.outcome for r in CouncilSignIn.objects.all()] == [
        SignInOutcome.AWAITING_SECOND_FACTOR
    ]


def test_a_council_sign_in_left_at_the_code_page_is_never_recorded_as_signed_in(
    client: Client, council: OpenIdProvider, trial: Any
) -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    alice = staff("alice.w", "alice@council.example")
    trial.evaluators.add(alice)
    TOTPDevice.objects.create(user=alice, name="phone", confirmed=True)
    answer = sign_in(client, "alice", next_page="/trials/")
    assert client.get(answer["Location"])["Location"].startswith("/sign-in/code/")
    assert [r.outcome for r in CouncilSignIn.objects.all()] == [
        SignInOutcome.AWAITING_SECOND_FACTOR
    ]


def test_an_evaluator_without_either_second_factor_is_told_how_to_get_one(
    client: Client, council: OpenIdProvider, trial: Any
) -> None:
    alice = staff("alice.w", "alice@council.example")
    trial.evaluators.add(alice)
    sign_in(client, "alice")
    page = client.get("/trials/", follow=True)
    assert page.status_code == 403
    assert "hearten user 2fa alice.w" in page.content.decode()
    assert last_outcome().outcome == SignInOutcome.AWAITING_SECOND_FACTOR


def test_staff_who_evaluate_no_trial_need_no_second_factor(
    client: Client, council: OpenIdProvider, trial: Any
) -> None:
    alice = staff("alice.w", "alice@council.example")
    sign_in(client, "alice")
    assert client.get("/trials/").status_code == 200
    assert (last_outcome().outcome, last_outcome().user) == (SignInOutcome.SIGNED_IN, alice)


def test_an_unreachable_provider_gives_a_page_not_a_traceback(
    client: Client, settings: Any
) -> None:
    from tests.conftest import free_port

    gone = OpenIdProvider(f"http://127.0.0.1:{free_port()}", CLIENT_ID, CLIENT_SECRET)
    settings.HEARTEN = dataclasses.replace(settings.HEARTEN, oidc=gone)
    answer = client.get("/sign-in/council/")
    assert answer.status_code == 502
    assert "could not reach your council" in answer.content.decode()
    assert last_outcome().outcome == SignInOutcome.PROVIDER_UNREACHABLE


def test_the_provider_is_configured_from_the_environment_all_or_nothing(tmp_path: Any) -> None:
    home = {"HEARTEN_HOME": str(tmp_path)}
    assert load_settings(home).oidc is None
    given = {
        **home,
        "HEARTEN_OIDC_ISSUER": "https://login.microsoftonline.com/tenant-id/v2.0",
        "HEARTEN_OIDC_CLIENT_ID": "app-id",
        "HEARTEN_OIDC_CLIENT_SECRET": "s3cret",
        "HEARTEN_OIDC_MFA_VALUES": "mfa, hwk",
        "HEARTEN_OIDC_EMAIL_VERIFIED_CLAIM": "xms_edov",
    }
    configured = load_settings(given).oidc
    assert configured == OpenIdProvider(
        "https://login.microsoftonline.com/tenant-id/v2.0",
        "app-id",
        "s3cret",
        email_verified_claim="xms_edov",
        mfa_claim="amr",
        mfa_values=("mfa", "hwk"),
    )
    assert configured.discovery_url == (
        "https://login.microsoftonline.com/tenant-id/v2.0/.well-known/openid-configuration"
    )
    with pytest.raises(ValueError, match="HEARTEN_OIDC_CLIENT_SECRET must be set too"):
        load_settings({k: v for k, v in given.items() if k != "HEARTEN_OIDC_CLIENT_SECRET"})
    with pytest.raises(ValueError, match="https://"):
        load_settings({**given, "HEARTEN_OIDC_ISSUER": "http://login.example"})


@pytest.mark.parametrize(
    "issuer",
    [
        "http://login.example/tenant/v2.0",
        "http://127.0.0.1.login.example",
        "http://10.0.0.5:8080",
        "ftp://login.example",
        "login.example",
        "https://",
    ],
)
def test_an_issuer_that_is_not_https_is_refused_at_settings_load(
    tmp_path: Any, issuer: str
) -> None:
    from hearten.config import SettingsError

    env = {
        "HEARTEN_HOME": str(tmp_path),
        "HEARTEN_OIDC_ISSUER": issuer,
        "HEARTEN_OIDC_CLIENT_ID": "app-id",
        "HEARTEN_OIDC_CLIENT_SECRET": "s3cret",
    }
    with pytest.raises(SettingsError) as refused:
        load_settings(env)
    message = str(refused.value)
    assert "\n" not in message
    assert message.startswith("HEARTEN_OIDC_ISSUER must be the provider's https:// address")
    assert repr(issuer) in message


@pytest.mark.parametrize(
    "issuer",
    ["http://127.0.0.1:4000", "http://localhost:4000/oidc", "http://[::1]:4000"],
)
def test_a_plain_http_issuer_is_accepted_only_on_the_loopback_address(
    tmp_path: Any, issuer: str
) -> None:
    env = {
        "HEARTEN_HOME": str(tmp_path),
        "HEARTEN_OIDC_ISSUER": issuer,
        "HEARTEN_OIDC_CLIENT_ID": "app-id",
        "HEARTEN_OIDC_CLIENT_SECRET": "s3cret",
    }
    configured = load_settings(env).oidc
    assert configured is not None
    assert configured.issuer == issuer


def test_the_mfa_claim_may_be_a_list_or_one_value() -> None:
    from hearten.web.council_sign_in import provider_asked_second_factor

    amr = OpenIdProvider("https://i.example", "c", "s")
    assert provider_asked_second_factor(amr, {"amr": ["pwd", "mfa"]})
    assert not provider_asked_second_factor(amr, {"amr": ["pwd"]})
    assert not provider_asked_second_factor(amr, {})
    acr = dataclasses.replace(amr, mfa_claim="acr", mfa_values=("urn:council:mfa",))
    assert provider_asked_second_factor(acr, {"acr": "urn:council:mfa"})
    assert not provider_asked_second_factor(acr, {"acr": "urn:council:pwd"})


def test_a_command_says_in_one_line_what_is_wrong_with_the_provider_settings(
    tmp_path: Any,
) -> None:
    import os
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    exe = shutil.which("hearten", path=str(Path(sys.executable).parent))
    assert exe
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HEARTEN_", "DATABASE_URL"))}
    env.update(HEARTEN_HOME=str(tmp_path), HEARTEN_OIDC_ISSUER="https://login.example")
    done = subprocess.run(
        [exe, "trial", "list"], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "HEARTEN_OIDC_CLIENT_ID, HEARTEN_OIDC_CLIENT_SECRET must be set too" in done.stderr
