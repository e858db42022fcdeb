"""Moderators: interactions recovered, pre-registered ones adjusted, others labelled."""

from __future__ import annotations

import numpy as np
import pytest

from hearten.stats.estimate import fit_ols
from hearten.stats.moderators import estimate_moderators
from hearten.stats.multiplicity import adjust_p_values


@pytest.fixture(scope="module")
def trial() -> dict:
    rng = np.random.default_rng(12)
    teams = np.repeat(np.arange(40), 15)
    t = (teams % 2).astype(float)
    caseload = rng.poisson(18, len(t)).astype(float)
    role = rng.choice(["NQSW", "senior", "social worker"], len(t))
    # Letters help less as caseload rises: δ = -0.1 per child.
    y = (
        0.5 * t
        - 0.1 * t * (caseload - caseload.mean())
        + rng.normal(size=40)[teams]
        + rng.normal(size=len(t))
    )
    return {
        "y": y,
        "arm": np.where(t == 1, "letters", "control").tolist(),
        "team": teams,
        "caseload": caseload,
        "role": role,
    }


def test_a_numeric_moderator_is_centred_and_its_interaction_recovered(trial: dict) -> None:
    terms = estimate_moderators(
        trial["y"],
        trial["arm"],
        "control",
        {"caseload": trial["caseload"]},
        {"caseload"},
        cluster=trial["team"],
    )
    (term,) = terms
    assert term.level is None
    assert term.conf_low < -0.1 < term.conf_high
    assert term.p_value < 0.01
    # The same model by hand.
    c = trial["caseload"] - trial["caseload"].mean()
    t = (np.asarray(trial["arm"]) == "letters").astype(float)
    X = np.column_stack([np.ones(len(t)), t, c, t * c])
    fit = fit_ols(trial["y"], X, ["1", "t", "c", "tc"], cluster=trial["team"])
    assert term.estimate == pytest.approx(fit.coef[3], rel=1e-12)
    assert term.df == pytest.approx(fit.df[3], rel=1e-12)


def test_only_pre_registered_moderators_are_adjusted_and_all_are_labelled(trial: dict) -> None:
    terms = estimate_moderators(
        trial["y"],
        trial["arm"],
        "control",
        {"caseload": trial["caseload"], "role": trial["role"]},
        pre_registered={"caseload", "role"},
        cluster=trial["team"],
    )
    assert [(t.moderator, t.level) for t in terms] == [
        ("caseload", None),
        ("role", "senior"),
        ("role", "social worker"),
    ]
    expected = adjust_p_values(["a", "b", "c"], [t.p_value for t in terms], "holm").adjusted
    assert [t.adjusted_p for t in terms] == pytest.approx(list(expected))
    exploratory = estimate_moderators(
        trial["y"],
        trial["arm"],
        "control",
        {"caseload": trial["caseload"], "role": trial["role"]},
        pre_registered={"caseload"},
        cluster=trial["team"],
    )
    role_terms = [t for t in exploratory if t.moderator == "role"]
    assert all(not t.pre_registered and t.adjusted_p is None for t in role_terms)
    assert exploratory[0].pre_registered
