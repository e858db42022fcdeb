"""The participant's pages: consent, the survey page by page, and thanks. One personal link,
no sign-in; every state (closed, withdrawn, declined, complete, unknown link) has its own
page, never an error."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import datetime

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from hearten.errors import DataError, StateError
from hearten.instruments import Instrument, get_instrument
from hearten.surveys.forms import ConsentForm, InstrumentForm
from hearten.surveys.items import (
    QuestionPage,
    QuestionsForm,
    comment_flags,
    own_pages,
    page_for,
    summary,
)
from hearten.surveys.models import Invitation
from hearten.surveys.services import answer, new_key, record_consent
from hearten.surveys.study import DISTRESSING, frame
from hearten.surveys.survey_time import consent_context, survey_estimate
from hearten.surveys.visits import Visit, mark_opened, visit
from hearten.trials.choices import Consent


def _visit(request: HttpRequest, token: str, now: datetime) -> Visit | HttpResponse:
    """The link behind ``token`` (marked opened at ``now``), or the page for an unknown link.

    Each page reads the clock once, as it starts, and passes that ``now`` to every rule it
    asks about the link (the services take the clock; they never read it)."""
    found = visit(token)
    if found is None:
        return render(request, "surveys/unknown.html", status=404)
    if not found.opened:
        mark_opened(found.invitation_id, now)
    return found


def _frame(token: str, v: Visit, now: datetime, **more: object) -> dict[str, object]:
    """The layout's context for ``v`` at ``now`` (:func:`hearten.surveys.study.frame`) and
    ``more``."""
    live = not v.withdrawn and not v.dead(now)
    return {**frame(v.study, f"/s/{token}/", leave=live), **more}


def _state_page(request: HttpRequest, token: str, v: Visit, now: datetime) -> HttpResponse | None:
    """The page for a participant who cannot answer (any more) at ``now``, if that is the
    case."""
    if v.withdrawn:  # before a dead link: erasure at withdrawal also switches the link off
        return render(request, "surveys/withdrawn.html", _frame(token, v, now, erased=v.erased))
    dead = v.dead(now)
    if dead:
        context = _frame(token, v, now, ended=dead == "ended")
        return render(request, "surveys/revoked.html", context, status=410)
    closed = v.closed(now)
    if v.consent == Consent.DECLINED and not (request.GET.get("reconsider") and not closed):
        return render(request, "surveys/declined.html", _frame(token, v, now, open=not closed))
    if v.completed:
        return render(request, "surveys/thanks.html", _frame(token, v, now, already=True))
    if closed:
        return render(request, "surveys/closed.html", _frame(token, v, now, wave=v.wave))
    return None


def _consent(request: HttpRequest, token: str, v: Visit, now: datetime) -> HttpResponse:
    """Ask for consent before the first question (again if the information sheet changed
    materially, or if someone who said no changes their mind while the wave is open); a "no"
    is confirmed before it is recorded."""
    consent = ConsentForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and consent.is_valid():
        agrees = consent.cleaned_data["consent"] == "yes"
        if not agrees and request.POST.get("confirm") != "yes":
            return render(request, "surveys/decline_confirm.html", _frame(token, v, now))
        inv = Invitation.objects.select_related("participant__trial", "wave").get(
            pk=v.invitation_id
        )
        statements = {s: bool(consent.cleaned_data.get(s)) for s in ("hr", "interview")}
        record_consent(inv, agrees, statements, now=now)
        if agrees:
            return redirect(f"{reverse('survey', kwargs={'token': token})}?consented=1")
        return redirect("survey", token=token)
    again = v.consent == Consent.CONSENTED
    shown = survey_estimate(v.study, v.pages, own_pages(v), closes_on=v.closes_on, again=again)
    context = {
        **_frame(token, v, now),
        **consent_context(v.study, shown, v.closes_on, again, f"/s/{token}/"),
        "form": consent,
    }
    return render(request, "surveys/consent.html", context)


@never_cache
def consent_record(request: HttpRequest, token: str) -> HttpResponse:
    """The participant's consent receipt: each statement, their answer, version and time."""
    v = visit(token)
    if v is None:
        return render(request, "surveys/unknown.html", status=404)
    from hearten.trials.consent import standing
    from hearten.trials.models import Participant

    records = standing(Participant.objects.get(pk=v.participant_id))
    rows = [(text, records[s]) for s, text in v.study.statements if s in records]
    context = _frame(token, v, timezone.now(), rows=rows)
    return render(request, "surveys/consent_record.html", context)


def _to_page(token: str, index: int) -> HttpResponse:
    """Redirect to the survey's page ``index`` (from 0)."""
    return redirect(f"{reverse('survey', kwargs={'token': token})}?page={index + 1}")


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
    now = timezone.now()  # the page is the edge: the one reading of the clock
    v = _visit(request, token, now)
    if isinstance(v, HttpResponse):
        return v
    stop = _state_page(request, token, v, now)
    if stop is not None:
        return stop
    if v.asks_consent() or v.consent == Consent.DECLINED:  # declined: reconsidering (above)
        return _consent(request, token, v, now)
    first_open = v.first_open()
    if first_open is None:  # every page saved a moment ago on another device
        return redirect("survey-done", token=token)
    try:
        asked = int(request.GET.get("page", "0")) - 1
    except ValueError:
        asked = -1
    current = asked if 0 <= asked <= first_open else first_open
    posted = request.POST.get("page") if request.method == "POST" else None
    if posted in v.pages[: first_open + 1]:  # a page's form answers that page, whatever the URL
        current = v.pages.index(posted)
    instrument = page_for(v, v.pages[current])
    saved = v.saved.get(instrument.name)
    # The hidden "page" field marks a survey post (a repeated consent post is not one).
    bound = posted == instrument.name
    finishing = bound and v.first_open(also=instrument.name) is None
    if finishing and request.POST.get("edit") == "yes":  # "Change" on the check page
        bound, saved = False, {k: request.POST.get(k) for k in instrument.item_keys}
    elif finishing and request.POST.get("checked") != "yes":
        try:
            pending = instrument.validate(request.POST)
        except DataError:
            pass  # refused below, with the reasons
        else:
            return _check_answers(request, token, v, instrument.name, pending, now)
    if bound:
        # Stored straight from the post (the instrument checks every answer); the form is
        # built only to explain a refusal, which keeps the busiest request light.
        try:
            key = request.POST.get("receipt") or None
            stored = answer(v, instrument.name, request.POST, key, now)
        except StateError:
            again = visit(token)
            stop = _state_page(request, token, again, now) if again else None
            return stop or redirect("survey", token=token)
        except DataError:
            form = _form(instrument, request.POST, saved)
            if form.is_valid():  # the answers were fine: a tampered key, so a fresh page
                return _to_page(token, current)
        else:
            if stored.complete:
                return redirect("survey-done", token=token)
            return _to_page(token, v.first_open(also=instrument.name) or 0)
    elif saved is not None or isinstance(instrument, QuestionPage):  # shown with its answers
        form = _form(instrument, None, saved)
    else:
        form = None
    if form is None:
        questions_html = _blank_questions(instrument.name)
    else:
        template = "_items" if isinstance(instrument, QuestionPage) else "_questions"
        questions_html = render_to_string(
            f"surveys/{template}.html", {"questions": form.questions()}
        )
    return render(
        request,
        "surveys/survey.html",
        _frame(
            token,
            v,
            now,
            wave=v.wave,
            form=form,
            questions_html=questions_html,
            receipt=new_key(),
            instrument=instrument,
            page=current + 1,
            pages=len(v.pages),
            last=current == len(v.pages) - 1,
            back=current if current > 0 else None,
            distressing=instrument.name in DISTRESSING,
            consented=request.method == "GET" and bool(request.GET.get("consented")),
            welcome_back=request.method == "GET" and "page" not in request.GET and bool(v.saved),
            saved_pages=len(v.saved),
            comment_support=current > 0 and comment_flags(v, v.pages[current - 1]),
        ),
    )


def _form(
    page: Instrument | QuestionPage, data: object, saved: dict[str, object] | None
) -> InstrumentForm | QuestionsForm:
    """The form of ``page`` bound to ``data`` (or not), with the answers ``saved`` before."""
    if isinstance(page, QuestionPage):
        return QuestionsForm(page, data, initial=saved or {})
    return InstrumentForm(page, data, initial=saved)


def _check_answers(
    request: HttpRequest,
    token: str,
    v: Visit,
    last: str,
    pending: Mapping[str, object],
    now: datetime,
) -> HttpResponse:
    """Every answer, page by page, before the last page is stored and the survey sent; the
    last page's answers travel in the form (nothing is stored until "Send my answers")."""
    sections = []
    for number, name in enumerate(v.pages, start=1):
        instrument = page_for(v, name)
        given = pending if name == last else v.saved.get(name, {})
        rows = summary(instrument, given)
        sections.append({"number": number, "heading": instrument.heading, "rows": rows,
                         "last": name == last})  # fmt: skip
    context = _frame(
        token,
        v,
        now,
        sections=sections,
        last=last,
        pending=sorted(pending.items()),
        receipt=new_key(),
        pages=len(v.pages),
    )
    return render(request, "surveys/check.html", context)


@never_cache
def done(request: HttpRequest, token: str) -> HttpResponse:
    now = timezone.now()
    v = _visit(request, token, now)
    if isinstance(v, HttpResponse):
        return v
    if not v.completed or v.dead(now):
        return redirect("survey", token=token)
    support = v.pages[-1] in v.saved and comment_flags(v, v.pages[-1])
    context = _frame(token, v, now, already=False, comment_support=support)
    return render(request, "surveys/thanks.html", context)
