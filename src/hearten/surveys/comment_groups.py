"""What the evaluator reads of the survey comments: each group's comments (as stored, names
redacted) with their flags, for groups large enough to show.

A group is the people of one arm at one site who answered a questions page in a wave. Its
comments are shown only when at least the trial's ``monitoring.min_group`` people answered
the page in it, so that a comment cannot be traced to one of two or three people; a smaller
group's comments are counted, with how many of them are flagged, but not shown. Comments
carry no study code, and within a group the flagged come first, then the rest in alphabetical
order (never the order in which people answered). Only the trial's evaluators read them
(:func:`hearten.surveys.staff_views.comments`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from hearten.surveys.comments import Flag, flags
from hearten.surveys.items import own_questions
from hearten.surveys.models import Response
from hearten.trials.allocation import arms_by_participant
from hearten.trials.lifecycle import design_of
from hearten.trials.models import Trial


@dataclass(frozen=True, slots=True)
class Comment:
    """One comment: the question it answers, its text as stored, and its flags."""

    question: str
    text: str
    flags: tuple[Flag, ...]


@dataclass(frozen=True, slots=True)
class CommentGroup:
    """The comments of one wave, arm and site; ``answered``: people who sent the page."""

    wave: str
    arm: str
    site: str
    answered: int
    comments: tuple[Comment, ...]


@dataclass(frozen=True, slots=True)
class Comments:
    """The groups shown, and what is held back from the groups too small to show."""

    min_group: int
    groups: tuple[CommentGroup, ...]
    hidden: int
    hidden_flagged: int

    @property
    def flagged(self) -> int:
        """Flagged comments in all, shown or not."""
        shown = sum(1 for g in self.groups for c in g.comments if c.flags)
        return shown + self.hidden_flagged


def comments_of(trial: Trial) -> Comments:
    """The trial's comments as the evaluator may read them (module docstring)."""
    min_group = design_of(trial).monitoring.min_group
    pages = own_questions(trial)
    texts = {
        name: {q.key: q.text for q in page.items if q.kind == "text"}
        for name, page in pages.items()
    }
    arms = arms_by_participant(trial)
    people: dict[tuple[int, str, str, str], set[int]] = defaultdict(set)
    found: dict[tuple[int, str, str, str], list[Comment]] = defaultdict(list)
    rows = Response.objects.filter(
        invitation__wave__trial=trial, instrument__in=[n for n in texts if texts[n]]
    ).values_list(
        "invitation__wave__position",
        "invitation__wave__name",
        "invitation__participant_id",
        "invitation__participant__site__code",
        "instrument",
        "answers",
    )
    for position, wave, pid, site, page, answers in rows:
        key = (position, wave, arms.get(pid, ""), site)
        people[key].add(pid)
        for item, question in texts[page].items():
            text = answers.get(item)
            if isinstance(text, str) and text.strip():
                found[key].append(Comment(question, text, flags(text)))
    groups = []
    hidden = hidden_flagged = 0
    for key in sorted(people):
        chosen = sorted(found[key], key=lambda c: (not c.flags, c.question, c.text))
        if len(people[key]) < min_group:
            hidden += len(chosen)
            hidden_flagged += sum(1 for c in chosen if c.flags)
            continue
        _, wave, arm, site = key
        groups.append(CommentGroup(wave, arm, site, len(people[key]), tuple(chosen)))
    return Comments(min_group, tuple(groups), hidden, hidden_flagged)
