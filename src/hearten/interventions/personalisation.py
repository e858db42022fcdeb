"""Is a recognition letter really personal? Checks a writer sees before a letter can be approved.

Staff see a token gesture for what it is: a letter that could have gone to anyone does not
recognise anyone. So a manager's lines must pass four checks, each worth 25 points of the
letter's personalisation score:

1. **Long enough**: at least ``MIN_WORDS`` words.
2. **Not copied**: no more than ``MAX_SIMILARITY`` alike (word-trigram overlap) to any other
   recipient's letter.
3. **Not stock**: not mostly the template's own wording or stock praise ("thank you for all
   your hard work"); at most ``MAX_STOCK_SHARE`` of its word trigrams come from them.
4. **Names something the person did**: an action in the second person ("you led", "when you
   stayed", "your work on"), or a concrete detail (a number, a named thing).

Written by hand: these are simple, explainable rules a writer can act on, not a model; the
similarity is the Jaccard overlap of word trigrams, which ignores word order at the scale of a
phrase but not within it. The letter's own trigrams are found once and each other letter's
once, and an overlap costs the smaller set, so a check costs no more than linear time in the
length of the trial's letters.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

MIN_WORDS = 20
#: The longest a writer's lines may be (about 500 words, a full page once printed): the form,
#: the service and the database all refuse more.
MAX_CHARACTERS = 3000
MAX_SIMILARITY = 0.5
MAX_STOCK_SHARE = 0.5

#: Praise that could be said of anyone.
STOCK_PHRASES = (
    "thank you for all your hard work",
    "thank you for your hard work",
    "you are a valued member of the team",
    "you are a valued member of our team",
    "keep up the good work",
    "keep up the great work",
    "your hard work does not go unnoticed",
    "your hard work and dedication",
    "we really appreciate everything you do",
    "thank you for everything you do",
    "you are an asset to the team",
    "you go above and beyond",
    "you always go above and beyond",
    "thank you for your commitment",
    "your contribution is much appreciated",
)
_ACTION = re.compile(
    r"\b(?:you|you've|you have)\s+(?:really\s+|always\s+|also\s+)?"
    r"(?:\w+ed|made|led|took|gave|found|built|kept|ran|went|brought|wrote|spoke|stood|held|met|"
    r"sat|got|did|saw|told|thought|set|put|stayed|helped|sorted|spotted|taught|fought|won|"
    r"stepped|covered|picked|dealt|came|chose|drove|left|made|began|caught|shared)\b"
    r"|\bwhen you\b|\bthe way you\b|\byour (?:work|help|support|handling|care|notes|report|"
    r"advocacy|persistence|patience|calm) (?:on|with|for|in|during|at)\b",
    re.IGNORECASE,
)
_DETAIL = re.compile(r"\b\d+\b|(?<![.!?]\s)(?<!^)\b[A-Z][a-z]{2,}\b")


@dataclass(frozen=True, slots=True)
class Check:
    """The checks' verdict: a 0–100 score, whether the letter may be approved, and what to fix."""

    score: int
    passed: bool
    problems: tuple[str, ...]


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower())


def trigrams(text: str) -> set[tuple[str, ...]]:
    w = words(text)
    return {tuple(w[i : i + 3]) for i in range(len(w) - 2)}


def similarity(a: str, b: str) -> float:
    """Jaccard overlap of word trigrams (0 unrelated, 1 the same)."""
    return jaccard(trigrams(a), trigrams(b))


def jaccard(x: set[tuple[str, ...]], y: set[tuple[str, ...]]) -> float:
    """|x ∩ y| / |x ∪ y|, in time of the smaller set (the union is never built)."""
    if not x or not y:
        return 0.0
    small, large = (x, y) if len(x) <= len(y) else (y, x)
    common = sum(1 for t in small if t in large)
    return common / (len(x) + len(y) - common)


def check_letter(
    text: str,
    others: Iterable[str] = (),
    template: str = "",
    stock: Sequence[str] = STOCK_PHRASES,
) -> Check:
    """Run the four checks (module docstring) on a writer's lines."""
    problems = []
    score = 0
    count = len(words(text))
    if count >= MIN_WORDS:
        score += 25
    else:
        problems.append(
            f"Too short: {count} words. Write at least {MIN_WORDS}, saying what this person did "
            "and why it mattered."
        )
    own = trigrams(text)
    closest = max((jaccard(own, trigrams(o)) for o in others), default=0.0)
    if closest <= MAX_SIMILARITY:
        score += 25
    else:
        problems.append(
            f"Too like another colleague's letter ({round(100 * closest)}% the same wording). "
            "Each letter should be about its own person."
        )
    borrowed: set[tuple[str, ...]] = set()
    for phrase in [*stock, template]:
        borrowed |= own & trigrams(phrase)
    share = len(borrowed) / len(own) if own else 1.0
    if share <= MAX_STOCK_SHARE:
        score += 25
    else:
        problems.append(
            "Mostly general praise or the letter's standard wording. Replace it with something "
            "only this person did."
        )
    if _ACTION.search(text) or len(_DETAIL.findall(text)) >= 2:
        score += 25
    else:
        problems.append(
            'Name something they did: a moment or a piece of work ("when you stayed late to '
            'finish the assessments before the inspection..."), naming nobody the service '
            "works with."
        )
    return Check(score, not problems, tuple(problems))
