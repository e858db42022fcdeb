"""Two-factor sign-in (django-otp, time-based codes) for evaluators and administrators.

Evaluators see individuals' answers and the full allocation, and administrators can grant that,
so after their password they also enter a six-digit code from an authenticator app. Coordinators
and letter writers, who see only what delivery needs, sign in with a password alone (the
sign-in throttle applies to everyone). An administrator issues the app's key with
``hearten user 2fa USERNAME``. Someone who signed in with their council account whose provider
asked for a second factor (its MFA claim, :mod:`hearten.web.council_sign_in`) has taken the
second step there and is not asked again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp import login as otp_login
from django_otp import match_token, user_has_device

from hearten.trials.models import Trial
from hearten.web.models import CouncilSignIn, SignInOutcome


def needs_second_factor(user: Any) -> bool:
    """Evaluators of any trial and administrators must use a second factor."""
    return bool(
        user.is_superuser or user.is_staff or Trial.objects.filter(evaluators__id=user.pk).exists()
    )


#: The session's note that the council's identity provider asked for a second factor at this
#: sign-in (set only by :mod:`hearten.web.council_sign_in`, after signing in).
PROVIDER_MFA_SESSION_KEY = "hearten_provider_mfa"

#: The session's note that a council sign-in is held at the code page (set only by
#: :mod:`hearten.web.council_sign_in`, with its ``awaiting-second-factor`` record): accepting
#: the code then records the council sign-in as ``signed-in``.
COUNCIL_AWAITING_CODE_SESSION_KEY = "hearten_council_awaiting_code"

#: The reason recorded with a council sign-in completed at Hearten's code page.
CODE_ACCEPTED = "Hearten's code accepted"

#: Paths open before the second step: signing in and out, the participants' own pages, and
#: the API (it ignores the session: only its tokens count, ``hearten.web.api.v1``).
OPEN = ("/sign-in/", "/sign-out/", "/healthz", "/static/", "/s/", "/g/", "/api/")


class SecondFactorMiddleware:
    """Sends a signed-in evaluator or administrator who has not entered a code this session to
    the code page, whatever page they ask for (after ``OTPMiddleware``)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user: Any = request.user
        if (
            user.is_authenticated
            and not request.path.startswith(OPEN)
            and not user.is_verified()
            and not request.session.get(PROVIDER_MFA_SESSION_KEY)
            and needs_second_factor(user)
        ):
            return redirect(f"/sign-in/code/?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)


class CodeForm(forms.Form):
    code = forms.RegexField(
        regex=r"^\s*\d{6}\s*$",
        label="Code from your authenticator app",
        error_messages={
            "required": "Enter the six-digit code from your authenticator app",
            "invalid": "Enter the six digits the app shows, with no spaces or letters",
        },
    )


@login_required
def enter_code(request: HttpRequest) -> HttpResponse:
    """The second step of signing in: the code from the authenticator app."""
    user: Any = request.user
    target = request.GET.get("next") or "/trials/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/trials/"
    if not user_has_device(user):
        return render(request, "hearten/no_device.html", status=403)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(user, form.cleaned_data["code"].strip())
        if device is not None:
            otp_login(request, device)
            if request.session.pop(COUNCIL_AWAITING_CODE_SESSION_KEY, False):
                CouncilSignIn.objects.create(
                    outcome=SignInOutcome.SIGNED_IN, user=user, reason=CODE_ACCEPTED
                )
            return redirect(target)
        form.add_error(
            "code",
            "That code is not right or has expired (after a wrong code, each next try waits "
            "longer): wait a few seconds and enter the code the app shows now",
        )
    return render(request, "hearten/code.html", {"form": form})
