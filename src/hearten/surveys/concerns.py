"""Raising a concern, by the participant themselves, from any page or e-mail (issue 18, item 7).

"Raise a concern" is in the footer of every participant page and in every e-mail, beside
"Leave the study". The page says who reads a concern (the research team, never the person's
manager or employer) and within how many working days (``participants.concerns_read_within``),
and signposts support for anyone who needs help now. A concern is written to the trial's harms
and concerns log (:func:`hearten.trials.harms.log_harm`: kind ``concern``, source
``participant``, with the person's study code, so the trial report counts it by arm as
CONSORT 2025 asks; the audit log records it without its text), and the evaluator reads it with
``hearten trial harms``.

Posts are limited per link: the same text sent twice within :data:`REPEAT_WINDOW` is kept
once (a double tap or a resent form), and at most :data:`PER_DAY` concerns a day are taken
from one person; after that the page asks them to use the contact e-mail or phone.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from hearten.surveys.study import Study, frame
from hearten.surveys.visits import visit
from hearten.trials.harms import log_harm
from hearten.trials.models import HarmReport, Participant

#: The longest concern taken (about two pages of text); longer ones are asked to be shortened.
MAX_CHARACTERS = 5_000
#: Concerns one person may raise in a day from their link (then: the contact route).
PER_DAY = 5
#: The same text sent again within this time is the same concern (a double tap, a resend).
REPEAT_WINDOW = timedelta(minutes=30)


class Intake(StrEnum):
    """What becomes of a concern just sent: logged (``new``), kept once already
    (``repeat``), or refused for the day (``over-limit``)."""

    NEW = "new"
    REPEAT = "repeat"
    OVER_LIMIT = "over-limit"


def intake(participant: Participant, text: str, now: datetime) -> Intake:
    """The rule of the module docstring at ``now`` (the caller's clock): the same text within
    :data:`REPEAT_WINDOW` before it is a repeat; :data:`PER_DAY` concerns in the day before it
    are the limit."""
    mine = HarmReport.objects.filter(participant=participant, source="participant")
    if mine.filter(description=text, reported_at__gte=now - REPEAT_WINDOW).exists():
        return Intake.REPEAT
    day = mine.filter(kind="concern", reported_at__gte=now - timedelta(days=1)).count()
    return Intake.OVER_LIMIT if day >= PER_DAY else Intake.NEW


def concern_page(
    request: HttpRequest, study: Study, prefix: str, participant: Participant, *, leave: bool
) -> HttpResponse:
    """The form, the refusal of an empty or overlong one, and the page after sending it."""
    base = {**frame(study, prefix, leave=leave), "per_day": PER_DAY}
    if request.method == "GET" and request.GET.get("sent"):
        return render(request, "surveys/concern_sent.html", base)
    if request.method == "GET":
        return render(request, "surveys/concern.html", base)
    text = request.POST.get("concern", "").strip()
    error = ""
    if not text:
        error = "Write your concern"
    elif len(text) > MAX_CHARACTERS:
        error = f"Your concern must be {MAX_CHARACTERS:,} characters or fewer"
    if error:
        context = {**base, "error": error, "text": text}
        return render(request, "surveys/concern.html", context)
    now = timezone.now()  # the page is the edge: the one reading of the clock
    verdict = intake(participant, text, now)
    if verdict == Intake.OVER_LIMIT:
        return render(request, "surveys/concern_limit.html", base, status=429)
    if verdict == Intake.NEW:
        log_harm(
            participant.trial,
            text,
            kind="concern",
            source="participant",
            pseudonym=participant.pseudonym,
            now=now,
        )
    return redirect(f"{prefix}concern/?sent=1")


@never_cache
@require_http_methods(["GET", "POST"])
def concern(request: HttpRequest, token: str) -> HttpResponse:
    """Raise a concern from a survey link (open after leaving the study, too)."""
    v = visit(token)
    if v is None:
        return render(request, "surveys/unknown.html", status=404)
    person = Participant.objects.select_related("trial").get(pk=v.participant_id)
    live = not v.withdrawn and not v.dead(timezone.now())
    return concern_page(request, v.study, f"/s/{token}/", person, leave=live)
