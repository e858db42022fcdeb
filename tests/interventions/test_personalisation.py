"""The personalisation check, case by case."""

from __future__ import annotations

import pytest

from hearten.interventions.personalisation import check_letter, similarity

SPECIFIC = (
    "When you stayed late on Thursday to support the Ahmed family through their child "
    "protection conference, you kept everyone calm and made sure the children were heard."
)


def test_a_specific_letter_scores_full_marks() -> None:
    result = check_letter(SPECIFIC)
    assert result.score == 100
    assert result.passed
    assert result.problems == ()


def test_stock_praise_is_caught_with_reasons() -> None:
    result = check_letter(
        "Thank you for all your hard work, you are a valued member of the team. Keep up the "
        "good work, we really appreciate everything you do."
    )
    assert not result.passed
    assert any("general praise" in p for p in result.problems)
    assert any("Name something they did" in p for p in result.problems)


def test_short_and_copied_letters_are_caught() -> None:
    short = check_letter("Great job on the Ahmed case.")
    assert any(p.startswith("Too short: 6 words") for p in short.problems)
    copied = check_letter(SPECIFIC.replace("Ahmed", "Jones"), others=[SPECIFIC])
    assert any("Too like another colleague's letter" in p for p in copied.problems)
    assert copied.score == 75


def test_similarity_is_symmetric_and_bounded() -> None:
    assert similarity(SPECIFIC, SPECIFIC) == 1.0
    assert similarity(SPECIFIC, "completely different words here about nothing") == 0.0
    assert similarity("a b c d", "b c d e") == similarity("b c d e", "a b c d")


def test_copying_the_template_is_not_personal() -> None:
    template = "I am writing to thank you personally for your work in the team this year"
    result = check_letter(template + " and I am writing to thank you personally", [], template)
    assert any("standard wording" in p for p in result.problems)


def test_the_check_reads_each_letter_once_so_its_cost_is_linear(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from hearten.interventions import personalisation

    read: list[int] = []
    real = personalisation.words

    def counting(text: str) -> list[str]:
        read.append(len(text))
        return real(text)

    monkeypatch.setattr(personalisation, "words", counting)
    mine = SPECIFIC * 20
    others = [f"Letter {i}: {SPECIFIC}" for i in range(200)]
    check_letter(mine, others)
    stock = sum(len(p) for p in personalisation.STOCK_PHRASES)
    # Each text is tokenised a bounded number of times: one's own length is not paid again
    # for every other letter in the trial (the old check read it 200 times).
    assert sum(read) <= 3 * len(mine) + sum(len(o) for o in others) + stock


def test_overlap_is_jaccard_of_trigram_sets() -> None:
    from hearten.interventions.personalisation import jaccard

    a, b = {("a", "b", "c"), ("b", "c", "d")}, {("b", "c", "d"), ("c", "d", "e"), ("x", "y", "z")}
    assert jaccard(a, b) == jaccard(b, a) == 1 / 4
    assert jaccard(set(), b) == 0.0
