"""Stratified randomisation: counts, probabilities, reproducibility."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hearten.errors import DesignError
from hearten.stats.randomise import block_randomise

#: The threshold is the χ²_K quantile, exact only in large samples: with 30 teams the rate
#: achieved may miss the target by a few points beyond its Monte Carlo error.
CHI2_APPROXIMATION = 0.03


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


def test_schemes_are_named_for_what_was_randomised() -> None:
    units = [f"u{i}" for i in range(6)]
    strata = ["A"] * 3 + ["B"] * 3
    assert block_randomise(units, None, ["c", "t"], [1, 1], 1).scheme == "complete"
    assert block_randomise(units, strata, ["c", "t"], [1, 1], 1).scheme == "blocked"
    assert block_randomise(units, None, ["c", "t"], [1, 1], 1, clustered=True).scheme == "cluster"
    blocked_cluster = block_randomise(units, strata, ["c", "t"], [1, 1], 1, clustered=True)
    assert blocked_cluster.scheme == "blocked-cluster"


def test_realised_probabilities_match_the_stated_ones_three_arms_unequal_ratio() -> None:
    # randomizr's check: over many seeds each unit's share of each arm is its probability.
    units = [f"u{i}" for i in range(7)]
    strata = ["A"] * 4 + ["B"] * 3
    arms, ratio = ["c", "t1", "t2"], [2, 1, 1]
    draws = 4000
    hits = Counter()
    for seed in range(draws):
        a = block_randomise(units, strata, arms, ratio, seed)
        hits.update(zip(a.units, a.arms, strict=True))
    for unit in units:
        for arm, r in zip(arms, ratio, strict=True):
            p = r / 4
            assert abs(hits[unit, arm] / draws - p) < 4 * (p * (1 - p) / draws) ** 0.5


def test_redraws_follow_the_rule_and_do_not_depend_on_how_many_are_asked() -> None:
    from hearten.stats.randomise import make_rule, redraws

    rule = make_rule([f"u{i}" for i in range(9)], ["A"] * 5 + ["B"] * 4, ["c", "t"], [1, 2])
    few, many = redraws(rule, 3, 5), redraws(rule, 3, 50)
    assert (few == many[:5]).all()
    for draw in many:
        for block in (slice(0, 5), slice(5, 9)):
            n = block.stop - block.start
            assert abs((draw[block] == 1).sum() - n * 2 / 3) < 1


def test_matched_pairs_put_one_of_each_pair_in_each_arm() -> None:
    from hearten.stats.randomise import form_pairs, pair_randomise

    units = [f"team{i}" for i in range(7)]
    score = [3.0, 10.0, 1.0, 7.0, 2.0, 9.0, 5.0]
    pairs = form_pairs(units, score)
    # Sorted by score: team2 1, team4 2, team0 3, team6 5, team3 7, team5 9, team1 10; the
    # middle one (team6) is left alone and the neighbours pair up.
    assert pairs[2] == pairs[4]
    assert pairs[0] == pairs[3]
    assert pairs[5] == pairs[1]
    assert pairs[6].startswith("all/single/")
    a = pair_randomise(units, score, ["control", "letters"], seed=4)
    assert a.scheme == "matched-pairs"
    arm = dict(zip(a.units, a.arms, strict=True))
    for x, y in (("team2", "team4"), ("team0", "team3"), ("team5", "team1")):
        assert {arm[x], arm[y]} == {"control", "letters"}
    assert set(a.probabilities) == {0.5}
    with pytest.raises(DesignError, match="exactly two arms"):
        pair_randomise(units, score, ["a", "b", "c"], seed=1)


def test_rerandomisation_accepts_only_balanced_draws_with_exact_probabilities() -> None:
    import numpy as np

    from hearten.stats.randomise import redraws
    from hearten.stats.rerandomise import acceptance, mahalanobis, rerandomise

    rng = np.random.default_rng(2)
    units = [f"t{i:02d}" for i in range(30)]
    X = rng.normal(size=(30, 2))
    r = rerandomise(units, None, ["c", "t"], [1, 1], X.tolist(), ["caseload", "size"], 8, 0.2)
    assert r.assignment.scheme == "rerandomised"
    assert r.distance <= r.threshold
    assert r.acceptance_rate == pytest.approx(
        0.2, abs=4 * r.acceptance_rate_mcse + CHI2_APPROXIMATION
    )
    assert r.probabilities_exact
    assert set(r.assignment.probabilities) == {0.5}
    # The same seed gives the same allocation; re-draws obey the same criterion.
    again = rerandomise(units, None, ["c", "t"], [1, 1], X.tolist(), ["caseload", "size"], 8, 0.2)
    assert again.assignment == r.assignment
    from hearten.stats.randomise import make_rule

    rule = make_rule(units, None, ["c", "t"], [1, 1], X.tolist(), r.threshold)
    Xc = np.asarray(rule.covariates)
    for draw in redraws(rule, 8, 30, acceptance(rule)):
        assert mahalanobis(Xc, draw == 1) <= r.threshold


def test_rerandomisation_estimates_probabilities_with_unequal_arms() -> None:
    import numpy as np

    from hearten.stats.rerandomise import rerandomise

    X = np.arange(12, dtype=float).reshape(12, 1)
    r = rerandomise([f"u{i:02d}" for i in range(12)], None, ["c", "t"], [1, 2], X, ["x"], 1, 0.3)
    assert not r.probabilities_exact
    assert 0 < r.probability_mcse < 0.02
    assert all(0 < p < 1 for p in r.assignment.probabilities)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"arm_names": ["a", "b", "c"], "ratio": [1, 1, 1]}, "two arms"),
        ({"acceptance_probability": 1.5}, "between 0 and 1"),
        ({"covariates": [[1.0]] * 10}, "constant or collinear"),
        ({"covariates": [[float("nan")]] + [[1.0 * i] for i in range(9)]}, "missing"),
    ],
)
def test_rerandomisation_refuses_what_it_cannot_balance(kwargs: dict, message: str) -> None:
    from hearten.stats.rerandomise import rerandomise

    args = {
        "units": [f"u{i}" for i in range(10)],
        "strata": None,
        "arm_names": ["c", "t"],
        "ratio": [1, 1],
        "covariates": [[float(i)] for i in range(10)],
        "names": ["x"],
        "seed": 1,
    }
    with pytest.raises(DesignError, match=message):
        rerandomise(**{**args, **kwargs})
