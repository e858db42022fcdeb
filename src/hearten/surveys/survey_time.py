"""The survey time participants are told: :mod:`hearten.surveys.timing`'s model with the
consent page's own words, counted from the consent page as it is rendered for the study.

The consent page states the estimate, so it is rendered twice: once with the estimate without
the consent page (to count the words, the estimate's own sentence among them), then for real.
The result is kept per study, pages, closing date and re-consent (the e-mail worker asks for
it once per invitation).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from django.template.loader import render_to_string

from hearten.surveys.forms import ConsentForm
from hearten.surveys.study import Study, frame
from hearten.surveys.timing import Estimate, estimate, pages_of, words_in
from hearten.trials.questions import QuestionPageSpec

_Key = tuple[int, tuple[str, ...], tuple[str, ...], date | None, bool]
_KEPT: dict[_Key, tuple[Study, Estimate]] = {}


def consent_context(
    study: Study, shown: Estimate, closes_on: date | None, again: bool, prefix: str
) -> dict[str, Any]:
    """What the consent page's template needs, but the form (added by the caller)."""
    return {
        **frame(study, prefix),
        "estimate": shown,
        "closes_on": closes_on,
        "again": again,
        "optional": [(s, text) for s, text in study.statements if s != "surveys"],
    }


def survey_estimate(
    study: Study,
    pages: Sequence[str],
    own: Mapping[str, QuestionPageSpec] | None = None,
    *,
    closes_on: date | None = None,
    again: bool = False,
    consent: bool = True,
) -> Estimate:
    """The time a participant is told the survey ``pages`` take, with the consent page unless
    ``consent`` is false (someone who has agreed already does not see it)."""
    shapes = pages_of(pages, own)
    if not consent:
        return estimate(shapes, consent_words=None)
    # The own pages come from the same stored design as ``study`` (cached by its text).
    key = (id(study), tuple(pages), tuple(sorted(own or {})), closes_on, again)
    kept = _KEPT.get(key)
    if kept is not None and kept[0] is study:
        return kept[1]
    draft = estimate(shapes, consent_words=0)
    context = {**consent_context(study, draft, closes_on, again, "/"), "form": ConsentForm()}
    words = words_in(render_to_string("surveys/consent.html", context))
    found = estimate(shapes, consent_words=words)
    if len(_KEPT) > 256:
        _KEPT.clear()
    _KEPT[key] = (study, found)
    return found
