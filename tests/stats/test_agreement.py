"""Cohen's kappa and Krippendorff's alpha, checked by hand, against published worked examples,
against R and against the ``krippendorff`` package."""

from __future__ import annotations

import csv
from pathlib import Path

import krippendorff
import numpy as np
import pytest

from hearten.stats.agreement import cohen_kappa, krippendorff_alpha

REFERENCE = Path(__file__).parent / "reference"
# The computing note prints alpha to three decimals.
PUBLISHED = 0.0005
# Floating point only: the same formula summed in another order.
SAME_FORMULA = 1e-12

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section A: binary data,
# two observers, no missing data; alpha = 0.095.
SECTION_A = [
    [0, 1, 0, 0, 0, 0, 0, 0, 1, 0],
    [1, 1, 1, 0, 0, 1, 0, 0, 0, 0],
]
# Section B: nominal data, two observers, no missing data; alpha = 0.692.
SECTION_B = [
    list("aabbdcccedda"),
    list("babbbccceddd"),
]
# Section C: nominal data, four observers, missing data; nominal alpha = 0.743.
N = None
SECTION_C = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, N, N, N],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, N, 3],
    [N, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, N],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, N],
]


def test_alpha_matches_the_computing_notes_binary_example() -> None:
    assert krippendorff_alpha(SECTION_A).alpha == pytest.approx(0.095, abs=PUBLISHED)


def test_alpha_matches_the_computing_notes_two_observer_nominal_example() -> None:
    assert krippendorff_alpha(SECTION_B).alpha == pytest.approx(0.692, abs=PUBLISHED)


def test_alpha_matches_the_computing_notes_example_with_missing_values() -> None:
    result = krippendorff_alpha(SECTION_C)
    assert result.alpha == pytest.approx(0.743, abs=PUBLISHED)
    # unit 12 has a single value and is not pairable; 40 values remain in 11 units
    assert result.units == 11
    assert result.pairable_values == 40


def test_binary_alpha_has_the_closed_form_of_section_a() -> None:
    # alpha = 1 - (n - 1) * o_01 / (n_0 * n_1), with n = 20, o_01 = 4, n_0 = 14, n_1 = 6
    assert krippendorff_alpha(SECTION_A).alpha == pytest.approx(
        1 - 19 * 4 / (14 * 6), abs=SAME_FORMULA
    )


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_alpha_agrees_with_the_krippendorff_package_on_random_data(seed: int) -> None:
    rng = np.random.default_rng(seed)
    data = rng.integers(0, 4, size=(3, 30)).astype(float)
    data[rng.random(size=data.shape) < 0.2] = np.nan
    ours = krippendorff_alpha([[None if np.isnan(v) else int(v) for v in row] for row in data])
    theirs = krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")
    assert ours.alpha == pytest.approx(theirs, abs=SAME_FORMULA)


def test_alpha_is_undefined_when_nobody_varies() -> None:
    assert krippendorff_alpha([[1, 1, 1], [1, 1, 1]]).alpha is None


def test_alpha_refuses_data_with_no_pairable_unit() -> None:
    with pytest.raises(ValueError, match="two or more coders"):
        krippendorff_alpha([[1, None], [None, 2]])


def test_kappa_matches_the_textbook_grant_example() -> None:
    # 50 applications: both yes 20, A yes B no 5, A no B yes 10, both no 15 -> kappa 0.4
    first = ["yes"] * 25 + ["no"] * 25
    second = ["yes"] * 20 + ["no"] * 5 + ["yes"] * 10 + ["no"] * 15
    result = cohen_kappa(first, second)
    assert result.observed == pytest.approx(0.7, abs=SAME_FORMULA)
    assert result.expected == pytest.approx(0.5, abs=SAME_FORMULA)
    assert result.kappa == pytest.approx(0.4, abs=SAME_FORMULA)


def test_kappa_matches_r_on_the_reference_data() -> None:
    with (REFERENCE / "agreement.csv").open() as f:
        rows = list(csv.DictReader(f))
    with (REFERENCE / "agreement_kappa.csv").open() as f:
        expected = {r["statistic"]: float(r["value"]) for r in csv.DictReader(f)}
    result = cohen_kappa([r["coder1"] for r in rows], [r["coder2"] for r in rows])
    assert result.kappa == pytest.approx(expected["kappa"], abs=SAME_FORMULA)
    assert result.observed == pytest.approx(expected["observed"], abs=SAME_FORMULA)


def test_kappa_leaves_out_units_one_coder_skipped() -> None:
    result = cohen_kappa(["a", "b", None, "a"], ["a", "b", "b", None])
    assert result.units == 2
    assert result.kappa == pytest.approx(1.0)


def test_kappa_is_undefined_when_both_coders_used_one_category() -> None:
    assert cohen_kappa(["a", "a"], ["a", "a"]).kappa is None


def test_kappa_refuses_rows_of_different_lengths() -> None:
    with pytest.raises(ValueError, match="different numbers of units"):
        cohen_kappa(["a"], ["a", "b"])
