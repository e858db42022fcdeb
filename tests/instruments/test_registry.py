"""Every registered scale: declared consistently, then scored by hand-worked cases."""

from __future__ import annotations

from pathlib import Path

import pytest

from hearten.errors import DataError, DesignError
from hearten.instruments import REGISTRY, get_instrument, require_text


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_each_scale_is_declared_consistently(name: str) -> None:
    i = REGISTRY[name]
    assert i.item_keys == tuple(f"{name}_{n}" for n in range(1, len(i.items) + 1))
    assert i.primary_score in i.scores
    assert i.licence
    assert i.source
    for s in i.scales:
        assert set(s.items) <= set(range(1, len(i.items) + 1))
        assert 1 <= s.min_items <= len(s.items)
    # The lowest answer to every item gives each scale its lowest possible value.
    lowest = {item.key: item.values[0] for item in i.items}
    row = i.score_row(lowest)
    assert not row.problems
    assert all(v is not None for v in row.scores.values())


def test_wemwbs_is_the_sum_and_swemwbs_converts_to_the_metric() -> None:
    w = get_instrument("wemwbs").score_row({f"wemwbs_{n}": 4 for n in range(1, 15)})
    assert w.scores == {"total": 56.0}
    s = get_instrument("swemwbs").score_row({f"swemwbs_{n}": 4 for n in range(1, 8)})
    assert s.scores == {"raw": 28.0, "metric": 25.03}


def test_ons4_items_are_scored_alone_with_ons_bands() -> None:
    r = get_instrument("ons4").score_row({"ons4_1": 8, "ons4_2": 4, "ons4_4": 6})
    assert r.scores == {
        "life_satisfaction": 8.0,
        "worthwhile": 4.0,
        "happiness": None,
        "anxiety": 6.0,
    }
    assert r.bands == {
        "life_satisfaction": "high",
        "worthwhile": "low",
        "happiness": None,
        "anxiety": "high",
    }
    assert r.problems == ("happiness: 0 of 1 items answered, 1 needed",)


def test_uwes9_subscales_and_their_missing_rule() -> None:
    answers = {
        f"uwes9_{n}": v for n, v in zip(range(1, 10), [6, 4, 3, 3, 2, 5, 1, 0, 6], strict=True)
    }
    r = get_instrument("uwes9").score_row(answers)
    assert r.scores["vigour"] == pytest.approx((6 + 4 + 2) / 3)
    assert r.scores["dedication"] == pytest.approx((3 + 3 + 1) / 3)
    assert r.scores["absorption"] == pytest.approx((5 + 0 + 6) / 3)
    assert r.scores["total"] == pytest.approx(30 / 9)
    del answers["uwes9_1"], answers["uwes9_2"]
    short = get_instrument("uwes9").score_row(answers)
    assert short.scores["vigour"] is None  # 1 of 3
    assert short.scores["total"] == pytest.approx(20 / 7)  # 7 of 9 is enough
    assert "vigour: 1 of 3 items answered, 2 needed" in short.problems


def test_cbi_reverses_energy_for_family_and_needs_three_answers() -> None:
    cbi = get_instrument("cbi_work")
    r = cbi.score_row({"cbi_work_1": 75, "cbi_work_2": 50, "cbi_work_7": 100})
    # Item 7 "Always" (100) has plenty of energy: reversed to 0.
    assert r.scores["burnout"] == pytest.approx((75 + 50 + 0) / 3)
    few = cbi.score_row({"cbi_work_1": 75, "cbi_work_2": 50})
    assert few.scores["burnout"] is None
    odd = cbi.score_row({f"cbi_work_{n}": 60 for n in range(1, 8)})
    assert odd.scores["burnout"] is None
    assert "cbi_work_1 is 60, outside 0 to 100" in odd.problems


def test_hse_indicator_reverses_demands_so_higher_is_better() -> None:
    hse = get_instrument("hse_indicator")
    always = hse.score_row({f"hse_indicator_{n}": 5 for n in range(1, 36)})
    # Every "Always"/"Strongly agree": demands items (all reversed) score 1; role items 5.
    assert always.scores["demands"] == 1.0
    assert always.scores["role"] == 5.0
    assert always.scores["relationships"] == 1.0
    assert len(hse.items) == 35
    assert sum(item.reverse for item in hse.items) == 12


def test_feeling_valued_reverses_items_2_3_5_7() -> None:
    r = get_instrument("valued").score_row({f"valued_{n}": 6 for n in range(1, 9)})
    assert r.scores["support"] == pytest.approx((6 * 4 + 0 * 4) / 8)


def test_an_out_of_range_answer_empties_only_the_scores_that_use_it() -> None:
    r = get_instrument("uwes9").score_row({**{f"uwes9_{n}": 3 for n in range(1, 10)}, "uwes9_6": 9})
    assert r.scores["absorption"] is None
    assert r.scores["total"] is None
    assert r.scores["vigour"] == 3.0
    assert r.problems == ("uwes9_6 is 9, outside 0 to 6",)


def test_caseload_is_a_whole_number_in_range() -> None:
    c = get_instrument("caseload")
    assert c.score_row({"caseload_1": "18"}).scores == {"caseload": 18.0}
    assert c.score_row({"caseload_1": 12.5}).problems == ("caseload_1 is 12.5, outside 0 to 150",)
    assert c.score_row({"caseload_1": "many"}).problems == ("caseload_1 is 'many', not a number",)


def test_wording_that_is_not_bundled_is_loaded_locally(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    belonging = get_instrument("belonging")
    with pytest.raises(DesignError, match="wording is not bundled"):
        require_text(belonging)
    monkeypatch.setenv("HEARTEN_INSTRUMENT_TEXTS", str(tmp_path))
    (tmp_path / "belonging.toml").write_text(
        'prompt = "About your workplace"\nitems = ['
        + ", ".join(f'"Statement {n}"' for n in range(1, 8))
        + "]\n"
    )
    loaded = get_instrument("belonging")
    require_text(loaded)
    assert loaded.items[2].text == "Statement 3"
    assert loaded.prompt == "About your workplace"
    (tmp_path / "belonging.toml").write_text('items = ["only one"]\n')
    with pytest.raises(DataError, match="a list of 7 texts"):
        get_instrument("belonging")


@pytest.mark.parametrize("odd", ["３", "٣", "3e0", "0_3", "3.0", "+3", "3 3", "0x3", 3.0, True])
def test_a_survey_answer_is_taken_only_in_its_plain_form(odd: object) -> None:
    answers = {f"swemwbs_{i}": "3" for i in range(1, 8)}
    assert get_instrument("swemwbs").validate(answers)["swemwbs_1"] == 3
    with pytest.raises(DataError, match=r"swemwbs_1 is .*not a whole number written in digits"):
        get_instrument("swemwbs").validate({**answers, "swemwbs_1": odd})


def test_a_typed_number_may_have_spaces_around_it_but_no_more_than_nine_digits() -> None:
    caseload = get_instrument("caseload")
    assert caseload.validate({"caseload_1": " 12 "}) == {"caseload_1": 12}
    with pytest.raises(DataError, match="not a whole number"):
        caseload.validate({"caseload_1": "1" * 5000})
