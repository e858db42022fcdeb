"""Signing out after a council sign-in ends the session at the council's provider too.

OpenID Connect RP-Initiated Logout 1.0: when the provider's discovery document advertises an
``end_session_endpoint``, signing out of Hearten sends the browser there with the ID token of
the sign-in (``id_token_hint``, so the provider knows whose session and which application),
Hearten's client ID, and ``post_logout_redirect_uri``: Hearten's signed-out page, registered
with the provider. Otherwise (a password sign-in, a provider without the endpoint, or one that
cannot be reached) only Hearten's session ends, as before.

The sign-out button is a form posting to Hearten, and the pages' Content-Security-Policy
allows forms to post only to Hearten; browsers apply that to the redirects after a post too.
So the answer to the post is a Hearten page that moves on to the provider by an immediate
``<meta http-equiv="refresh">`` (WCAG technique H76), with a link for when it does not.
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode

import requests
from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from hearten.config import OpenIdProvider
from hearten.web.council_sign_in import ID_TOKEN_SESSION_KEY, oauth_client, provider

#: Hearten's signed-out page, where the provider sends the browser after its sign-out
#: (registered with the provider as a post-logout redirect URI).
SIGNED_OUT_PATH = "/sign-out/done/"

logger = logging.getLogger(__name__)


def post_logout_redirect_uri() -> str:
    """The signed-out page's address, built from ``HEARTEN_BASE_URL``."""
    base: str = settings.HEARTEN.base_url
    return base + SIGNED_OUT_PATH


def end_session_url(configured: OpenIdProvider, id_token: str) -> str | None:
    """Where to send the browser to end the provider's session, or None when the provider
    advertises no ``end_session_endpoint`` or cannot be reached."""
    try:
        metadata = oauth_client(configured).load_server_metadata()
    except (requests.RequestException, ValueError) as exc:
        logger.warning("sign-out: the provider's discovery failed (%s)", type(exc).__name__)
        return None
    endpoint = metadata.get("end_session_endpoint")
    if not isinstance(endpoint, str) or not endpoint:
        return None
    query = urlencode(
        {
            "id_token_hint": id_token,
            "client_id": configured.client_id,
            "post_logout_redirect_uri": post_logout_redirect_uri(),
        }
    )
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"


@never_cache
@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    """End Hearten's session and, after a council sign-in, the provider's (never cached: the
    page that moves on to the provider carries the ID token in its address)."""
    id_token = str(request.session.get(ID_TOKEN_SESSION_KEY) or "")
    logout(request)
    configured = provider()
    target = end_session_url(configured, id_token) if configured and id_token else None
    if target is None:
        return redirect(settings.LOGOUT_REDIRECT_URL)
    return render(request, "hearten/signing_out.html", {"end_session_url": target})


@never_cache
@require_GET
def signed_out(request: HttpRequest) -> HttpResponse:
    """The page the provider sends the browser back to after ending its session."""
    return render(request, "hearten/signed_out.html")
