"""The evaluator's fidelity review pages (``interventions.review``): the queue of sampled
letters with a form to draw a sample, and one letter to accept or return with a comment."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from hearten.errors import DataError, NotFound, StateError
from hearten.interventions.letters import letter_text
from hearten.interventions.models import LetterReview, Verdict
from hearten.interventions.review import (
    MAX_PER_WRITER,
    RETURNABLE,
    draw_sample,
    redraw,
    review_letter,
    review_of,
    sampled,
)
from hearten.trials.models import Trial


class SampleForm(forms.Form):
    per_writer = forms.IntegerField(
        min_value=1,
        max_value=MAX_PER_WRITER,
        initial=2,
        error_messages={
            "required": "Enter how many letters of each writer to read",
            "invalid": "Enter how many letters of each writer to read as a whole number",
            "min_value": "Read at least 1 letter of each writer",
            "max_value": f"Read at most {MAX_PER_WRITER} letters of each writer in one sample",
        },
    )


class VerdictForm(forms.Form):
    verdict = forms.ChoiceField(
        choices=[(Verdict.ACCEPTED, "Accept"), (Verdict.RETURNED, "Return to its writer")],
        error_messages={"required": "Choose whether to accept the letter or return it"},
    )
    comment = forms.CharField(required=False, max_length=2000, widget=forms.Textarea)


def _trial(request: HttpRequest, slug: str) -> Trial:
    trial = Trial.objects.filter(slug=slug, evaluators__id=int(request.user.pk or 0)).first()
    if trial is None:
        raise Http404("no such trial")
    return trial


@login_required
@require_http_methods(["GET", "POST"])
def reviews(request: HttpRequest, slug: str) -> HttpResponse:
    """The review queue, each sample with its seed, and drawing a new sample."""
    trial = _trial(request, slug)
    form = SampleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            sample = draw_sample(
                request.user, trial, form.cleaned_data["per_writer"], now=timezone.now()
            )
        except (DataError, StateError) as exc:
            form.add_error("per_writer", str(exc))
        else:
            n = sample.reviews.count()
            messages.success(
                request,
                f"{n} {'letter' if n == 1 else 'letters'} drawn for review (seed {sample.seed}).",
            )
            return redirect("letter-reviews", slug=slug)
    samples = []
    for s in trial.letter_samples.select_related("drawn_by").order_by("-drawn_at", "-id"):
        rows = list(s.reviews.select_related("letter__participant", "letter__writer"))
        samples.append(
            {
                "sample": s,
                "rows": rows,
                "done": sum(r.verdict != Verdict.PENDING for r in rows),
                "reproduced": redraw(s) == sampled(s),
            }
        )
    return render(
        request,
        "interventions/reviews.html",
        {"trial": trial, "form": form, "samples": samples},
    )


@login_required
@require_http_methods(["GET", "POST"])
def review(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """One sampled letter as it will be printed: accept it, or return it with a comment."""
    trial = _trial(request, slug)
    try:
        item: LetterReview = review_of(request.user, trial, pk)
    except NotFound:
        raise Http404("no such review") from None
    form = VerdictForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            review_letter(
                request.user,
                item,
                form.cleaned_data["verdict"],
                form.cleaned_data["comment"],
                now=timezone.now(),  # the page is the edge: the one reading of the clock
            )
        except DataError as exc:
            form.add_error("comment", str(exc))
        except StateError as exc:
            form.add_error(None, str(exc))
        else:
            verb = "accepted" if item.verdict == Verdict.ACCEPTED else "returned to its writer"
            messages.success(
                request, f"The letter to {item.letter.participant.pseudonym} is {verb}."
            )
            return redirect("letter-reviews", slug=slug)
    return render(
        request,
        "interventions/review.html",
        {
            "trial": trial,
            "item": item,
            "form": form,
            "text": letter_text(item.letter),
            "writer": item.letter.writer.get_full_name() or item.letter.writer.get_username(),
            "returnable": item.letter.status in RETURNABLE,
        },
    )
