"""How long a survey takes a person on a phone, computed from its items.

The model (``docs/explanation/survey-time.md`` gives the reasons): reading the consent page,
45 s; each page, 10 s (its heading, the scroll, sending it and the next page loading on mobile
data); each choice question, 4.5 s to read plus 0.35 s per answer option to scan (a
five-option item 6.3 s, an eleven-point one 8.4 s); each number question, 15 s (the person has
to count, e.g. their caseload); each free-text question of the trial's own, 30 s (most people
write a line or leave it). The total is rounded UP to whole minutes, so a survey is never
said to be shorter than it is.

Checked against the outside walk-through of the 13-question, four-page baseline (3 to 3.5
minutes for a typical reader): the model gives 183 s, shown as "about 4 minutes".
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from hearten.instruments import get_instrument
from hearten.trials.questions import QuestionPageSpec

CONSENT_SECONDS = 45.0
PAGE_SECONDS = 10.0
CHOICE_SECONDS = 4.5
OPTION_SECONDS = 0.35
NUMBER_SECONDS = 15.0
TEXT_SECONDS = 30.0


@dataclass(frozen=True, slots=True)
class Estimate:
    """The model's seconds for a survey and the whole minutes shown to participants."""

    seconds: float
    questions: int
    pages: int

    @property
    def minutes(self) -> int:
        return max(1, math.ceil(self.seconds / 60))


def estimate(
    pages: Iterable[str],
    consent: bool = True,
    own: Mapping[str, QuestionPageSpec] | None = None,
) -> Estimate:
    """The time the instruments ``pages`` (one page each) take, with the consent page;
    ``own``: the trial's own questions pages among them, by name (every item counted, even
    those asked of some people only, so the time is never too short)."""
    seconds = CONSENT_SECONDS if consent else 0.0
    questions = count = 0
    for name in pages:
        count += 1
        seconds += PAGE_SECONDS
        page = (own or {}).get(name)
        items = page.items if page is not None else get_instrument(name).items
        for item in items:
            questions += 1
            if item.kind == "number":
                seconds += NUMBER_SECONDS
            elif item.kind == "text":
                seconds += TEXT_SECONDS
            else:
                seconds += CHOICE_SECONDS + OPTION_SECONDS * len(item.options)
    return Estimate(seconds=seconds, questions=questions, pages=count)
