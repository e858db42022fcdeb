"""The HTTPS proxy in front of ``hearten serve``, and the client address it reports.

A deployment puts the organisation's HTTPS proxy in front of the app (see the deployment
guide). The proxy at ``HEARTEN_TRUSTED_PROXY`` (default ``127.0.0.1``) is believed about two
things: the scheme the visitor used (``X-Forwarded-Proto``), so ``request.is_secure()`` is true,
HSTS is sent and the CSRF origin check expects ``https://``; and the visitor's own address
(the last entry of ``X-Forwarded-For``, the one the proxy appended), so sign-in throttling
counts each visitor apart rather than everyone behind the proxy as one. Headers from any other
address are ignored (waitress removes them; the client address falls back to the connection).
"""

from __future__ import annotations

import ipaddress
from typing import Any

from django.conf import settings
from django.http import HttpRequest

PROXY_HEADERS = frozenset({"x-forwarded-proto", "x-forwarded-for"})


def waitress_options() -> dict[str, Any]:
    """waitress's proxy options: believe the two headers from the trusted proxy only."""
    proxy = settings.HEARTEN.trusted_proxy
    if proxy is None:
        return {"clear_untrusted_proxy_headers": True}
    return {
        "trusted_proxy": proxy,
        "trusted_proxy_count": 1,
        "trusted_proxy_headers": set(PROXY_HEADERS),
        "clear_untrusted_proxy_headers": True,
    }


def gunicorn_options() -> dict[str, Any]:
    """gunicorn's: it takes the scheme from the trusted proxy only (the client address is
    read by :func:`client_address`)."""
    proxy = settings.HEARTEN.trusted_proxy
    return {
        "forwarded_allow_ips": proxy or "",
        "secure_scheme_headers": {"X-FORWARDED-PROTO": "https"},
    }


def client_address(request: HttpRequest) -> str | None:
    """The visitor's address: from the trusted proxy's ``X-Forwarded-For`` when the request
    came through it, otherwise the connection's own address.

    Written here rather than with django-ipware: the rule is one comparison, and it must agree
    exactly with the one address waitress and gunicorn are told to trust. (waitress has
    already put the forwarded address in ``REMOTE_ADDR``; gunicorn leaves the proxy's there.)
    """
    remote: str | None = request.META.get("REMOTE_ADDR")
    proxy = settings.HEARTEN.trusted_proxy
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxy is None or remote != proxy or not forwarded:
        return remote
    last = forwarded.split(",")[-1].strip()
    try:
        return str(ipaddress.ip_address(last))
    except ValueError:
        return remote
