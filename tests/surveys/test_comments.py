"""Comments: staff names redacted, and the keyword rules for self-harm, abuse and bullying
checked against a corpus of realistic comments with and without the concern."""

from __future__ import annotations

import pytest

from hearten.surveys.comments import RULES, Flag, flags, redactor

NAMES = ["Samantha Okafor", "Sam", "Will Young", "Jo-Ann Hall", "Tom Brennan", "Tommy", "J"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Samantha Okafor was great", "[name] [name] was great"),
        ("SAM and sam and Sam.", "[name] and [name] and [name]."),
        ("Tommy's team", "[name]'s team"),
        ("Tom Brennan’s manager", "[name] [name]’s manager"),
        ("Jo-Ann helped, and so did Jo", "[name] helped, and so did [name]"),  # parts too
        ("Hall's rota", "[name]'s rota"),
        ("I will stay but Will won't", "I will stay but [name] won't"),
        (
            "young people on my caseload; Young said no",
            "young people on my caseload; [name] said no",
        ),
        ("Samuel and Samantha", "Samuel and [name]"),  # whole words only
        ("Tomorrow is fine", "Tomorrow is fine"),
        ("J is an initial", "J is an initial"),
    ],
)
def test_names_in_the_roster_are_redacted_as_whole_words(text: str, expected: str) -> None:
    assert redactor(NAMES)(text)[0] == expected


def test_redaction_counts_what_it_replaced_and_leaves_text_without_names_alone() -> None:
    redact = redactor(NAMES)
    assert redact("Sam and Tommy") == ("[name] and [name]", 2)
    assert redact("Nothing to see.") == ("Nothing to see.", 0)
    assert redactor([])("Sam") == ("Sam", 0)


#: Realistic comments that raise a flag, each with the flag it must raise.
CONCERNS: list[tuple[str, Flag]] = [
    ("Some days I think about ending my life and nobody at work notices.", Flag.SELF_HARM),
    ("I've had suicidal thoughts since the restructure.", Flag.SELF_HARM),
    ("Honestly I don't want to be here any more.", Flag.SELF_HARM),
    ("I have been self-harming again because of the pressure.", Flag.SELF_HARM),
    ("Sometimes I just want to die rather than open my inbox.", Flag.SELF_HARM),
    ("I've had thoughts of hurting myself after bad visits.", Flag.SELF_HARM),
    ("After that review I wanted to kill myself.", Flag.SELF_HARM),
    ("Last year I took an overdose and came straight back to the same caseload.", Flag.SELF_HARM),
    ("A father threatened me on a home visit and nobody followed it up.", Flag.ABUSE),
    ("I was verbally abused by a parent in reception last week.", Flag.ABUSE),
    ("We get racist abuse from some families and management shrug it off.", Flag.ABUSE),
    ("There is sexual harassment in the office that everyone ignores.", Flag.ABUSE),
    ("I have been harassed by a colleague for months.", Flag.ABUSE),
    ("Nothing was done about the harassment from my team leader.", Flag.ABUSE),
    ("I am being bullied by [name] and I dread Mondays.", Flag.BULLYING),
    ("My manager is a bully and shouts in supervision.", Flag.BULLYING),
    ("There is a bullying culture in our team.", Flag.BULLYING),
    ("The senior practitioner picks on me in front of everyone.", Flag.BULLYING),
    ("I felt humiliated and belittled at the team meeting.", Flag.BULLYING),
    ("Two of the team leaders bullied us into taking extra cases.", Flag.BULLYING),
]

#: Realistic comments that must not raise any flag: everyday remarks, and social work's own
#: words (abuse, bullying, overdose) about the work rather than the writer.
ORDINARY: list[str] = [
    "The coffee was a lovely surprise and we actually sat down together for once.",
    "The letter from the director made me feel valued.",
    "My caseload is too high and supervision keeps being cancelled.",
    "We have had a lot of domestic abuse referrals this month.",
    "A child on my caseload was being bullied at school and we worked with the head.",
    "I attended a child protection conference about neglect and emotional abuse.",
    "The mother took an overdose last week and the children are with their grandmother.",
    "This caseload is killing me, but I love the team.",
    "I hurt myself lifting boxes during the office move.",
    "I cut myself off from work emails at weekends now, which helps.",
    "It really hit me how tired I was after the inspection.",
    "I will stay in this job if the vacancies are filled.",
    "The goal-setting modules were too long to do between visits.",
    "Training on substance abuse and exploitation was useful.",
    "I felt supported by my manager when a case went badly.",
    "Our team leader is brilliant and protects our time.",
    "We need more admin support and fewer forms.",
    "I'd kill for a proper lunch break.",
    "Anti-bullying week went well in the schools we work with.",
    "The agency worker left and her cases were shared out.",
]


@pytest.mark.parametrize(("text", "flag"), CONCERNS)
def test_a_comment_with_a_concern_is_flagged(text: str, flag: Flag) -> None:
    assert flag in flags(text)


@pytest.mark.parametrize("text", ORDINARY)
def test_an_ordinary_comment_raises_no_flag(text: str) -> None:
    assert flags(text) == ()


def test_every_rule_catches_at_least_one_sentence_of_the_corpus() -> None:
    import re

    for rule in RULES:
        pattern = re.compile(rule.pattern, re.IGNORECASE)
        assert any(pattern.search(text) for text, _ in CONCERNS), rule.catches


def test_flags_read_curly_apostrophes_like_straight_ones() -> None:
    assert flags("I don’t want to live like this") == (Flag.SELF_HARM,)
