"""Signing in with a council account: OpenID Connect with the council's identity provider.

Authlib's Django client does the protocol: it reads the provider's discovery document, sends
the authorisation code request with PKCE (S256), a ``state`` and a ``nonce`` kept in this
browser's session, exchanges the code, and checks the ID token's signature against the
provider's published keys, its nonce and its times. Hearten adds what is its own:

- the issuer and the audience are checked as essential claims (Authlib checks the audience only
  through ``azp`` unless told), and the discovery document must name the configured issuer;
- the account is an existing Hearten account matched by a *verified* e-mail address: accounts
  are never created from the provider, because roles are granted per trial in Hearten and an
  administrator adds each member of staff (``hearten user``) before they take part;
- the first sign-in links the account to the provider's subject identifier (``sub``), and
  later sign-ins find the account by that link first; an e-mail address the council has given
  to someone else (a leaver's address reused) matches an account linked to another subject,
  which is refused until an administrator clears the link (``hearten user unlink``);
- a sign-in the provider refused (a disabled or blocked account comes back as ``error`` at the
  callback) or that fails any check is refused with a page saying why, and recorded
  (:class:`hearten.web.models.CouncilSignIn`), as every allowed sign-in is (one held at
  Hearten's code page as ``awaiting-second-factor``, then ``signed-in`` when the code is
  accepted);
- the second factor: when the ID token's MFA claim (``amr`` containing ``mfa`` by default)
  shows the provider asked for one, evaluators and administrators are not asked for Hearten's
  code as well (:mod:`hearten.web.twofactor`).
"""

from __future__ import annotations

import functools
from typing import Any

import requests
from authlib.integrations.base_client import MismatchingStateError, OAuthError
from authlib.integrations.django_client import DjangoOAuth2App, OAuth
from django.conf import settings
from django.contrib.auth import get_user_model, login
from django.contrib.auth.views import LoginView
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp import DEVICE_ID_SESSION_KEY
from joserfc.errors import JoseError

from hearten.config import OpenIdProvider
from hearten.web.models import CouncilIdentity, CouncilSignIn, SignInOutcome
from hearten.web.twofactor import (
    COUNCIL_AWAITING_CODE_SESSION_KEY,
    PROVIDER_MFA_SESSION_KEY,
    needs_second_factor,
)

#: The scopes asked for: the subject, the e-mail address and whether it is verified, the name.
SCOPES = "openid email profile"
#: Seconds of clock difference allowed between Hearten and the provider when checking the ID
#: token's times (Authlib's default is 120; a minute is plenty for servers that keep time).
LEEWAY_SECONDS = 60
#: Seconds to wait for the provider's discovery, keys, token and user-info endpoints.
PROVIDER_TIMEOUT_SECONDS = 10
#: The path the provider sends the browser back to (registered with the provider).
CALLBACK_PATH = "/sign-in/council/callback/"
_NEXT_KEY = "hearten_council_next"
#: The session's copy of the ID token from the council sign-in: signing out hands it back to
#: the provider (``id_token_hint``, :mod:`hearten.web.council_sign_out`).
ID_TOKEN_SESSION_KEY = "hearten_council_id_token"  # nosec B105: a session key's name, not a secret


def provider() -> OpenIdProvider | None:
    """The configured provider, or None when this deployment has none."""
    configured: OpenIdProvider | None = settings.HEARTEN.oidc
    return configured


def redirect_uri() -> str:
    """Where the provider sends the browser back: built from ``HEARTEN_BASE_URL``, never
    from the request's Host header."""
    base: str = settings.HEARTEN.base_url
    return base + CALLBACK_PATH


@functools.lru_cache(maxsize=4)
def oauth_client(configured: OpenIdProvider) -> DjangoOAuth2App:
    """Authlib's client for the provider (one per configuration; it keeps the discovery
    document and the provider's keys once read)."""
    oauth = OAuth()
    client: DjangoOAuth2App = oauth.register(
        name="council",
        client_id=configured.client_id,
        client_secret=configured.client_secret,
        server_metadata_url=configured.discovery_url,
        client_kwargs={
            "scope": SCOPES,
            "code_challenge_method": "S256",
            "token_endpoint_auth_method": "client_secret_basic",  # nosec B105: a method's name
            "default_timeout": PROVIDER_TIMEOUT_SECONDS,
        },
    )
    return client


class SignInView(LoginView):
    """The sign-in page: a Hearten username and password and, where the deployment has an
    identity provider, the "Sign in with your council account" button."""

    template_name = "hearten/login.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["council_accounts"] = provider() is not None
        return context

    def form_valid(self, form: Any) -> HttpResponse:
        """A password sign-in: a council sign-in held at the code page in this browser is
        no longer the one the code completes."""
        self.request.session.pop(COUNCIL_AWAITING_CODE_SESSION_KEY, None)
        response: HttpResponse = super().form_valid(form)
        return response


def _refuse(
    request: HttpRequest,
    outcome: SignInOutcome,
    reason: str,
    *,
    user: Any = None,
    said: str = "",
    status: int = 403,
) -> HttpResponse:
    """Record the refusal and show the page that says why and what to do."""
    CouncilSignIn.objects.create(outcome=outcome, reason=reason[:200], user=user)
    return render(
        request,
        "hearten/council_refused.html",
        {"outcome": outcome.value, "said": said[:300]},
        status=status,
    )


def _safe_next(request: HttpRequest, target: str | None) -> str:
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return "/trials/"


def start(request: HttpRequest) -> HttpResponse:
    """Send the browser to the provider (the button on the sign-in page links here).

    A link, not a form: the page's Content-Security-Policy allows forms to post only to
    Hearten, and browsers apply that to the redirect that follows a post. Starting a sign-in
    changes nothing until the provider sends the browser back with a code for this session's
    own state."""
    configured = provider()
    if configured is None:
        raise Http404("no identity provider is configured")
    client = oauth_client(configured)
    try:
        metadata = client.load_server_metadata()
    except (requests.RequestException, ValueError) as exc:
        return _refuse(
            request,
            SignInOutcome.PROVIDER_UNREACHABLE,
            f"discovery failed: {type(exc).__name__}",
            status=502,
        )
    if metadata.get("issuer") != configured.issuer:
        oauth_client.cache_clear()
        return _refuse(
            request,
            SignInOutcome.INVALID_RESPONSE,
            "the discovery document names another issuer than HEARTEN_OIDC_ISSUER",
            status=502,
        )
    request.session[_NEXT_KEY] = _safe_next(request, request.GET.get("next"))
    response: HttpResponse = client.authorize_redirect(request, redirect_uri())
    return response


def _claims_options(configured: OpenIdProvider) -> dict[str, dict[str, Any]]:
    return {
        "iss": {"essential": True, "value": configured.issuer},
        "aud": {"essential": True, "value": configured.client_id},
    }


def verify_id_token(configured: OpenIdProvider, token: dict[str, Any], nonce: str) -> Any:
    """The claims of ``token["id_token"]`` after the checks the callback makes (signature by
    the provider's keys, issuer, audience, times, nonce, access-token hash); raises
    ``joserfc.errors.JoseError`` when one fails."""
    return oauth_client(configured).parse_id_token(
        token, nonce=nonce, claims_options=_claims_options(configured), leeway=LEEWAY_SECONDS
    )


def callback(request: HttpRequest) -> HttpResponse:
    """The provider sends the browser back here with a code (or an error)."""
    configured = provider()
    if configured is None:
        raise Http404("no identity provider is configured")
    client = oauth_client(configured)
    if request.GET.get("error"):
        # The provider refused: Entra ID does this for a disabled or blocked account. Its words
        # are shown only for a sign-in this browser started, so that a crafted link cannot put
        # someone else's text on Hearten's page.
        state = request.GET.get("state", "")
        started_here = client.framework.get_state_data(request.session, state) is not None
        client.framework.clear_state_data(request.session, state)
        return _refuse(
            request,
            SignInOutcome.REFUSED_BY_PROVIDER,
            f"provider error {request.GET['error'][:60]}"
            + ("" if started_here else " (for no sign-in started in this browser)"),
            said=request.GET.get("error_description", "") if started_here else "",
        )
    try:
        token = client.authorize_access_token(
            request, claims_options=_claims_options(configured), leeway=LEEWAY_SECONDS
        )
    except MismatchingStateError:
        return _refuse(
            request,
            SignInOutcome.INVALID_RESPONSE,
            "the state does not match a sign-in started in this browser",
        )
    except OAuthError as exc:
        return _refuse(
            request, SignInOutcome.INVALID_RESPONSE, f"the token request failed: {exc.error}"
        )
    except JoseError as exc:
        return _refuse(
            request, SignInOutcome.INVALID_RESPONSE, f"the ID token failed a check: {exc}"
        )
    except requests.RequestException as exc:
        return _refuse(
            request,
            SignInOutcome.PROVIDER_UNREACHABLE,
            f"the token request failed: {type(exc).__name__}",
            status=502,
        )
    claims = token.get("userinfo")
    if not claims:
        return _refuse(request, SignInOutcome.INVALID_RESPONSE, "the answer had no ID token")
    return _sign_in(request, configured, client, token, dict(claims))


def _identity(
    configured: OpenIdProvider,
    client: DjangoOAuth2App,
    token: dict[str, Any],
    claims: dict[str, Any],
) -> tuple[str, bool]:
    """The e-mail address and whether the provider says it is verified: from the ID token
    or, where the ID token leaves them out (as a provider conforming to OpenID Connect Core
    5.4 does in the code flow), from the user-info endpoint about the same subject."""
    if "email" not in claims:
        info = dict(client.userinfo(token=token))
        if info.get("sub") != claims.get("sub"):
            raise ValueError("the user-info answer is about another subject")
        claims = {**info, **claims}
    verified = claims.get(configured.email_verified_claim)
    return str(claims.get("email") or ""), verified is True or verified == "true"


def provider_asked_second_factor(configured: OpenIdProvider, claims: dict[str, Any]) -> bool:
    """Whether the ID token's MFA claim holds one of the configured values (the claim may be
    a list, as ``amr`` is, or one string, as ``acr`` is)."""
    value = claims.get(configured.mfa_claim)
    values = value if isinstance(value, list) else [value]
    return any(v in configured.mfa_values for v in values if isinstance(v, str))


def _matched_account(
    request: HttpRequest,
    configured: OpenIdProvider,
    client: DjangoOAuth2App,
    token: dict[str, Any],
    claims: dict[str, Any],
) -> Any:
    """The Hearten account for the council account the provider vouched for, or the refusal
    page: the account linked to this subject first; else the one account with the verified
    e-mail address, unless that account is linked to another council account (a reassigned
    address must not open the previous holder's account)."""
    subject = str(claims.get("sub") or "")
    if not subject:
        return _refuse(request, SignInOutcome.INVALID_RESPONSE, "the ID token has no sub")
    linked = (
        CouncilIdentity.objects.select_related("user")
        .filter(issuer=configured.issuer, subject=subject)
        .first()
    )
    if linked is not None:
        return linked.user
    try:
        email, verified = _identity(configured, client, token, claims)
    except (requests.RequestException, ValueError, OAuthError) as exc:
        return _refuse(request, SignInOutcome.INVALID_RESPONSE, f"user info: {exc}")
    if not email or not verified:
        return _refuse(
            request,
            SignInOutcome.UNVERIFIED_EMAIL,
            f"{configured.email_verified_claim} is not true",
        )
    matches = list(get_user_model().objects.filter(email__iexact=email)[:2])
    if len(matches) != 1:
        return _refuse(
            request,
            SignInOutcome.NO_ACCOUNT,
            "no account has the e-mail address" if not matches else "two accounts share it",
        )
    user = matches[0]
    if CouncilIdentity.objects.filter(user=user, issuer=configured.issuer).exists():
        return _refuse(
            request,
            SignInOutcome.OTHER_COUNCIL_ACCOUNT,
            "the e-mail address matched, but the account is linked to another subject",
            user=user,
        )
    return user


def _link(configured: OpenIdProvider, user: Any, subject: str) -> bool:
    """Record the council account on ``user`` at its first council sign-in (nothing when
    already linked to it); False when another sign-in linked either of them meanwhile."""
    try:
        with transaction.atomic():
            CouncilIdentity.objects.get_or_create(
                issuer=configured.issuer, subject=subject, defaults={"user": user}
            )
    except IntegrityError:
        return False
    return CouncilIdentity.objects.filter(
        issuer=configured.issuer, subject=subject, user=user
    ).exists()


def _sign_in(
    request: HttpRequest,
    configured: OpenIdProvider,
    client: DjangoOAuth2App,
    token: dict[str, Any],
    claims: dict[str, Any],
) -> HttpResponse:
    user = _matched_account(request, configured, client, token, claims)
    if isinstance(user, HttpResponse):
        return user
    if not user.is_active:
        return _refuse(
            request, SignInOutcome.ACCOUNT_INACTIVE, "the account is switched off", user=user
        )
    if not _link(configured, user, str(claims["sub"])):
        return _refuse(
            request,
            SignInOutcome.OTHER_COUNCIL_ACCOUNT,
            "another sign-in linked the account or the council account meanwhile",
            user=user,
        )
    target = request.session.pop(_NEXT_KEY, "/trials/")
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    second_factor = provider_asked_second_factor(configured, claims)
    request.session[PROVIDER_MFA_SESSION_KEY] = second_factor
    request.session[ID_TOKEN_SESSION_KEY] = str(token.get("id_token") or "")
    # Without the provider's second factor an evaluator or administrator is held at Hearten's
    # code page (SecondFactorMiddleware) and has no session until the code is given; the code
    # page records ``signed-in`` then.
    held = (
        not second_factor
        and not request.session.get(DEVICE_ID_SESSION_KEY)  # a code given earlier this session
        and needs_second_factor(user)
    )
    if held:
        request.session[COUNCIL_AWAITING_CODE_SESSION_KEY] = True
    CouncilSignIn.objects.create(
        outcome=SignInOutcome.AWAITING_SECOND_FACTOR if held else SignInOutcome.SIGNED_IN,
        user=user,
        second_factor_by_provider=second_factor,
    )
    return redirect(_safe_next(request, target))
