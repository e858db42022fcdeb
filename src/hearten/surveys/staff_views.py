"""The evaluator's page of survey comments (:mod:`hearten.surveys.comment_groups`). Only the
trial's evaluators may open it; anyone else gets "not found", with no hint that the trial
exists."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render


@login_required
def comments(request: HttpRequest, slug: str) -> HttpResponse:
    """The comments of groups large enough to show, flagged ones first in each group."""
    from hearten.surveys.comment_groups import comments_of
    from hearten.trials.concealment import trial_for

    found = trial_for(request.user, slug, ("evaluator",))
    if found is None:
        raise Http404("no such trial")
    trial = found[0]
    return render(request, "surveys/comments.html", {"trial": trial, "c": comments_of(trial)})
