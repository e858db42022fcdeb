"""The deliverer survey as a staff page: letter writers give the minutes a letter took and how
acceptable writing them was, and coordinators and letter writers say what was hard
(:mod:`hearten.process.deliverers`). Only the trial's letter writers and coordinators may
open it; anyone else gets "not found"."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from hearten.errors import HeartenError
from hearten.instruments.base import plain_whole
from hearten.process.deliverers import MAX_HARD, MAX_MINUTES, answer
from hearten.process.models import DelivererAnswer

#: The acceptability scale, as the page words it.
ACCEPTABILITY = (
    (1, "Very unacceptable"),
    (2, "Unacceptable"),
    (3, "Neither acceptable nor unacceptable"),
    (4, "Acceptable"),
    (5, "Very acceptable"),
)


def _number(raw: str | None, what: str) -> int | None:
    if raw is None or not raw.strip():
        return None
    value = plain_whole(raw)
    if value is None:
        raise HeartenError(f"Enter {what} as a whole number, like 15")
    return value


@login_required
def deliverer_survey(request: HttpRequest, slug: str) -> HttpResponse:
    """Show the deliverer survey with the person's earlier answers; store a new set."""
    from hearten.trials.concealment import trial_for

    found = trial_for(request.user, slug, ("letter-writer", "coordinator"))
    if found is None:
        raise Http404("no such trial")
    trial, role = found
    writer = role == "letter-writer"
    error = None
    if request.method == "POST":
        post = request.POST
        try:
            answer(
                trial,
                request.user,
                minutes_per_letter=_number(post.get("minutes"), "the minutes") if writer else None,
                acceptability=_number(post.get("acceptability"), "acceptability")
                if writer
                else None,
                hard=post.get("hard", ""),
            )
        except HeartenError as e:
            error = str(e)
        else:
            return redirect(f"{request.path}?saved=1")
    before = DelivererAnswer.objects.filter(trial=trial, respondent_id=request.user.pk).first()
    given = request.POST if error else {
        "minutes": str(before.minutes_per_letter or "") if before else "",
        "acceptability": str(before.acceptability or "") if before else "",
        "hard": before.hard if before else "",
    }  # fmt: skip
    context = {
        "trial": trial,
        "writer": writer,
        "scale": [(str(v), label) for v, label in ACCEPTABILITY],
        "given": given,
        "error": error,
        "saved": request.GET.get("saved") == "1" and before is not None,
        "max_minutes": MAX_MINUTES,
        "max_hard": MAX_HARD,
    }
    return render(request, "process/deliverer.html", context, status=400 if error else 200)
