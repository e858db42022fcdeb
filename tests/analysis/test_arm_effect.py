"""Each arm's effect reads as a typed ArmEffect and writes back exactly as it was stored
(issue 27, item 4): the same keys in the same order, an older run's missing keys still
missing, and keys this version does not know kept in place."""

from __future__ import annotations

import json

import pytest

from hearten.analysis.arm_effect import ArmEffect, EffectOnTakers
from hearten.analysis.term_result import TermResult

#: An effect as a run stored before Hedges' g had its scale and before resampling and the
#: alternative were stored, with the complete-case estimate of an imputed analysis between
#: its keys (a key ArmEffect does not type).
OLDER = {"term": "letters", "estimate": 1.5, "std_error": 0.5, "df": 20.0, "statistic": 3.0,
         "p_value": 0.007, "conf_low": 0.46, "conf_high": None, "n": 40,
         "complete_case": {"estimate": 1.2, "n": 35}, "n_clusters": 8, "vcov_type": "CR2",
         "alpha": 0.05, "hedges_g": {"g": 0.3, "std_error": 0.1, "conf_low": 0.1,
                                     "conf_high": 0.5, "icc": 0.05}}  # fmt: skip


def test_an_older_effect_reads_typed_and_writes_back_unchanged() -> None:
    e = ArmEffect.from_json(OLDER)
    assert (e.term, e.estimate, e.df, e.conf_high, e.n, e.n_clusters) == (
        "letters", 1.5, 20.0, None, 40, 8)  # fmt: skip
    assert e.hedges_g is not None
    assert (e.hedges_g.g, e.hedges_g.icc, e.hedges_g.scale) == (0.3, 0.05, None)
    assert e.resampling is None
    assert e.alternative is None
    assert e.beside("complete_case") == {"estimate": 1.2, "n": 35}
    assert json.dumps(e.to_json()) == json.dumps(OLDER)  # same keys, same order, none added


def test_the_effect_on_those_who_took_part_reads_typed_and_writes_back_unchanged() -> None:
    fitted = {"definition": "letter-delivered", "effects": [OLDER], "took_part": {"letters": 0.8}}
    cace = EffectOnTakers.from_json(fitted)
    assert cace.effects[0].estimate == 1.5
    assert cace.took_part == {"letters": 0.8}
    assert cace.note is None
    assert json.dumps(cace.to_json()) == json.dumps(fitted)
    failed = {"definition": "letter-delivered", "note": "nobody in letters took part"}
    assert EffectOnTakers.from_json(failed).effects == ()
    assert json.dumps(EffectOnTakers.from_json(failed).to_json()) == json.dumps(failed)


def test_an_arm_effect_stores_a_term_s_keys_first_then_its_own() -> None:
    assert ArmEffect.keys() == (
        *TermResult.keys(), "alternative", "hedges_g", "resampling"
    )  # fmt: skip
    new = ArmEffect(term="letters", estimate=1.5, std_error=0.5, alternative="greater")
    assert list(new.to_json()) == list(ArmEffect.keys())
    assert ArmEffect.from_json(new.to_json()) == new


def test_an_effect_read_from_a_run_shares_no_container_with_it() -> None:
    stored = json.loads(json.dumps(OLDER))
    stored["resampling"] = {"method": "permutation", "p_value": 0.01, "reps": 999}
    e = ArmEffect.from_json(stored)
    stored["resampling"]["p_value"] = 0.9
    stored["complete_case"]["n"] = 1
    assert e.resampling is not None
    assert e.resampling["p_value"] == 0.01
    assert e.beside("complete_case") == {"estimate": 1.2, "n": 35}
    with pytest.raises(TypeError):
        e.resampling["p_value"] = 0.9  # type: ignore[index]
    takers = {"effects": [], "took_part": {"letters": 0.6}}
    cace = EffectOnTakers.from_json(takers)
    takers["took_part"]["letters"] = 0.1  # type: ignore[index]
    assert cace.took_part == {"letters": 0.6}
    with pytest.raises(TypeError):
        cace.took_part["letters"] = 0.1  # type: ignore[index]
