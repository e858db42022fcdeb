"""Free-text comments: names taken out before they are stored, and flags for the evaluator.

**Redaction.** Before a comment is stored, every name of the trial's staff is replaced by
``[name]``: each word of every participant's roster name and preferred name, and the first
and last names of the people who deliver the trial (letter writers, coordinators) and its
evaluators. A name is matched as a whole word, in any case, with any possessive left after it
("Sam's" becomes "[name]'s"). Names that are also everyday English words (Will, May, Hope,
Grace, Mark, Young, ...: :data:`EVERYDAY`) are replaced only when written with a capital,
so "I will" stays as it is while "Will said" loses the name. A name of one letter is not a
name to find. The comment is stored only as redacted: nobody, the participant included, sees
the original again.

**Flags.** A comment is flagged for the evaluator when it matches one of the documented
keyword rules (:data:`RULES`) for self-harm, abuse or bullying of the writer. The rules look
for the writer's own experience ("I have been bullied", "thoughts of ending my life",
"verbal abuse from a parent") rather than the words alone, because children's social workers
write about abuse and bullying as their work ("a lot of domestic abuse referrals", "a child
bullied at school"), which is not a flag. Flags are read from the stored text each time, so a
change of rules applies to every comment. The participant who writes a flagged comment is
shown where to find support on the next page (:func:`flags` of the page just saved).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

#: What a name is replaced with.
REDACTED = "[name]"

#: First names and surnames that are everyday words: redacted only when capitalised.
EVERYDAY = frozenset(
    [
        "will",
        "may",
        "hope",
        "grace",
        "joy",
        "mark",
        "bill",
        "rose",
        "frank",
        "summer",
        "dawn",
        "faith",
        "june",
        "april",
        "art",
        "pat",
        "sue",
        "rob",
        "guy",
        "chase",
        "drew",
        "gene",
        "ray",
        "jack",
        "penny",
        "amber",
        "ruby",
        "holly",
        "ivy",
        "lily",
        "rich",
        "sunny",
        "page",
        "hall",
        "green",
        "brown",
        "white",
        "black",
        "young",
        "king",
        "wood",
        "hill",
        "moore",
        "long",
        "short",
        "little",
        "bell",
        "ward",
        "cook",
        "baker",
        "mason",
        "rice",
        "field",
        "fields",
        "lane",
        "best",
        "love",
        "hunt",
        "sharp",
        "carter",
        "miller",
        "bishop",
        "major",
        "noble",
        "wise",
        "bright",
        "hardy",
        "gay",
        "free",
        "fox",
        "crane",
        "swift",
        "storm",
        "sky",
        "star",
        "river",
        "dale",
        "glen",
        "price",
        "cash",
    ]
)


def _tokens(names: Iterable[str]) -> set[str]:
    words: set[str] = set()
    for name in names:
        for word in re.split(r"[\s,]+", name.strip()):
            word = word.strip(".()\"'")
            parts = [word, *word.split("-")] if "-" in word else [word]
            words.update(p for p in parts if len(p) >= 2 and any(c.isalpha() for c in p))
    return words


@dataclass(frozen=True, slots=True)
class Redactor:
    """Replaces the given names in text (module docstring); build with :func:`redactor`."""

    anycase: re.Pattern[str] | None
    capitalised: re.Pattern[str] | None

    def __call__(self, text: str) -> tuple[str, int]:
        """The text with names replaced, and how many were."""
        count = 0
        for pattern in (self.anycase, self.capitalised):
            if pattern is not None:
                text, n = pattern.subn(REDACTED, text)
                count += n
        return text, count


def _pattern(words: Iterable[str], flags: int) -> re.Pattern[str] | None:
    ordered = sorted(words, key=lambda w: (-len(w), w))  # longest first: "Jo-Ann" before "Jo"
    if not ordered:
        return None
    alternatives = "|".join(re.escape(w) for w in ordered)
    return re.compile(rf"(?<![\w\[])(?:{alternatives})(?![\w\]])", flags)


def redactor(names: Iterable[str]) -> Redactor:
    """A :class:`Redactor` for these people's names (each a full name or a single name)."""
    words = _tokens(names)
    everyday = {w for w in words if w.lower() in EVERYDAY}
    capitalised = {w[:1].upper() + w[1:].lower() for w in everyday} | {w.upper() for w in everyday}
    return Redactor(_pattern(words - everyday, re.IGNORECASE), _pattern(capitalised, 0))


def trial_names(trial_id: int) -> list[str]:
    """Every name of the trial's staff the redaction removes (module docstring)."""
    from django.contrib.auth import get_user_model

    from hearten.trials.models import IdentityKey, Trial, TrialRole

    names = [
        n
        for pair in IdentityKey.objects.filter(participant__trial_id=trial_id).values_list(
            "name", "preferred_name"
        )
        for n in pair
        if n
    ]
    users = set(TrialRole.objects.filter(trial_id=trial_id).values_list("user_id", flat=True))
    users |= set(Trial.objects.get(pk=trial_id).evaluators.values_list("pk", flat=True))
    for first, last in (
        get_user_model().objects.filter(pk__in=users).values_list("first_name", "last_name")
    ):
        names += [first, last]
    return [n for n in names if n]


def redact_answers(trial_id: int, texts: Mapping[str, object]) -> dict[str, str]:
    """The free-text answers ``texts`` with the trial's staff names replaced."""
    if not texts:
        return {}
    redact = redactor(trial_names(trial_id))
    return {k: redact(str(v))[0] for k, v in texts.items()}


class Flag(StrEnum):
    """Why a comment is flagged for the evaluator."""

    SELF_HARM = "self-harm"
    ABUSE = "abuse"
    BULLYING = "bullying"


@dataclass(frozen=True, slots=True)
class Rule:
    """A keyword rule: the flag it raises, its pattern (case-insensitive), and what it
    catches, in words (printed in the design-file reference)."""

    flag: Flag
    pattern: str
    catches: str


_ME = r"(?:me|myself|us)"
_STAFF = (
    r"(?:managers?|boss|colleagues?|team\s+leader|seniors?|supervisor|director|"
    r"head\s+of\s+service|staff|co-?workers?)"
)

#: The keyword rules (module docstring). Each is tested against a corpus of realistic
#: comments, with and without the concern, in ``tests/surveys/test_comments.py``.
RULES: tuple[Rule, ...] = (
    Rule(Flag.SELF_HARM, r"\bself[- ]?harm(?:ing|ed)?\b", "self-harm, self harming"),
    Rule(Flag.SELF_HARM, r"\bsuicid(?:e|al)\b", "suicide, suicidal"),
    Rule(Flag.SELF_HARM, r"\b(?:kill|killing|harm|harming)\s+myself\b", "kill or harm myself"),
    Rule(Flag.SELF_HARM, r"\b(?:want|wanted|wanting|thought|thoughts|think|thinking|urges?)\s+"
         r"(?:\w+\s+){0,2}(?:hurt|hurting|cut|cutting)\s+myself\b(?!\s+off)",
         "thoughts of hurting or cutting myself"),
    Rule(Flag.SELF_HARM, r"\b(?:end|ending|take|taking)\s+(?:it\s+all|my\s+(?:own\s+)?life)\b",
         "end it all, ending my life, take my own life"),
    Rule(Flag.SELF_HARM, r"\b(?:want|wanted|wanting)\s+to\s+die\b|\bbetter\s+off\s+dead\b|"
         r"\bno\s+(?:reason|point)\s+(?:to|in)\s+(?:live|living|go(?:ing)?\s+on)\b",
         "want to die, better off dead, no point in going on"),
    Rule(Flag.SELF_HARM, r"\bdon'?t\s+want\s+to\s+(?:be\s+here|live|wake\s+up)\b",
         "don't want to be here / live / wake up"),
    Rule(Flag.SELF_HARM, r"\b(?:i|i've|i\s+have)\s+(?:\w+\s+)?(?:took|taken|take|taking)\s+an\s+"
         r"overdose\b", "I took an overdose"),
    Rule(Flag.ABUSE, rf"\b(?:abused|assaulted|attacked|threatened|harass(?:ed)?|groped|punched|"
         rf"slapped|kicked|spat\s+at|shouted\s+at|screamed\s+at|sworn\s+at)\s+{_ME}\b",
         "abused, assaulted, threatened, harassed, punched or shouted at me/us"),
    Rule(Flag.ABUSE, r"\b(?:i|we)\s+(?:was|were|am|are|have\s+been|has\s+been|had\s+been|get|got|"
         r"keep\s+getting|being)\s+(?:\w+\s+)?(?:abused|assaulted|attacked|threatened|harassed|"
         r"groped|intimidated)\b", "I was / have been (verbally) abused, assaulted, threatened"),
    Rule(Flag.ABUSE, r"\b(?:verbal|physical|sexual|racial|racist|homophobic|emotional)\s+"
         r"(?:abuse|harassment|assault)\s+(?:from|by|at\s+work)\b",
         "verbal, physical, sexual or racist abuse from / by someone"),
    Rule(Flag.ABUSE, r"\bsexual(?:ly)?\s+harass(?:ment|ed|ing)\b", "sexual harassment"),
    Rule(Flag.ABUSE, rf"\b(?:abuse|harassment)\s+(?:from|by)\s+(?:my|our|a|the)\s+{_STAFF}\b",
         "abuse or harassment from my manager / a colleague"),
    Rule(Flag.BULLYING, rf"\bbull(?:y|ies|ied|ying)\s+{_ME}\b", "bully me, bullied us"),
    Rule(Flag.BULLYING, r"\b(?:i|we)\s+(?:was|were|am|are|have\s+been|had\s+been|feel|felt|get|"
         r"got|being)\s+(?:\w+\s+)?(?:bullied|picked\s+on|belittled|humiliated|singled\s+out)\b",
         "I am / was / feel bullied, picked on, belittled, humiliated, singled out"),
    Rule(Flag.BULLYING, rf"\bbullying\s+(?:by|from|at\s+work|in\s+(?:the|my|our)\s+team|culture)"
         rf"|\b(?:my|our|a|the)\s+{_STAFF}\s+(?:is|are|was|were|has\s+been|keeps?)\s+"
         r"(?:\w+\s+)?bully(?:ing)?\b|\bbully(?:ing)?\s+(?:manager|boss|colleague)s?\b",
         "bullying by / at work / culture, a bullying manager"),
    Rule(Flag.BULLYING, r"\b(?:picks?|picked|picking)\s+on\s+(?:me|us)\b", "picks on me"),
)  # fmt: skip

_COMPILED = tuple((r.flag, re.compile(r.pattern, re.IGNORECASE)) for r in RULES)


def flags(text: str) -> tuple[Flag, ...]:
    """The flags ``text`` raises, in the order of :class:`Flag` (empty when none)."""
    plain = text.replace("’", "'")
    found = {flag for flag, pattern in _COMPILED if pattern.search(plain)}
    return tuple(f for f in Flag if f in found)


def flagged(answers: Mapping[str, object], text_keys: Iterable[str]) -> tuple[Flag, ...]:
    """The flags raised by any of the free-text answers ``text_keys`` in ``answers``."""
    found = {f for k in text_keys if isinstance(answers.get(k), str)
             for f in flags(str(answers[k]))}  # fmt: skip
    return tuple(f for f in Flag if f in found)


def purge_comments(trial_id: int) -> int:
    """Remove every free-text answer of the trial (its purge: comments may identify someone
    in ways no roster name does); the choice and number answers stay. Returns how many."""
    from django.db import transaction

    from hearten.instruments import REGISTRY
    from hearten.surveys.models import Response

    removed = 0
    with transaction.atomic():
        for r in Response.objects.filter(invitation__wave__trial_id=trial_id).exclude(
            instrument__in=list(REGISTRY)
        ):
            kept = {k: v for k, v in r.answers.items() if not isinstance(v, str)}
            if len(kept) != len(r.answers):
                removed += len(r.answers) - len(kept)
                r.answers = kept
                r.save(update_fields=["answers"])
    return removed
