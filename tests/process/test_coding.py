"""The codebook, coders' excerpts, and agreement code by code."""

from __future__ import annotations

from typing import Any

import pytest

from hearten.errors import DataError, ImportRejected, NotFound, StateError
from hearten.process.codebook import add_code, entries, load_codebook
from hearten.process.coding import code_of, finish, tag, tag_quote, untag
from hearten.process.models import Code, Excerpt
from hearten.process.reliability import per_code
from hearten.process.transcripts import upload
from tests.conftest import CLOCK

pytestmark = pytest.mark.django_db

CODEBOOK = """code,parent,definition
Barriers,,What stopped people taking part
Time,Barriers,No time in the working week
Tokenism,Barriers,Felt the gesture was empty
Valued,,Feeling valued by the employer
"""
TEXT = "A: line one\nB: line two\nA: line three\nB: line four\n"


def _line(text: str, n: int) -> tuple[int, int]:
    start = 0
    for _ in range(n - 1):
        start = text.index("\n", start) + 1
    return start, text.index("\n", start)


def test_a_codebook_is_loaded_in_order_with_its_hierarchy(named_trial: Any) -> None:
    load_codebook(named_trial, CODEBOOK)
    book = entries(named_trial)
    assert [(e.path, e.depth, e.theme) for e in book] == [
        ("Barriers", 0, "Barriers"),
        ("Barriers / Time", 1, "Barriers"),
        ("Barriers / Tokenism", 1, "Barriers"),
        ("Valued", 0, "Valued"),
    ]
    assert book[1].definition == "No time in the working week"


def test_a_codebook_with_an_orphan_is_refused_whole(named_trial: Any) -> None:
    bad = CODEBOOK + "Workload,Pressures,Too many cases\n"
    with pytest.raises(ImportRejected, match="row 6: its parent 'Pressures' is not above it"):
        load_codebook(named_trial, bad)
    assert not Code.objects.exists()
    add_code(named_trial, "Valued")
    with pytest.raises(DataError, match="already has a code 'Valued'"):
        add_code(named_trial, "Valued")


def test_an_excerpt_is_trimmed_and_kept_within_the_transcript(
    named_trial: Any, coders: tuple[Any, Any]
) -> None:
    load_codebook(named_trial, CODEBOOK)
    t = upload(named_trial, "INT-01", TEXT, now=CLOCK)
    time = code_of(named_trial, "Time")
    ex = tag(t, time, coders[0], 0, 13)  # "A: line one\nB" minus nothing; ends inside line 2
    assert ex.text == "A: line one\nB"
    padded = tag(t, time, coders[0], 11, 14)  # "\nB:" -> "B:"
    assert padded.text == "B:"
    with pytest.raises(DataError, match="within the transcript"):
        tag(t, time, coders[0], 5, 500)
    with pytest.raises(DataError, match="only white space"):
        tag(t, time, coders[0], 11, 12)
    quoted = tag_quote(t, time, coders[1], "line", occurrence=3)
    assert quoted.start == TEXT.index("line three")
    with pytest.raises(NotFound, match="does not contain 'line five'"):
        tag_quote(t, time, coders[1], "line five")


def test_a_finished_pass_takes_no_more_excerpts_until_reopened(
    named_trial: Any, coders: tuple[Any, Any]
) -> None:
    load_codebook(named_trial, CODEBOOK)
    t = upload(named_trial, "INT-01", TEXT, now=CLOCK)
    valued = code_of(named_trial, "Valued")
    ex = tag(t, valued, coders[0], 0, 4)
    assert finish(t, coders[0], now=CLOCK).finished_at == CLOCK  # the clock given
    with pytest.raises(StateError, match="coder-one marked INT-01 as finished"):
        tag(t, valued, coders[0], 0, 4)
    finish(t, coders[0], reopen=True, now=CLOCK)
    with pytest.raises(NotFound, match="no excerpt"):
        untag(ex.id, coders[1])  # not theirs
    untag(ex.id, coders[0])
    assert not Excerpt.objects.exists()


def test_agreement_per_code_matches_the_hand_worked_values(
    named_trial: Any, coders: tuple[Any, Any]
) -> None:
    load_codebook(named_trial, CODEBOOK)
    one, two = coders
    t = upload(named_trial, "INT-01", TEXT, now=CLOCK)
    time = code_of(named_trial, "Time")
    # coder one: lines 1 and 2; coder two: lines 2 and 3 -> [1,1,0,0] against [0,1,1,0]
    for coder, lines in ((one, (1, 2)), (two, (2, 3))):
        for n in lines:
            tag(t, time, coder, *_line(TEXT, n))
    # a transcript only coder one worked on adds no pairable unit
    other = upload(named_trial, "INT-02", "A: alone\n", now=CLOCK)
    tag(other, time, one, 0, 8)
    found = {a.path: a for a in per_code(named_trial)}
    # p_o = 2/4, p_e = 1/2 -> kappa 0; alpha = 1 - (n-1) o_01 / (n_0 n_1) = 1 - 7*2/16
    assert found["Barriers / Time"].units == 4
    assert found["Barriers / Time"].applied == 3
    assert found["Barriers / Time"].kappa == pytest.approx(0.0)
    assert found["Barriers / Time"].alpha == pytest.approx(0.125)
    # the theme holds what is coded beneath it
    assert found["Barriers"].alpha == pytest.approx(0.125)
    # a code nobody used has no agreement to speak of
    assert found["Valued"].alpha is None
    assert found["Valued"].applied == 0


def test_perfect_agreement_is_one(named_trial: Any, coders: tuple[Any, Any]) -> None:
    load_codebook(named_trial, CODEBOOK)
    t = upload(named_trial, "INT-01", TEXT, now=CLOCK)
    valued = code_of(named_trial, "Valued")
    for coder in coders:
        tag(t, valued, coder, *_line(TEXT, 4))
    found = {a.path: a for a in per_code(named_trial)}
    assert found["Valued"].kappa == pytest.approx(1.0)
    assert found["Valued"].alpha == pytest.approx(1.0)
