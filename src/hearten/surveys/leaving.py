"""Leaving the study, by the participant themselves, from any page or e-mail.

Three steps: the choices the trial's plan allows (stop all contact; also erase my answers
where ``privacy.on_withdrawal`` is ``ask``; the plan's ``erase`` erases anyway and ``keep``
keeps), a confirmation, then :func:`hearten.trials.people.withdraw` (no more e-mails,
reminders, programme modules or unposted letters; written to the audit log as the
participant's own act) and a page saying exactly what is kept. The last page is rendered
directly, not by redirect: erasure switches the link off.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from hearten.errors import StateError
from hearten.surveys.study import Study, frame
from hearten.surveys.visits import visit
from hearten.trials.choices import WithdrawalReason
from hearten.trials.models import Participant
from hearten.trials.people import withdraw


def leave_page(
    request: HttpRequest, study: Study, prefix: str, participant: Participant
) -> HttpResponse:
    """The three steps (module docstring) for ``participant``, under the link ``prefix``."""
    base = frame(study, prefix, leave=participant.withdrawn_at is None)
    if participant.withdrawn_at is not None:
        erased = participant.erased_at is not None
        return render(request, "surveys/withdrawn.html", {**base, "erased": erased})
    ask = study.privacy.on_withdrawal == "ask"
    choice = request.POST.get("choice", "")
    error = ""
    if request.method == "POST":
        if choice not in ("stop", "erase") or (choice == "erase" and not ask):
            error = "Select what you would like to happen" if ask else ""
            choice = "" if ask else "stop"
        if choice and request.POST.get("confirm") == "yes":
            try:
                person = withdraw(
                    participant.trial,
                    participant.pseudonym,
                    WithdrawalReason.NO_LONGER_WISHES,
                    erase=choice == "erase",
                    by="participant",
                    now=timezone.now(),  # the page is the edge
                )
            except StateError:  # left a moment ago, on another device
                person = Participant.objects.get(pk=participant.pk)
            erased = person.erased_at is not None
            done = {**frame(study, prefix, leave=False), "erased": erased}
            return render(request, "surveys/withdrawn.html", done)
        if choice:
            return render(request, "surveys/leave_confirm.html", {**base, "choice": choice})
    return render(request, "surveys/leave.html", {**base, "ask": ask, "error": error})


@never_cache
@require_http_methods(["GET", "POST"])
def leave(request: HttpRequest, token: str) -> HttpResponse:
    """Leave the study from a survey link."""
    v = visit(token)
    if v is None:
        return render(request, "surveys/unknown.html", status=404)
    person = Participant.objects.select_related("trial").get(pk=v.participant_id)
    return leave_page(request, v.study, f"/s/{token}/", person)


def stop_emails_page(
    request: HttpRequest, study: Study, prefix: str, participant: Participant
) -> HttpResponse:
    """No more e-mails, staying in the study (``hearten.messaging.stops``), under the link
    ``prefix``: ``GET`` asks, ``POST`` (the page's button, or a mail program's
    ``List-Unsubscribe=One-Click``) acts at once and says so, naming nothing but the study."""
    from hearten.messaging.stops import mail_stopped, stop_mail

    if request.method == "POST":
        stop_mail(participant.pk, timezone.now())
    base = frame(study, prefix, leave=participant.withdrawn_at is None)
    return render(
        request, "surveys/stop_emails.html", {**base, "stopped": mail_stopped(participant.pk)}
    )


# A mail program's one-click POST (RFC 8058) carries no CSRF token: the secret is the link.
@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def stop_emails(request: HttpRequest, token: str) -> HttpResponse:
    """Stop e-mails from a survey link (:func:`stop_emails_page`)."""
    v = visit(token)
    if v is None:
        return render(request, "surveys/unknown.html", status=404)
    person = Participant.objects.get(pk=v.participant_id)
    return stop_emails_page(request, v.study, f"/s/{token}/", person)
