"""Letter writers' pages (their staff who are to get a letter, and the letter for each) and
the participant's goals programme pages (a personal link, no sign-in)."""

from __future__ import annotations

from datetime import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from hearten.errors import DataError, StateError
from hearten.interventions.goals import (
    load_modules,
    log,
    opt_out,
    save_module,
    unlock_date,
    unlocked,
)
from hearten.interventions.letters import (
    Recipient,
    UnsafeLetter,
    letter_text,
    recipients_for,
    send_letter,
    withdraw_letter,
    write_letter,
)
from hearten.interventions.models import EngagementKind, Enrolment, ModuleWork
from hearten.interventions.personalisation import MAX_CHARACTERS, MIN_WORDS
from hearten.interventions.review import returned_comment
from hearten.surveys.concerns import concern_page
from hearten.surveys.information import information_page, privacy_page
from hearten.surveys.leaving import leave_page
from hearten.surveys.services import link_dead
from hearten.surveys.study import frame, study_of
from hearten.trials.concealment import trial_for
from hearten.trials.models import Trial


class LetterForm(forms.Form):
    lines = forms.CharField(
        max_length=MAX_CHARACTERS,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={
            "required": "Write what this person did and why it mattered",
            "max_length": "Shorten the letter to %(limit_value)d characters or fewer "
            "(it has %(show_value)d)",
        },
    )


def _writer_trial(request: HttpRequest, slug: str) -> Trial:
    found = trial_for(request.user, slug, ("letter-writer",))
    if found is None:
        raise Http404("no such trial")
    return found[0]


#: What the writer sees of each stage of a letter.
STAGES = {
    "draft": ("Needs more", "govuk-tag--yellow"),
    "ready": ("Ready to send", "govuk-tag--blue"),
    "approved": ("Sent for printing", "govuk-tag--green"),
    "printed": ("Printed", "govuk-tag--green"),
    "posted": ("Posted", "govuk-tag--green"),
    "emailed": ("E-mailed", "govuk-tag--green"),
    "stopped": ("Stopped", "govuk-tag--grey"),
    "returned": ("Returned to you", "govuk-tag--red"),
}
SENT = ("approved", "printed", "posted", "emailed")


@login_required
def letters(request: HttpRequest, slug: str) -> HttpResponse:
    """The writer's staff who are to get a letter, each letter's stage, and progress."""
    trial = _writer_trial(request, slug)
    try:
        people = recipients_for(request.user, trial)
    except StateError:
        people = []
    plan = getattr(trial, "letter_plan", None)
    rows = [
        {
            "who": r,
            "stage": STAGES[r.letter.status] if r.letter else ("Not started", "govuk-tag--grey"),
        }
        for r in people
    ]
    return render(
        request,
        "interventions/letters.html",
        {
            "trial": trial,
            "rows": rows,
            "open": trial.delivery_opened_at is not None,
            "sent": sum(1 for r in people if r.letter and r.letter.status in SENT),
            "deadline": plan.deadline if plan is not None else None,
        },
    )


def _recipient(request: HttpRequest, trial: Trial, pseudonym: str) -> Recipient:
    mine = {r.participant.pseudonym: r for r in recipients_for(request.user, trial)}
    if pseudonym not in mine:
        raise Http404("not one of your staff who are to receive a letter")
    return mine[pseudonym]


@login_required
@require_http_methods(["GET", "POST"])
def letter(request: HttpRequest, slug: str, pseudonym: str) -> HttpResponse:
    """Write, check, preview, send and withdraw one letter."""
    trial = _writer_trial(request, slug)
    who = _recipient(request, trial, pseudonym)
    current = who.letter
    action = request.POST.get("action", "check") if request.method == "POST" else ""
    if action in ("send", "withdraw"):
        try:
            if action == "send":
                send_letter(request.user, trial, pseudonym, now=timezone.now())
                messages.success(
                    request,
                    f"Your letter to {who.name} is sent for printing. You can withdraw it "
                    "until it is posted.",
                )
                return redirect("letters", slug=slug)
            withdraw_letter(request.user, trial, pseudonym, now=timezone.now())
            messages.success(
                request, f"Your letter to {who.name} is withdrawn: it will not be printed."
            )
        except (DataError, StateError) as exc:
            messages.error(request, str(exc))
        return redirect("letter", slug=slug, pseudonym=pseudonym)
    form = LetterForm(
        request.POST if action == "check" else None,
        initial={"lines": current.lines if current else ""},
    )
    error = None
    refused: tuple[str, ...] = ()
    if action == "check" and form.is_valid():
        try:
            current = write_letter(
                request.user, trial, pseudonym, form.cleaned_data["lines"], now=timezone.now()
            )
            if current.status == "ready":
                messages.success(
                    request,
                    "Your letter passes every check. Read it below as it will be printed, "
                    "then send it for printing.",
                )
                return redirect("letter", slug=slug, pseudonym=pseudonym)
        except UnsafeLetter as exc:
            refused = tuple(c.reason for c in exc.concerns)
        except (DataError, StateError) as exc:
            error = str(exc)
    status = current.status if current else ""
    return render(
        request,
        "interventions/letter.html",
        {
            "trial": trial,
            "who": who,
            "form": form,
            "letter": current,
            "stage": STAGES[status][0] if status else "Not started",
            "editable": status in ("", "draft", "ready", "returned"),
            "returned": returned_comment(current) if current else "",
            "can_send": status == "ready",
            "can_withdraw": status in ("approved", "printed"),
            "error": error,
            "refused": refused,
            "min_words": MIN_WORDS,
            "preview": letter_text(current) if current and status != "draft" else None,
        },
    )


@login_required
def letter_pdf(request: HttpRequest, slug: str, pseudonym: str) -> HttpResponse:
    """The letter as it will be printed (the same PDF page ``letters print`` makes) but
    without the recipient's postal address: the writer needs the letter, not where the person
    lives; the address is printed only by the coordinator's ``letters print`` step."""
    from hearten.interventions.pdf import letter_pdf as make_pdf

    trial = _writer_trial(request, slug)
    current = _recipient(request, trial, pseudonym).letter
    if current is None or current.status in ("draft", "stopped"):
        raise Http404("no letter ready to preview")
    response = HttpResponse(
        make_pdf(letter_text(current), "", timezone.localdate()),
        content_type="application/pdf",
    )
    response["Content-Disposition"] = f'inline; filename="letter-{pseudonym}.pdf"'
    return response


def _frame(e: Enrolment) -> dict[str, object]:
    """The participant layout's context for a programme link (the study, not the trial's
    internal name; the footer's links under ``/g/TOKEN/``)."""
    return frame(study_of(e.trial), f"/g/{e.token}/", leave=_live(e))


def _enrolment(token: str) -> Enrolment | None:
    return Enrolment.objects.select_related("participant", "trial").filter(token=token).first()


def _gone(request: HttpRequest, e: Enrolment | None, now: datetime) -> HttpResponse | None:
    """The page to show instead at ``now`` (the page's clock), or ``None``."""
    if e is None:
        return render(request, "surveys/unknown.html", status=404)
    dead = link_dead(e.trial, e.revoked_at, now)
    if dead:
        return render(
            request,
            "surveys/revoked.html",
            {**_frame(e), "ended": dead == "ended"},
            status=410,
        )
    if e.participant.withdrawn_at is not None:
        erased = e.participant.erased_at is not None
        return render(request, "surveys/withdrawn.html", {**_frame(e), "erased": erased})
    if e.opted_out_at is not None:
        return render(request, "interventions/stopped.html", _frame(e))
    return None


@never_cache
def programme(request: HttpRequest, token: str) -> HttpResponse:
    """The participant's programme page: each module, open or with its opening date."""
    now = timezone.now()  # the page is the edge: the one reading of the clock
    e = _enrolment(token)
    stop = _gone(request, e, now)
    if stop is not None or e is None:
        return stop or render(request, "surveys/unknown.html", status=404)
    clicked = request.GET.get("r")
    if clicked:
        log(e, EngagementKind.REMINDER_CLICKED, now)
    log(e, EngagementKind.OPENED, now)
    done = set(
        ModuleWork.objects.filter(enrolment=e, completed_at__isnull=False).values_list(
            "module", flat=True
        )
    )
    modules = [
        {
            "module": m,
            "open": unlocked(e, m.number, timezone.localdate(now)),
            "opens": unlock_date(e, m.number),
            "done": m.number in done,
        }
        for m in load_modules()
    ]
    return render(
        request,
        "interventions/programme.html",
        {**_frame(e), "modules": modules, "token": token, "finished": len(done)},
    )


@never_cache
@require_http_methods(["GET", "POST"])
def module(request: HttpRequest, token: str, number: int) -> HttpResponse:
    """One module: its content and the participant's own private answers."""
    now = timezone.now()  # the page is the edge: the one reading of the clock
    e = _enrolment(token)
    stop = _gone(request, e, now)
    if stop is not None or e is None:
        return stop or render(request, "surveys/unknown.html", status=404)
    modules = load_modules()
    if not 1 <= number <= len(modules):
        return render(request, "surveys/unknown.html", status=404)
    m = modules[number - 1]
    if not unlocked(e, number, timezone.localdate(now)):
        return render(
            request,
            "interventions/locked.html",
            {**_frame(e), "module": m, "opens": unlock_date(e, number), "token": token},
        )
    work = ModuleWork.objects.filter(enrolment=e, module=number).first()
    if request.method == "POST":
        answers = {q.key: request.POST.get(q.key, "") for q in m.questions}
        try:
            save_module(e, number, answers, complete="complete" in request.POST, now=now)
        except StateError:
            return redirect("programme", token=token)
        return redirect("programme", token=token)
    if work is None:
        log(e, EngagementKind.MODULE_STARTED, now, number)
    saved = work.answers if work else {}
    return render(
        request,
        "interventions/module.html",
        {
            **_frame(e),
            "module": m,
            "token": token,
            "questions": [{"key": q.key, "prompt": q.prompt, "value": saved.get(q.key, "")}
                          for q in m.questions],
            "done": work is not None and work.completed_at is not None,
            # The package's own module text, rendered with raw HTML disabled (escaped).
            "content": mark_safe(m.html),  # nosec B308 B703
        },
    )  # fmt: skip


@never_cache
@require_http_methods(["GET", "POST"])
def leave_programme(request: HttpRequest, token: str) -> HttpResponse:
    """Stop the programme and its reminders (the trial and its surveys carry on)."""
    now = timezone.now()  # the page is the edge: the one reading of the clock
    e = _enrolment(token)
    stop = _gone(request, e, now)
    if stop is not None or e is None:
        return stop or render(request, "surveys/unknown.html", status=404)
    if request.method == "POST":
        opt_out(e, now=now)
        return render(request, "interventions/stopped.html", _frame(e))
    return render(request, "interventions/leave.html", {**_frame(e), "token": token})


def _live(e: Enrolment) -> bool:
    """The person has not left the study and the link still works."""
    return e.participant.withdrawn_at is None and not link_dead(
        e.trial, e.revoked_at, timezone.now()
    )


@never_cache
def information(request: HttpRequest, token: str) -> HttpResponse:
    """The study's information sheet, from a programme link (open after the programme stops)."""
    e = _enrolment(token)
    if e is None:
        return render(request, "surveys/unknown.html", status=404)
    return information_page(request, study_of(e.trial), f"/g/{token}/", _live(e))


@never_cache
def privacy(request: HttpRequest, token: str) -> HttpResponse:
    """The study's privacy notice, from a programme link."""
    e = _enrolment(token)
    if e is None:
        return render(request, "surveys/unknown.html", status=404)
    return privacy_page(request, study_of(e.trial), f"/g/{token}/", _live(e))


@never_cache
@require_http_methods(["GET", "POST"])
def leave_study(request: HttpRequest, token: str) -> HttpResponse:
    """Leave the whole study (not just the programme), from a programme link."""
    e = _enrolment(token)
    if e is None:
        return render(request, "surveys/unknown.html", status=404)
    return leave_page(request, study_of(e.trial), f"/g/{token}/", e.participant)


# A mail program's one-click POST (RFC 8058) carries no CSRF token: the secret is the link.
@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def stop_emails(request: HttpRequest, token: str) -> HttpResponse:
    """Stop e-mails from a programme link, staying in the study
    (:func:`hearten.surveys.leaving.stop_emails_page`)."""
    from hearten.surveys.leaving import stop_emails_page

    e = _enrolment(token)
    if e is None:
        return render(request, "surveys/unknown.html", status=404)
    return stop_emails_page(request, study_of(e.trial), f"/g/{token}/", e.participant)


@never_cache
@require_http_methods(["GET", "POST"])
def concern(request: HttpRequest, token: str) -> HttpResponse:
    """Raise a concern from a programme link (:mod:`hearten.surveys.concerns`)."""
    e = _enrolment(token)
    if e is None:
        return render(request, "surveys/unknown.html", status=404)
    return concern_page(request, study_of(e.trial), f"/g/{token}/", e.participant, leave=_live(e))
