"""SWEMWBS: items, the Stewart-Brown (2009) conversion table, validation."""

from __future__ import annotations

import pytest

from hearten.errors import DataError
from hearten.instruments import get_instrument
from hearten.instruments.swemwbs import RAW_TO_METRIC, SWEMWBS


def test_the_conversion_table_covers_every_raw_total_and_rises() -> None:
    assert sorted(RAW_TO_METRIC) == list(range(7, 36))
    values = [RAW_TO_METRIC[r] for r in range(7, 36)]
    assert values == sorted(values)
    assert len(set(values)) == len(values)
    assert RAW_TO_METRIC[7] == 7.00
    assert RAW_TO_METRIC[35] == 35.00


def test_published_values_including_the_disputed_raw_29() -> None:
    # Stewart-Brown et al. 2009, Table 3 (shared/research/instruments.md).
    assert RAW_TO_METRIC[17] == 16.88
    assert RAW_TO_METRIC[23] == 20.73
    assert RAW_TO_METRIC[29] == 26.02


def test_scoring_sums_items_and_converts() -> None:
    answers = {f"swemwbs_{i}": v for i, v in enumerate([4, 4, 3, 4, 4, 4, 4], start=1)}
    score = SWEMWBS.score(answers)
    assert score.values == {"raw": 27.0, "metric": 24.11}


def test_the_seven_items_are_the_published_ones_in_order() -> None:
    assert SWEMWBS.item_keys == tuple(f"swemwbs_{i}" for i in range(1, 8))
    assert SWEMWBS.items[0].text == "I’ve been feeling optimistic about the future"
    assert SWEMWBS.items[6].text == "I’ve been able to make up my own mind about things"
    assert "© NHS Health Scotland" in SWEMWBS.licence


def test_a_missing_or_out_of_range_item_names_the_item() -> None:
    answers = {f"swemwbs_{i}": 3 for i in range(1, 8)}
    answers["swemwbs_3"] = 6
    del answers["swemwbs_5"]
    with pytest.raises(DataError, match=r"swemwbs_3 is 6, outside 1 to 5; swemwbs_5 is missing"):
        SWEMWBS.score(answers)


def test_unknown_instrument_lists_the_known_ones() -> None:
    from hearten.errors import DesignError

    with pytest.raises(DesignError, match=r"known instruments are .*swemwbs"):
        get_instrument("phq9")
