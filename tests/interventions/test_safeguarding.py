"""The safeguarding check refuses letters that name or identify children, families or other
people who use services, and never ordinary praise of someone's work."""

from __future__ import annotations

import time

import pytest

from hearten.interventions.safeguarding import concerns

STAFF = ["Sam Patel", "Priya Shah", "Tom Hughes-Jones", "Grace Okafor", "Kwame Mensah"]
PLACES = ["Dudley", "DU-B", "Shropshire", "North Team"]

#: Sentences a manager might write, each naming or identifying someone, with the rule it breaks.
UNSAFE = [
    ("When you supported the Hughes children through the move, they trusted you.", "family"),
    ("Your work with the Smith family's review was outstanding.", "family"),
    (
        "You visited the Nowaks every week through the winter and they never missed a meeting.",
        "family",
    ),
    ("The Joneses' flat was warm by Christmas because you chased the repairs.", "family"),
    ("You kept going back to the Hughes until they let you in.", "family"),
    ("The Kowalskis said you were the first worker they ever trusted.", "family"),
    ("You stayed with the Nowak boys until their aunt arrived.", "family"),
    ("When the Begum-Ahmeds moved across the county, you kept the plan going.", "family"),
    ("Jack's mum said you were the first person who listened.", "family"),
    ("You found a placement for a boy called Jayden late on Friday.", "family"),
    ("You sat with baby Lily all night until the foster carer arrived.", "family"),
    ("Little Amira drew you a picture after your visit.", "family"),
    ("Mrs Hughes wrote to thank you for your honesty.", "title"),
    ("Mr Ali told the panel you had changed his mind.", "title"),
    ("Your notes on case 44719 were the clearest I have read.", "reference"),
    ("The chronology for ref: LS21C00123 was ready a week early.", "reference"),
    ("You chased the record for NHS number 943 476 5919 until it was found.", "reference"),
    ("Your statement for the family court judgment was exemplary.", "court"),
    ("The judge praised your evidence at the final hearing.", "court"),
    ("You worked late to get the care order application in on time.", "court"),
    ("You held your nerve through three days of care proceedings.", "court"),
    ("You spotted the signs of self-harm that everyone else had missed.", "health"),
    ("You stayed with the mother after her overdose until help came.", "health"),
    ("You helped the school understand his ADHD diagnosis.", "health"),
    ("You visited the teenager every day while she was in hospital.", "health"),
    ("You made sure his medication was sorted before the weekend.", "health"),
    ("You supported a 14-year-old through her first week in care.", "child"),
    ("You got the twins, aged 6, back into school within a week.", "child"),
    ("You went with him to his first day at St Mary's Primary.", "child"),
    ("You helped a parent who was pregnant find somewhere safe to live.", "health"),
]

#: Ordinary praise: specific, warm, and about the work, naming no one who uses services.
SAFE = [
    "When you stayed late on Thursday to finish the assessments before the inspection, the "
    "whole team could see what good practice looks like.",
    "You covered duty for three weeks in March while Priya was on leave, without being asked.",
    "Your notes after the child protection conference were clear enough that the new "
    "manager understood the family's situation in ten minutes.",
    "You spent a whole afternoon showing Tom how to write a chronology, and it shows in his work.",
    "When a parent shouted at you in reception, you stayed calm and kind, and the meeting "
    "still reached a decision.",
    "You brought cake for the team the morning after the Ofsted visit.",
    "The independent reviewing officer told me your reports are the best she reads.",
    "You found a foster placement for a baby late on a Friday night.",
    "Supporting families through the hardest weeks of their lives is what you do best.",
    "The children felt listened to for the first time in months, because of the time you gave.",
    "You rang the school twice to make sure the plan happened.",
    "You had only been in the team six weeks when you led your first review.",
    "Your work on the duty rota kept North Team going through the winter.",
    "Dudley's children are lucky to have a social worker who never gives up.",
    "Grace Okafor told me how you mentored her through her first year.",
    "Mr Mensah asked me to pass on his thanks for the training you ran.",
    "Your supervision notes for Sam Patel were thoughtful and kind.",
    "Every family you work with knows you will turn up when you said you would.",
    "You completed 32 visits in July, more than anyone in the service.",
    "When the system went down, you kept a paper log so nothing was lost.",
    "Those children had a social worker who believed in them.",
    "Thursday's team meeting was better for your idea about the duty board.",
    "You were the first to volunteer for the weekend rota over Christmas.",
    "Your patience with a newly qualified colleague made her want to stay.",
    "Keeping a calm head at the strategy meeting helped everyone agree a plan.",
    "The hospital social work team said your referral was the clearest they had seen.",
    "Working with Children with Disabilities colleagues, you sorted transport in a day.",
    "Looked After Children reviews ran on time all year because of you.",
    "You drove across the county at 7 in the morning so a visit would not be missed.",
    "The Managers' forum asked you to present your work on the duty rota.",
    "You ran a stall with the Samaritans at the staff wellbeing day.",
    "You moved here from the Midlands and settled into the team within a week.",
    "Your session at the Signs of Safety training was the best of the day.",
    "You led the Directors' away day with real care and good humour.",
    "The team won at the Awards evening, and your work on reviews was a big part of it.",
    "You covered for the Patels' team in Dudley when they were short.",
    "Thanks to you, the Olympics-themed fun day raised money for the young carers' group.",
]


@pytest.mark.parametrize(("text", "rule"), UNSAFE)
def test_a_letter_that_identifies_someone_is_refused_with_the_reason(text: str, rule: str) -> None:
    found = concerns(text, STAFF, PLACES)
    assert rule in {c.rule for c in found}, text
    assert all(c.reason.startswith("This letter ") for c in found)
    assert all(c.found in text or c.found.strip() in text for c in found)


@pytest.mark.parametrize("text", SAFE)
def test_ordinary_praise_raises_no_false_alarm(text: str) -> None:
    assert concerns(text, STAFF, PLACES) == ()


def test_the_review_letter_is_refused_for_every_reason_it_gives() -> None:
    letter = (
        "When you stayed late to support the Hughes children before the family-court "
        "judgment, Mrs Hughes told me you were the only one who explained it to her."
    )
    assert {c.rule for c in concerns(letter, STAFF)} == {"family", "court", "title"}


def test_a_title_before_a_staff_surname_is_allowed_and_before_another_is_not() -> None:
    assert concerns("Ms Okafor thanked you.", STAFF) == ()
    assert [c.found for c in concerns("Ms Jones thanked you.", STAFF)] == ["Ms Jones"]


def test_each_words_found_are_reported_once() -> None:
    found = concerns("The Hughes children and the Hughes children again.", STAFF)
    assert [c.found for c in found] == ["Hughes children"]


def test_the_check_takes_time_in_proportion_to_the_letters_length() -> None:
    short = "When you stayed late " * 500
    long = short * 8
    start = time.perf_counter()
    concerns(short, STAFF)
    one = time.perf_counter() - start
    start = time.perf_counter()
    concerns(long, STAFF)
    eight = time.perf_counter() - start
    assert eight < 3 * 8 * one + 0.05  # linear (8 times the text), with room for a busy machine


def test_the_demos_simulated_letters_name_nobody() -> None:
    import numpy as np

    from hearten.demo.simulate import simulate_letter

    rng = np.random.default_rng(21)
    for _ in range(300):
        text = simulate_letter(rng)
        assert concerns(text, STAFF) == (), text
