"""The "API tokens" staff page of a trial: evaluators and coordinators make tokens for
themselves (the secret is shown once, on the page that made it, and kept nowhere), see their
own, and revoke them; an evaluator sees and may revoke every token of the trial."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from hearten.errors import HeartenError
from hearten.web.api import tokens
from hearten.web.api.models import Scope

#: The lifetimes offered, in days.
DAYS = (30, 90, 365)


@login_required
@require_http_methods(["GET", "POST"])
def api_tokens(request: HttpRequest, slug: str) -> HttpResponse:
    """Make, list and revoke API tokens (module docstring)."""
    from hearten.web.views import with_role

    trial, role = with_role(request, slug, ("evaluator", "coordinator"))
    me = request.user.get_username()
    now = timezone.now()  # the page is the edge: the one reading of the clock
    issued, error = None, ""
    if request.method == "POST" and request.POST.get("action") == "revoke":
        prefix = request.POST.get("prefix", "")
        mine = {t.prefix for t in tokens.tokens_of(trial, me)}
        if role == "evaluator" or prefix in mine:
            try:
                tokens.revoke_token(trial, prefix, by=me, now=now)
                messages.success(request, f"Token {prefix} is revoked: it no longer works.")
            except HeartenError as exc:
                messages.error(request, str(exc))
        return redirect("api-tokens", slug=slug)
    if request.method == "POST" and request.POST.get("action") == "create":
        try:
            days = int(request.POST.get("days", ""))
        except ValueError:
            days = 0
        try:
            issued = tokens.create_token(
                trial, me, request.POST.get("scope", ""), days if days in DAYS else 0,
                name=request.POST.get("name", ""), created_by=me, now=now,
            )  # fmt: skip
        except HeartenError as exc:
            error = str(exc)
    shown = tokens.tokens_of(trial, None if role == "evaluator" else me)
    context: dict[str, Any] = {
        "trial": trial,
        "issued": issued,
        "error": error,
        "scopes": Scope.choices,
        "days": DAYS,
        "rows": [(t, tokens.state_of(t, now)) for t in shown],
        "everyone": role == "evaluator",
    }
    response = render(request, "api/tokens.html", context)
    response["Cache-Control"] = "no-store"  # the page that shows a secret is never kept
    return response
