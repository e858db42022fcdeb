"""The participant's pages: consent, the survey, and thanks. One link, no sign-in."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from hearten.errors import NotFound
from hearten.surveys.forms import ConsentForm, InstrumentForm
from hearten.surveys.models import Invitation, Response
from hearten.surveys.services import (
    instrument_of,
    open_invitation,
    record_consent,
    submit_response,
)
from hearten.trials.choices import Consent


def _invitation(token: str) -> Invitation:
    try:
        return open_invitation(token)
    except NotFound:
        raise Http404("unknown survey link") from None


@never_cache
@require_http_methods(["GET", "POST"])
def survey(request: HttpRequest, token: str) -> HttpResponse:
    """Route the participant to the step they are at."""
    inv = _invitation(token)
    trial = inv.wave.trial
    consent = inv.participant.consent
    if inv.participant.withdrawn_at is not None:
        return render(request, "surveys/withdrawn.html", {"trial": trial})
    if consent == Consent.DECLINED:
        return render(request, "surveys/declined.html", {"trial": trial})
    if consent == Consent.PENDING:
        form = ConsentForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            record_consent(inv, form.cleaned_data["consent"] == "yes")
            return redirect("survey", token=token)
        return render(request, "surveys/consent.html", {"trial": trial, "form": form})
    if Response.objects.filter(invitation=inv).exists():
        return render(request, "surveys/thanks.html", {"trial": trial, "already": True})
    instrument = instrument_of(inv)
    # The hidden "items" field marks a survey post (a repeated consent post is not one).
    bound = request.method == "POST" and "items" in request.POST
    answers = InstrumentForm(instrument, request.POST if bound else None)
    if bound and answers.is_valid():
        submit_response(inv, answers.cleaned_data)
        return redirect("survey-done", token=token)
    return render(
        request,
        "surveys/survey.html",
        {"trial": trial, "wave": inv.wave, "form": answers, "instrument": instrument},
    )


@never_cache
def done(request: HttpRequest, token: str) -> HttpResponse:
    inv = _invitation(token)
    return render(request, "surveys/thanks.html", {"trial": inv.wave.trial, "already": False})
