"""The study as a participant meets it: every participant page, e-mail and link file reads the
trial through :class:`Study`, never its internal name or its arms (:mod:`hearten.trials.public`).

:func:`study_from_design` is cached by the stored design's text, so the survey page's
hand-written fast path (:mod:`hearten.surveys.visits`) pays nothing for it after the first
request.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from markdown_it import MarkdownIt

from hearten.trials.design import Design, PrivacySpec
from hearten.trials.public import STATEMENTS, SupportLine


def in_words(names: tuple[str, ...]) -> str:
    """Names as a sentence lists them: "A", "A and B", "A, B and C"."""
    if len(names) < 2:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


@dataclass(frozen=True, slots=True)
class Study:
    """What participants are told about the trial."""

    title: str
    team: str
    councils: tuple[str, ...]
    email: str
    phone: str
    logo: str
    support: tuple[SupportLine, ...]
    information_html: str
    information_version: int
    consent_version: int
    statements: tuple[tuple[str, str], ...]
    privacy: PrivacySpec
    ends_on: date | None
    concerns_read_within: int = 5

    @property
    def name(self) -> str:
        """The public title (templates written for a trial's ``name`` read this instead)."""
        return self.title

    @property
    def runner(self) -> str:
        """Who runs the study, in one phrase."""
        councils = in_words(self.councils)
        if self.team and councils:
            return f"{self.team}, with {councils}"
        return self.team or councils or "an independent research team"

    @property
    def contact(self) -> str:
        """How to reach the team, in one line ("" if the design gives no contact)."""
        return " or ".join(x for x in (self.email, self.phone) if x)

    @property
    def can_erase(self) -> bool:
        """A participant who leaves may have their answers erased (``on_withdrawal``)."""
        return self.privacy.on_withdrawal in ("erase", "ask")


def _default_sheet(design: Design) -> str:
    """A plain information sheet for a design that does not write its own (Markdown)."""
    p = design.participants
    waves = len(design.waves)
    contact = " or ".join(x for x in (p.email, p.phone) if x) or "the contact on your invitation"
    return f"""## What is this study?

Your employer is taking part in a study of ways to support the wellbeing of staff. It is run by
{p.team or "an independent research team"}. Teams or people are chosen by chance to be offered
different kinds of support at different times, so that the study can fairly find out what helps.

## What would I do?

Answer a short survey {waves} time{"s" if waves != 1 else ""} during the study, about how you
feel and about your work. Each survey takes a few minutes on a phone.

## Do I have to take part?

No. Taking part is your choice and saying no has no effect on your job. You can leave at any
time without giving a reason, using the "Leave the study" link at the foot of every page and
in every e-mail.

## Who sees my answers?

Never your manager or your employer. The research team sees them under a study code, not your
name. Results are only reported for groups large enough that nobody can be picked out.

## Questions or worries

Contact {contact}.
"""


_MARKDOWN = MarkdownIt("commonmark", {"html": False})


def study_of_design(design: Design) -> Study:
    """The participant-facing study of a validated design."""
    p = design.participants
    sheet = p.information_sheet or _default_sheet(design)
    return Study(
        title=p.title,
        team=p.team,
        councils=tuple(p.councils),
        email=p.email,
        phone=p.phone,
        logo=p.logo,
        support=tuple(design.support.lines),
        information_html=_MARKDOWN.render(sheet),
        information_version=p.information_version,
        consent_version=p.consent_version,
        statements=tuple((s, STATEMENTS[s]) for s in p.statements),
        privacy=design.privacy,
        ends_on=design.privacy.ends_on,
        concerns_read_within=p.concerns_read_within,
    )


@functools.lru_cache(maxsize=64)
def study_from_design(design_text: str) -> Study:
    """:func:`study_of_design` for a stored design's JSON text (cached: it changes rarely)."""
    return study_of_design(Design.model_validate(json.loads(design_text)))


def study_of(trial: Any) -> Study:
    """The participant-facing study of a stored trial (cached by the design's text, so a loop
    over participants validates the design once)."""
    return study_from_design(json.dumps(trial.design, sort_keys=True))


def frame(study: Study | None, prefix: str, *, leave: bool = True) -> dict[str, Any]:
    """The context every participant page's layout needs: the study and its footer links under
    ``prefix`` (the personal link, e.g. ``/s/TOKEN/``); ``leave``: offer "Leave the study".
    "Raise a concern" is offered always, after leaving too."""
    links = {
        "information": f"{prefix}information/",
        "privacy": f"{prefix}privacy/",
        "support": f"{prefix}information/#support-heading",
        "leave": f"{prefix}leave-study/" if leave else "",
        "concern": f"{prefix}concern/",
    }
    return {"study": study, "links": links, "prefix": prefix}


#: Instruments whose questions touch on distress (feelings, anxiety, burnout): their pages
#: signpost support under the questions.
DISTRESSING = frozenset({"swemwbs", "wemwbs", "ons4", "cbi_work", "hse_indicator"})
