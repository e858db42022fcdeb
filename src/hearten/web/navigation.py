"""Which staff pages each role may open: the one list the dashboard and the staff layout's
trial menu are drawn from, so that nobody is offered a link that answers "not found".

A new staff page is added here once, with the roles that may open it; the access matrix test
(``tests/web/test_access_matrix.py``) checks that every role is offered exactly the pages it
can open.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse

EVALUATOR = "evaluator"
COORDINATOR = "coordinator"
LETTER_WRITER = "letter-writer"


@dataclass(frozen=True, slots=True)
class TrialPage:
    """A staff page of one trial: its URL name, its label, and who may open it."""

    url_name: str
    label: str
    roles: frozenset[str]


#: The pages of a trial in the order the menu shows them.
TRIAL_PAGES: tuple[TrialPage, ...] = (
    TrialPage("trial-detail", "Overview", frozenset({EVALUATOR})),
    TrialPage("trial-monitoring", "Monitoring", frozenset({EVALUATOR})),
    TrialPage("letters", "Letters to write", frozenset({LETTER_WRITER})),
    TrialPage("letter-reviews", "Letter reviews", frozenset({EVALUATOR})),
    TrialPage(
        "trial-delivery", "Who receives what", frozenset({EVALUATOR, COORDINATOR, LETTER_WRITER})
    ),
    TrialPage("trial-responses", "Response rates", frozenset({EVALUATOR, COORDINATOR})),
    TrialPage("trial-uptake", "Uptake and cost", frozenset({EVALUATOR, COORDINATOR})),
    TrialPage("trial-comments", "Survey comments", frozenset({EVALUATOR})),
    TrialPage(
        "deliverer-survey", "Your experience of delivering", frozenset({COORDINATOR, LETTER_WRITER})
    ),
    TrialPage("trial-uploads", "Upload files", frozenset({EVALUATOR, COORDINATOR})),
    TrialPage("api-tokens", "API tokens", frozenset({EVALUATOR, COORDINATOR})),
    TrialPage("interviews", "Interviews and coding", frozenset({EVALUATOR})),
    TrialPage("trial-report", "Trial report", frozenset({EVALUATOR})),
)

ROLE_NAMES = {EVALUATOR: "evaluator", COORDINATOR: "coordinator", LETTER_WRITER: "letter writer"}


@dataclass(frozen=True, slots=True)
class Link:
    """A link the signed-in user may follow."""

    label: str
    url: str
    current: bool = False


def pages_for(role: str) -> list[TrialPage]:
    """The trial pages ``role`` may open, in menu order."""
    return [p for p in TRIAL_PAGES if role in p.roles]


def trial_links(role: str, slug: str, current: str = "") -> list[Link]:
    """The menu of one trial for ``role``; ``current`` is the URL name of the page shown."""
    return [
        Link(p.label, reverse(p.url_name, kwargs={"slug": slug}), p.url_name == current)
        for p in pages_for(role)
    ]


def menu(request: Any) -> dict[str, Any]:
    """Context processor: the trial menu of the staff layout, on any page of a trial the
    signed-in user has a role in (pages without a trial, and participants' pages, get none)."""
    match = getattr(request, "resolver_match", None)
    user = getattr(request, "user", None)
    if match is None or "slug" not in match.kwargs or user is None or not user.is_authenticated:
        return {}
    from hearten.trials.concealment import role_of
    from hearten.trials.models import Trial

    trial = Trial.objects.filter(slug=match.kwargs["slug"]).first()
    role = role_of(user, trial) if trial is not None else None
    if trial is None or role is None:
        return {}
    return {
        "menu_trial": trial,
        "menu_role": ROLE_NAMES.get(role, role),
        "menu": trial_links(role, trial.slug, match.url_name or ""),
    }
