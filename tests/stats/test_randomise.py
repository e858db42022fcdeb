"""Stratified randomisation: counts, probabilities, reproducibility."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hearten.errors import DesignError
from hearten.stats.randomise import block_randomise


def test_the_same_seed_gives_the_same_allocation_on_any_machine() -> None:
    # Pinned: these arms come from PCG64's raw stream, which numpy guarantees stable.
    a = block_randomise(
        ["t1", "t2", "t3", "t4", "t5", "t6", "t7"],
        ["A", "A", "A", "B", "B", "B", "B"],
        ["control", "letters"],
        [1, 1],
        42,
    )
    assert a.arms == ("control", "letters", "letters", "letters", "control", "control", "letters")
    assert a.seed == 42
    assert a.scheme == "blocked"


def test_the_order_units_are_given_in_does_not_change_the_allocation() -> None:
    units = [f"team-{i}" for i in range(12)]
    strata = ["A" if i % 3 else "B" for i in range(12)]
    a = block_randomise(units, strata, ["c", "t"], [1, 1], 7)
    b = block_randomise(units[::-1], strata[::-1], ["c", "t"], [1, 1], 7)
    assert dict(zip(a.units, a.arms, strict=True)) == dict(zip(b.units, b.arms, strict=True))


@settings(max_examples=60, deadline=None)
@given(
    sizes=st.lists(st.integers(3, 25), min_size=1, max_size=5),
    ratio=st.lists(st.integers(1, 3), min_size=2, max_size=4),
    seed=st.integers(0, 2**63 - 1),
)
def test_within_each_stratum_arm_counts_are_within_one_of_the_ratio(
    sizes: list[int], ratio: list[int], seed: int
) -> None:
    units, strata = [], []
    for s, n in enumerate(sizes):
        units += [f"s{s}-u{i}" for i in range(n)]
        strata += [f"s{s}"] * n
    arms = [f"arm{i}" for i in range(len(ratio))]
    a = block_randomise(units, strata, arms, ratio, seed)
    for s, n in enumerate(sizes):
        counts = Counter(arm for arm, st_ in zip(a.arms, a.strata, strict=True) if st_ == f"s{s}")
        for arm, r in zip(arms, ratio, strict=True):
            assert abs(counts[arm] - n * r / sum(ratio)) < 1
    for arm, p in zip(a.arms, a.probabilities, strict=True):
        assert p == pytest.approx(ratio[arms.index(arm)] / sum(ratio))


def test_leftover_units_go_to_arms_with_their_exact_probability() -> None:
    # 5 units, ratio 1:2: arm t gets 3 or 4 units, so P(unit in t) must still be 2/3.
    hits = Counter()
    draws = 3000
    for seed in range(draws):
        a = block_randomise(list("abcde"), None, ["c", "t"], [1, 2], seed)
        hits[a.arms[0]] += 1
    share = hits["t"] / draws
    # Binomial standard error at 3000 draws is 0.0086; 4 standard errors.
    assert abs(share - 2 / 3) < 4 * 0.0086


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"arm_names": ["c"], "ratio": [1]}, "at least two arms"),
        ({"ratio": [1, 0]}, "positive whole-number ratio"),
        ({"seed": -1}, "non-negative"),
    ],
)
def test_bad_parameters_get_a_clear_error(kwargs: dict, message: str) -> None:
    args = {
        "units": ["a", "b"],
        "strata": None,
        "arm_names": ["c", "t"],
        "ratio": [1, 1],
        "seed": 1,
    }
    with pytest.raises(DesignError, match=message):
        block_randomise(**{**args, **kwargs})
