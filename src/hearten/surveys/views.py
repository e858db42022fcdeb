"""The participant's pages: consent, the survey page by page, and thanks. One personal link,
no sign-in; every state (closed, withdrawn, declined, complete, unknown link) has its own
page, never an error."""

from __future__ import annotations

import functools

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from hearten.errors import DataError, NotFound, StateError
from hearten.instruments import get_instrument
from hearten.surveys.forms import ConsentForm, InstrumentForm
from hearten.surveys.models import Invitation
from hearten.surveys.services import (
    is_closed,
    link_dead,
    new_key,
    next_page,
    open_invitation,
    pages_of,
    record_consent,
    save_page,
    saved_pages,
)
from hearten.trials.choices import Consent


def _invitation(request: HttpRequest, token: str) -> Invitation | HttpResponse:
    try:
        return open_invitation(token)
    except NotFound:
        return render(request, "surveys/unknown.html", status=404)


def _state_page(request: HttpRequest, inv: Invitation) -> HttpResponse | None:
    """The page for a participant who cannot answer (any more), if that is the case."""
    trial = inv.wave.trial
    dead = link_dead(trial, inv.revoked_at)
    if dead:
        return render(
            request, "surveys/revoked.html", {"trial": trial, "ended": dead == "ended"}, status=410
        )
    if inv.participant.withdrawn_at is not None:
        return render(request, "surveys/withdrawn.html", {"trial": trial})
    if inv.participant.consent == Consent.DECLINED:
        return render(request, "surveys/declined.html", {"trial": trial})
    if inv.completed_at is not None:
        return render(request, "surveys/thanks.html", {"trial": trial, "already": True})
    if is_closed(inv.wave):
        return render(request, "surveys/closed.html", {"trial": trial, "wave": inv.wave})
    return None


@functools.lru_cache(maxsize=64)
def _blank_questions(name: str) -> SafeString:
    """An instrument's questions with nothing answered: the same for everyone, so rendered
    once per process (the radio grid is most of the cost of opening a page)."""
    form = InstrumentForm(get_instrument(name))
    return render_to_string("surveys/_questions.html", {"questions": form.questions()})


@never_cache
@require_http_methods(["GET", "POST"])
def survey(request: HttpRequest, token: str) -> HttpResponse:
    """Route the participant to the step they are at (module docstring)."""
    inv = _invitation(request, token)
    if isinstance(inv, HttpResponse):
        return inv
    stop = _state_page(request, inv)
    if stop is not None:
        return stop
    trial = inv.wave.trial
    pages = pages_of(inv.wave)
    minutes = max(1, round(sum(p.minutes for p in pages)))
    if inv.participant.consent == Consent.PENDING:
        consent = ConsentForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and consent.is_valid():
            record_consent(inv, consent.cleaned_data["consent"] == "yes")
            return redirect("survey", token=token)
        return render(
            request,
            "surveys/consent.html",
            {"trial": trial, "form": consent, "minutes": minutes},
        )
    answered = saved_pages(inv)
    first_open = next_page(inv, answered)
    if first_open is None:  # every page saved a moment ago on another device
        return redirect("survey-done", token=token)
    try:
        asked = int(request.GET.get("page", "0")) - 1
    except ValueError:
        asked = -1
    current = asked if 0 <= asked <= first_open else first_open
    if request.method == "POST":  # a page's form answers that page, whatever the address
        posted = [
            i for i, p in enumerate(pages[: first_open + 1]) if p.name == request.POST.get("page")
        ]
        current = posted[0] if posted else current
    instrument = pages[current]
    saved = answered.get(instrument.name)
    # The hidden "page" field marks a survey post (a repeated consent post is not one).
    bound = request.method == "POST" and request.POST.get("page") == instrument.name
    form = InstrumentForm(
        instrument,
        request.POST if bound else None,
        initial=saved.answers if saved is not None else None,
    )
    if bound and form.is_valid():
        key = request.POST.get("receipt") or None
        try:
            submission = save_page(inv, instrument.name, form.cleaned_data, key=key)
        except StateError:
            inv.refresh_from_db()
            return _state_page(request, inv) or redirect("survey", token=token)
        except DataError:  # a tampered key: show the page again with a fresh one
            return redirect(f"{reverse('survey', kwargs={'token': token})}?page={current + 1}")
        if submission.complete:
            return redirect("survey-done", token=token)
        following = next_page(inv, {**answered, instrument.name: submission.response})
        url = reverse("survey", kwargs={"token": token})
        return redirect(f"{url}?page={(following or 0) + 1}")
    if form.is_bound or saved is not None:
        questions_html = render_to_string(
            "surveys/_questions.html", {"questions": form.questions()}
        )
    else:
        questions_html = _blank_questions(instrument.name)
    return render(
        request,
        "surveys/survey.html",
        {
            "trial": trial,
            "wave": inv.wave,
            "form": form,
            "questions_html": questions_html,
            "receipt": new_key(),
            "instrument": instrument,
            "page": current + 1,
            "pages": len(pages),
            "last": current == len(pages) - 1,
            "back": current if current > 0 else None,
        },
    )


@never_cache
def done(request: HttpRequest, token: str) -> HttpResponse:
    inv = _invitation(request, token)
    if isinstance(inv, HttpResponse):
        return inv
    if inv.completed_at is None or link_dead(inv.wave.trial, inv.revoked_at):
        return redirect("survey", token=token)
    return render(request, "surveys/thanks.html", {"trial": inv.wave.trial, "already": False})
