"""Letter writers' pages: their staff who are to get a letter, and the letter for each."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from hearten.errors import DataError, StateError
from hearten.interventions.letters import letter_text, recipients_for, write_letter
from hearten.trials.concealment import role_of
from hearten.trials.models import Trial


class LetterForm(forms.Form):
    lines = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": "Write what this person did and why it mattered"},
    )


def _writer_trial(request: HttpRequest, slug: str) -> Trial:
    trial = Trial.objects.filter(slug=slug).first()
    if trial is None or role_of(request.user, trial) != "letter-writer":
        raise Http404("no such trial")
    return trial


@login_required
def letters(request: HttpRequest, slug: str) -> HttpResponse:
    trial = _writer_trial(request, slug)
    try:
        people = recipients_for(request.user, trial)
    except StateError:
        people = []
    return render(
        request,
        "interventions/letters.html",
        {"trial": trial, "people": people, "open": trial.delivery_opened_at is not None},
    )


@login_required
def letter(request: HttpRequest, slug: str, pseudonym: str) -> HttpResponse:
    trial = _writer_trial(request, slug)
    mine = {r.participant.pseudonym: r for r in recipients_for(request.user, trial)}
    if pseudonym not in mine:
        raise Http404("not one of your staff who are to receive a letter")
    who = mine[pseudonym]
    current = who.letter
    form = LetterForm(
        request.POST if request.method == "POST" else None,
        initial={"lines": current.lines if current else ""},
    )
    error = None
    if request.method == "POST" and form.is_valid():
        try:
            current = write_letter(request.user, trial, pseudonym, form.cleaned_data["lines"])
            if current.status == "approved":
                return redirect("letters", slug=slug)
        except (DataError, StateError) as exc:
            error = str(exc)
    return render(
        request,
        "interventions/letter.html",
        {
            "trial": trial,
            "who": who,
            "form": form,
            "letter": current,
            "error": error,
            "preview": letter_text(current) if current else None,
        },
    )
