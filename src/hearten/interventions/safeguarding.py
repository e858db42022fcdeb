"""Does a recognition letter name or identify a child, a family or anyone else who uses
services? Checked before a letter is saved; such a letter is refused, with the reason.

A letter is printed and posted to the worker's home, kept, and may be read by anyone there.
In children's social care the best moments of someone's work are about a family, so a
manager's most specific lines are the ones most likely to identify people the service works
with. These rules refuse a letter that:

1. **names a family or a child** ("the Hughes family", "the Hughes children", "the Nowak
   boys", "Jack's mum", "a boy called Jack", "baby Lily"), or a family by its plural surname
   ("the Nowaks", "the Joneses' flat", "the Hughes");
2. **names someone with a title who is not on the staff roster** ("Mrs Hughes", "Mr Ali":
   a parent, a carer, a judge), unless that surname belongs to a member of staff;
3. **gives a case, court or health-service reference** ("case 4471", "ref: LS21C00123",
   an NHS number);
4. **gives court details** (a court, a judge, a judgment, a care, placement or supervision
   order, care proceedings, an injunction);
5. **gives health details** (a diagnosis, self-harm, an overdose, a pregnancy, a named
   condition, an admission to hospital);
6. **gives a child's age or school** ("aged 7", "a 14-year-old", "St Mary's Primary").

It does not refuse ordinary praise of the work itself: visits, assessments, meetings,
supervision, duty cover, a child protection conference, "the family", "the children" or
"the young person" without a name, a colleague's first name, a number of visits, a day or a
month. "The" before a capitalised word ending in "s" is read as a family's surname unless the
word is a member of staff's surname or a place of the trial, or a word praise uses for
groups, places and organisations (``_NOT_FAMILIES``: "the Managers", "the Midlands", "the
Samaritans"), or another capitalised word follows, perhaps after "of" ("the Signs of
Safety", "the Lakes District"). The test corpus
(``tests/interventions/test_safeguarding.py``) holds realistic safe and unsafe sentences for
every rule.

Written by hand: the rules are few, must be explained to a manager in one line each, and
must not send the letter anywhere (no outside service sees it); the patterns are linear
regular expressions (no nested repetition), so the check's cost grows with the letter's
length.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

#: Why a letter is refused, by rule; each ends with what to do instead.
REASONS = {
    "family": "names a family or a child ({found}). Describe what you did without naming "
    'anyone the service works with ("a family", "the children").',
    "title": "names {found}, who is not on the staff list. Leave out the names of parents, "
    "carers and other people the service works with.",
    "reference": "gives a case or record reference ({found}). Leave references out: the "
    "letter is posted to the worker's home.",
    "court": "gives court details ({found}). Say what the work showed about them, not what "
    "happened in court.",
    "health": "gives health details ({found}). Leave out anyone's health: the letter is "
    "posted to the worker's home.",
    "child": "gives a child's age or school ({found}), which can identify them. Leave it out.",
}

#: Capitalised words that can come before "family" or "children" without being a name.
_NOT_NAMES = frozenset(
    """a all an and another any both each every few foster her his its looked many more most
    my no one other our several some such that the their these this those three two four five
    vulnerable young your whole whose which what when where while with local disabled adoptive
    birth extended after children child family families today tomorrow yesterday everyone
    someone nobody council authority team service department christmas easter monday tuesday
    wednesday thursday friday saturday sunday january february march april may june july
    august september october november december""".split()  # noqa: SIM905  (a word list)
)
_FAMILY_WORDS = (
    r"(?i:family|family[’']s|families|children|children[’']s|child|kids|siblings|twins|household"
    r"|boys|girls|brothers|sisters|sons|daughters)"
)
#: Capitalised plurals after "the" that name groups, places or organisations, not a family.
_NOT_FAMILIES = frozenset(
    """managers directors leaders workers officers partners councillors governors trustees
    members heads seniors practitioners advisers advisors assistants coordinators reviewers
    chairs teams services courts awards commons lords olympics paralympics samaritans
    midlands lakes dales cotswolds highlands islands borders hebrides fens downs broads
    pennines chilterns mendips potteries wolds valleys marches americas philippines
    netherlands bahamas maldives canaries alps pyrenees christmas holidays mondays tuesdays
    wednesdays thursdays fridays saturdays sundays means sums days hours weeks years news
    nhs always""".split()  # noqa: SIM905  (a word list)
)
_PLURAL_SURNAME = re.compile(
    r"\b[Tt]he\s+([A-Z][a-z]+(?:-[A-Z][a-z]+)?(?:es|s))\b(?![’']?\s+(?:of\s+)?[A-Z])"
    rf"(?!\s+{_FAMILY_WORDS}(?!\w))"  # "the Hughes children" is the first rule's
)
_RELATIVES = (
    r"(?i:mum|mummy|mother|dad|daddy|father|parents?|nan|nana|gran|grandma|grandmother|grandad|"
    r"grandfather|grandparents?|aunt|auntie|uncle|step-?(?:mum|dad|father|mother)|"
    r"(?:foster\s+)?carers?|sister|brother|siblings?|baby|son|daughter|children|kids|family|"
    r"school|nursery|court|hearing|birth\s+parents?)"
)
_NAME = r"[A-Z][a-z]+(?:-[A-Z][a-z]+)?"
_SENTENCE_START = re.compile(r"(?:^|[.!?:;]\s+|\n\s*)$")
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    # 1. A family or child by name (the name is group 1).
    ("family", re.compile(rf"\b({_NAME})\s+{_FAMILY_WORDS}(?!\w)")),
    ("family", re.compile(rf"\b({_NAME})[’']s\s+{_RELATIVES}\b")),
    (
        "family",
        re.compile(
            r"\b(?i:boy|girl|baby|child|toddler|teenager|teen|young\s+person|son|daughter|"
            r"brother|sister|twins?|infant|family|mum|dad|mother|father)\s+"
            rf"(?i:called|named)\s+({_NAME})\b"
        ),
    ),
    ("family", re.compile(rf"\b(?:[Bb]aby|[Ll]ittle)\s+({_NAME})\b")),
    # 3. References.
    (
        "reference",
        re.compile(
            r"\b(?:case|file|ref|reference|claim|court)\s*(?:no\.?|number|ref\.?|"
            r"reference|id)?\s*[:#]?\s*[A-Z]{0,4}\d{3,}[A-Z0-9/-]*",
            re.IGNORECASE,
        ),
    ),
    ("reference", re.compile(r"\b[A-Z]{1,4}\d{2}[A-Z]{0,2}\d{3,}\b")),  # LS21C00123
    ("reference", re.compile(r"\b\d{3}[ -]?\d{3}[ -]?\d{4}\b")),  # an NHS number
    # 4. Court details.
    (
        "court",
        re.compile(
            r"\b(?:courts?|courtroom|judge|the\s+judges|judgments?|judgements?|magistrates?|"
            r"barristers?|(?:interim\s+)?(?:care|placement|supervision|adoption|"
            r"child\s+arrangements?|emergency\s+protection|non-molestation|"
            r"special\s+guardianship)\s+orders?|care\s+proceedings|injunctions?|cafcass|"
            r"sentenced|prosecut\w*|convicted|conviction|custody\s+hearing|final\s+hearing|"
            r"contested\s+hearing)\b",
            re.IGNORECASE,
        ),
    ),
    # 5. Health details.
    (
        "health",
        re.compile(
            r"\b(?:diagnos\w+|self[- ]harm\w*|overdos\w+|suicid\w*|pregnan\w+|miscarri\w+|"
            r"autis\w+|adhd|fasd|cancer|leukaemia|epilep\w+|diabet\w+|hiv|"
            r"eating\s+disorders?|anorexi\w*|bulimi\w*|psychosis|psychotic|schizophreni\w*|"
            r"bipolar|sectioned|psychiatric\s+(?:ward|unit|admission)|terminal(?:ly)?\s+ill|"
            r"admitted\s+to\s+(?:a\s+|the\s+)?hospital|in\s+hospital|"
            r"drug\s+(?:use|misuse|addiction)|alcoholi\w+|addict\w*|substance\s+misuse|"
            r"cerebral\s+palsy|down[’']?s\s+syndrome|medication)\b",
            re.IGNORECASE,
        ),
    ),
    # 6. A child's age or school.
    (
        "child",
        re.compile(
            r"\b(?:aged\s+\d{1,2}|\d{1,2}[- ]years?[- ]old|\d{1,2}[- ]months?[- ]old)\b"
            r"|\b(?:[A-Z][A-Za-z’']+\s+){1,3}(?:Primary|Infants?|Junior|Nursery|Academy|"
            r"High\s+School|Secondary|Grammar)\b"
        ),
    ),
)
_TITLE = re.compile(rf"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Judge)\.?\s+({_NAME})\b")


@dataclass(frozen=True, slots=True)
class Concern:
    """One reason a letter cannot be sent: the rule, the words found, and what to do."""

    rule: str
    found: str
    reason: str


def _words(names: Iterable[str]) -> set[str]:
    return {w.lower() for n in names for w in re.findall(r"[A-Za-z’'-]+", n or "")}


def _not_a_name(word: str, before: str, known: set[str]) -> bool:
    """Whether a capitalised word before "family" or "children" is not someone's name:
    a common word, a member of staff or a place, or a verb opening a sentence."""
    lower = word.lower()
    if lower in _NOT_NAMES or lower in known:
        return True
    opens_sentence = _SENTENCE_START.search(before) is not None
    return opens_sentence and lower.endswith(("ing", "ed"))


def concerns(
    text: str, staff_names: Iterable[str] = (), places: Iterable[str] = ()
) -> tuple[Concern, ...]:
    """Every way the letter names or identifies someone who uses services (module
    docstring); empty when it does not. ``staff_names``: the trial's staff roster and its
    staff users (their names may follow a title, or come before "family"); ``places``: the
    trial's sites and teams ("Dudley's children" names a place, not a child)."""
    found: list[Concern] = []
    seen: set[tuple[str, str]] = set()

    def add(rule: str, words: str) -> None:
        key = (rule, words.lower())
        if key not in seen:
            seen.add(key)
            found.append(
                Concern(rule, words, "This letter " + REASONS[rule].format(found=f"“{words}”"))
            )

    staff = _words(staff_names)
    known = staff | _words(places)
    for rule, pattern in _PATTERNS:
        for match in pattern.finditer(text):
            if rule == "family" and _not_a_name(match.group(1), text[: match.start(1)], known):
                continue
            add(rule, match.group(0).strip())
    for match in _PLURAL_SURNAME.finditer(text):
        word = match.group(1).lower()
        stems = {word, word[:-1], word[:-2] if word.endswith("es") else word[:-1]}
        if word not in _NOT_FAMILIES and not stems & known:
            add("family", match.group(0))
    for match in _TITLE.finditer(text):
        if match.group(1).lower() not in staff:
            add("title", match.group(0))
    return tuple(found)
