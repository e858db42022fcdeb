"""Uptake stages and the framework matrix, within the disclosure rules."""

from __future__ import annotations

from typing import Any

import pytest

from hearten.interventions.models import Enrolment
from hearten.process.codebook import load_codebook
from hearten.process.coding import code_of, tag_quote
from hearten.process.framework import matrix
from hearten.process.stages import band, stages
from hearten.process.transcripts import upload
from hearten.trials.allocation import arms_by_participant
from hearten.trials.models import Participant
from tests.conftest import CLOCK

pytestmark = pytest.mark.django_db


def test_stages_follow_what_each_person_did(named_trial: Any) -> None:
    found = stages(named_trial)
    first, second, third = sorted(
        Enrolment.objects.filter(trial=named_trial).values_list("participant_id", flat=True)
    )[:3]
    assert (found[first], found[second], found[third]) == (
        "never opened",
        "started and stopped",
        "completed",
    )
    arms = arms_by_participant(named_trial)
    assert {found[p] for p, a in arms.items() if a == "control"} == {"control"}


def test_caseload_bands_have_closed_edges() -> None:
    assert [band(c) for c in (None, 14, 15, 19, 20)] == [
        "unknown",
        "under 15",
        "15–19",
        "15–19",
        "20 or more",
    ]


def _interview(trial: Any, people: list[Participant], prefix: str, says: list[bool]) -> None:
    for i, (p, mention) in enumerate(zip(people, says, strict=True)):
        line = "I felt valued by the letter." if mention else "Nothing to add."
        upload(
            trial,
            f"{prefix}-{i}",
            f"Respondent: {line} Interview {prefix}-{i}.",
            interviewee=p.pseudonym,
            now=CLOCK,
        )


def test_the_matrix_counts_mentions_by_arm_with_an_exemplar_quote(
    named_trial: Any, coders: tuple[Any, Any]
) -> None:
    load_codebook(named_trial, "code,parent,definition\nValued,,Felt valued\nTime,,No time\n")
    arms = arms_by_participant(named_trial)
    people = list(Participant.objects.filter(trial=named_trial).order_by("id"))
    control = [p for p in people if arms[p.id] == "control"][:5]
    letters = [p for p in people if arms[p.id] == "letters"][:6]
    _interview(named_trial, control, "C", [True, False, False, False, False])
    _interview(named_trial, letters, "L", [True, True, True, False, False, False])
    valued = code_of(named_trial, "Valued")
    from hearten.process.models import Transcript

    for t in Transcript.objects.filter(text__contains="valued"):
        tag_quote(t, valued, coders[0], "I felt valued by the letter.")
    m = matrix(named_trial, "arm")
    assert m.columns == ["control", "letters"]
    assert m.themes == ["Valued", "Time"]
    assert (m.cells["Valued"]["control"].interviewees, m.cells["Valued"]["control"].mentioning) == (
        5,
        1,
    )
    assert (m.cells["Valued"]["letters"].interviewees, m.cells["Valued"]["letters"].mentioning) == (
        6,
        3,
    )
    assert m.cells["Valued"]["letters"].quote == "I felt valued by the letter."
    assert m.cells["Time"]["letters"].mentioning == 0
    assert m.cells["Time"]["letters"].quote is None


def test_a_small_column_shows_neither_counts_nor_quotes_and_takes_a_partner(
    named_trial: Any, coders: tuple[Any, Any]
) -> None:
    load_codebook(named_trial, "code,parent,definition\nValued,,Felt valued\n")
    arms = arms_by_participant(named_trial)
    people = list(Participant.objects.filter(trial=named_trial).order_by("id"))
    control = [p for p in people if arms[p.id] == "control"][:2]
    letters = [p for p in people if arms[p.id] == "letters"][:6]
    _interview(named_trial, control, "C", [True, True])
    _interview(named_trial, letters, "L", [True] * 6)
    valued = code_of(named_trial, "Valued")
    from hearten.process.models import Transcript

    for t in Transcript.objects.all():
        tag_quote(t, valued, coders[0], "I felt valued by the letter.")
    cells = matrix(named_trial, "arm").cells["Valued"]
    assert cells["control"].hidden == "fewer than the minimum"
    assert cells["control"].quote is None
    # letters alone would give control away by subtraction from the total
    assert cells["letters"].hidden == "hidden so another cannot be worked out"
    assert cells["letters"].mentioning is None


def test_the_exemplar_is_a_quote_the_coders_agree_on(
    named_trial: Any, coders: tuple[Any, Any]
) -> None:
    load_codebook(named_trial, "code,parent,definition\nValued,,Felt valued\n")
    arms = arms_by_participant(named_trial)
    people = list(Participant.objects.filter(trial=named_trial).order_by("id"))
    letters = [p for p in people if arms[p.id] == "letters"][:5]
    _interview(named_trial, letters, "L", [True] * 5)
    valued = code_of(named_trial, "Valued")
    from hearten.process.models import Transcript

    first, second = Transcript.objects.order_by("name")[:2]
    tag_quote(first, valued, coders[0], "I felt valued by the letter. Interview L-0.")
    for coder in coders:
        tag_quote(second, valued, coder, "felt valued")
    assert matrix(named_trial, "arm").cells["Valued"]["letters"].quote == "felt valued"
