"""The study as participants meet it: who runs it, in one phrase that reads as English."""

from __future__ import annotations

from importlib import resources

import pytest

from hearten.demo.simulate import SITES
from hearten.surveys.study import in_words, study_of_design
from hearten.trials.design import parse_design


@pytest.mark.parametrize(
    ("names", "sentence"),
    [
        ((), ""),
        (("Dudley Council",), "Dudley Council"),
        (("Dudley Council", "Shropshire Council"), "Dudley Council and Shropshire Council"),
        (("A Council", "B Council", "C Council", "D Council"),
         "A Council, B Council, C Council and D Council"),
    ],
)  # fmt: skip
def test_names_are_listed_as_a_sentence_lists_them(names: tuple[str, ...], sentence: str) -> None:
    assert in_words(names) == sentence


def test_the_demo_letters_trial_names_the_councils_of_its_sites() -> None:
    text = resources.files("hearten.demo").joinpath("design.toml").read_text()
    design = parse_design(text, "the demo's design.toml")
    councils = [f"{site} Council" for site in SITES]
    assert list(design.participants.councils) == councils
    for council in councils:
        assert council in design.privacy.controller
    assert study_of_design(design).runner == (
        "The Working Well evaluation team at the University of Anytown, with Bracknell Forest "
        "Council, Dudley Council, Shropshire Council and Southwark Council"
    )
