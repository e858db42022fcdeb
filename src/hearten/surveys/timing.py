"""How long a survey takes a person on a phone, computed from what they read and answer.

The model (``docs/explanation/survey-time.md`` gives the sources):

* every page, :data:`PAGE_TURN_SECONDS` to send it and wait for the next on mobile data;
* the consent page: its own words (everything on the page as the participant meets it: who runs
  the study, what taking part means, the consent statements, the support lines) read at
  :data:`READING_WPM` words a minute, and :data:`DECIDE_SECONDS` to choose;
* each survey page: its heading and prompt and the page's own notes (:data:`PAGE_NOTE_WORDS`
  words: "Page 2 of 4", how answers are saved, the button, "About these questions"; the last
  page's note is :data:`LAST_NOTE_WORDS` longer) read at the same pace;
* each choice question, :data:`CHOICE_SECONDS` to read plus :data:`OPTION_SECONDS` per answer
  option to scan (a five-option item 6.25 s, an eleven-point one 8.35 s); each number question
  :data:`NUMBER_SECONDS` (the person has to count, e.g. their caseload); each free-text
  question of the trial's own, :data:`TEXT_SECONDS` (most people write a line or leave it);
* the check-your-answers page: its notes (:data:`CHECK_NOTE_WORDS`) and each page's heading
  read, and :data:`CHECK_SECONDS` per answer to glance at it.

The total is rounded UP to whole minutes, so a survey is never said to be shorter than it is.
A page of the trial's own questions counts every item on it, whichever arms are asked them:
everyone is told the same time, so the time never hints at an arm.

:func:`words_in` counts the words of a rendered page's ``<main>``; the consent page's words come
from rendering it (:mod:`hearten.surveys.survey_time`), so a longer information paragraph,
more consent statements or more support lines lengthen the estimate by themselves.
``tests/browser/test_survey_time.py`` walks a survey in a phone-sized browser as a scripted
participant reading and answering at a stated pace, and checks the shown estimate against the
time that participant takes.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from hearten.instruments import get_instrument
from hearten.trials.questions import QuestionPageSpec

#: Silent reading of English non-fiction by adults: 238 words a minute on average (Brysbaert
#: 2019, a meta-analysis of 190 studies; most adults 175 to 300).
READING_WPM = 238.0
PAGE_TURN_SECONDS = 3.0
DECIDE_SECONDS = 5.0
#: Words of a survey page besides its heading, prompt and questions, counted on the rendered
#: page (``tests/browser/test_survey_time.py`` fails if the pages grow well past them).
PAGE_NOTE_WORDS = 45
LAST_NOTE_WORDS = 15
CHECK_NOTE_WORDS = 55
CHOICE_SECONDS = 4.5
OPTION_SECONDS = 0.35
NUMBER_SECONDS = 15.0
TEXT_SECONDS = 30.0
CHECK_SECONDS = 1.0


@dataclass(frozen=True, slots=True)
class Item:
    """A question as the model sees it: its kind and how many answer options it offers."""

    kind: str
    options: int = 0

    @property
    def seconds(self) -> float:
        if self.kind == "number":
            return NUMBER_SECONDS
        if self.kind == "text":
            return TEXT_SECONDS
        return CHOICE_SECONDS + OPTION_SECONDS * self.options


@dataclass(frozen=True, slots=True)
class Page:
    """One survey page: its name, the words of its heading and prompt, and its questions."""

    name: str
    items: tuple[Item, ...]
    heading_words: int = 0
    prompt_words: int = 0


@dataclass(frozen=True, slots=True)
class Estimate:
    """The model's seconds for a survey and the whole minutes shown to participants.

    Attributes:
        seconds: the model's time, consent page included when it was counted.
        questions: the questions on the survey's pages.
        pages: the survey's pages (the consent and check pages not counted).
        consent_words: the consent page's words counted (0 when it was not).
    """

    seconds: float
    questions: int
    pages: int
    consent_words: int = 0

    @property
    def minutes(self) -> int:
        return max(1, math.ceil(self.seconds / 60))


def reading_seconds(words: int) -> float:
    """The seconds ``words`` words take to read at :data:`READING_WPM`."""
    return words * 60.0 / READING_WPM


def estimate(pages: Sequence[Page], consent_words: int | None = None) -> Estimate:
    """The time the survey ``pages`` take, with the consent page of ``consent_words`` words
    (``None``: no consent page, e.g. for someone who has agreed already)."""
    seconds = 0.0
    if consent_words is not None:
        seconds += PAGE_TURN_SECONDS + reading_seconds(consent_words) + DECIDE_SECONDS
    questions = sum(len(p.items) for p in pages)
    for number, page in enumerate(pages, start=1):
        words = page.heading_words + page.prompt_words + PAGE_NOTE_WORDS
        words += LAST_NOTE_WORDS if number == len(pages) else 0
        seconds += PAGE_TURN_SECONDS + reading_seconds(words)
        seconds += sum(item.seconds for item in page.items)
    if pages:
        words = CHECK_NOTE_WORDS + sum(p.heading_words for p in pages)
        seconds += PAGE_TURN_SECONDS + reading_seconds(words) + CHECK_SECONDS * questions
    return Estimate(seconds, questions, len(pages), consent_words or 0)


def pages_of(
    names: Iterable[str], own: Mapping[str, QuestionPageSpec] | None = None
) -> tuple[Page, ...]:
    """The pages called ``names``: a validated instrument, or one of the trial's ``own``
    questions pages by name (every item on it, whichever arms are asked)."""
    found = []
    for name in names:
        spec = (own or {}).get(name)
        if spec is None:
            instrument = get_instrument(name)
            items = tuple(Item(i.kind, len(i.options)) for i in instrument.items)
            heading, prompt = instrument.heading, instrument.prompt
        else:
            items = tuple(Item(i.kind, len(i.options)) for i in spec.items)
            heading, prompt = spec.heading, spec.prompt
        found.append(Page(name, items, words_in(heading), words_in(prompt)))
    return tuple(found)


_MAIN = re.compile(r"<main\b[^>]*>(.*)</main>", re.S | re.I)
_DROP = re.compile(r"<(script|style)\b.*?</\1>", re.S | re.I)
_TAG = re.compile(r"<[^>]+>")
_WORD = re.compile(r"[^\W_]+(?:['’.-][^\W_]+)*")


def words_in(page_html: str) -> int:
    """The words a reader meets in a rendered page's ``<main>`` (the whole text if it has none):
    tags dropped, entities decoded, a word being letters or digits joined by ' - or . (so
    "don't", "116 123" as two, "e-mail" and "example.org" as one)."""
    found = _MAIN.search(page_html)
    text = _TAG.sub(" ", _DROP.sub(" ", found.group(1) if found else page_html))
    return len(_WORD.findall(html.unescape(text)))
