"""The HR outcomes, attrition, sites, the multilevel model, multiple imputation and the
observed ICC of a stored parallel run read back typed and write back key for key (issue 27)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from hearten.analysis.attrition_result import AttritionResult
from hearten.analysis.hr_result import HrResult
from hearten.analysis.imputation_result import ImputationResult
from hearten.analysis.keyed import Keyed
from hearten.analysis.multilevel_result import MultilevelResult
from hearten.analysis.observed_icc import ObservedIcc
from hearten.analysis.result import OutcomeResult
from hearten.analysis.sites_result import SitesResult


def _term(term: str, estimate: float, **more: Any) -> dict[str, Any]:
    return {"term": term, "estimate": estimate, "std_error": 0.1, "df": 12.0, "statistic": 2.0,
            "p_value": 0.04, "conf_low": estimate - 0.2, "conf_high": estimate + 0.2, "n": 40,
            "n_clusters": 8, "vcov_type": "CR2", "alpha": 0.05, **more}  # fmt: skip


HR_RUN = {
    "window": ["2026-01-05", "2026-04-04"],
    "n": 60,
    "clusters": 6,
    "ri_below_clusters": 20,
    "absence": {
        "effects": [{"term": "letters", "log_rr": -0.2, "std_error": 0.1, "statistic": -2.0,
                     "p_value": 0.25, "rate_ratio": 0.82, "conf_low": None, "conf_high": 1.4,
                     "normal_p_value": 0.04, "normal_conf_low": 0.67, "normal_conf_high": 0.99}],
        "inference": {"method": "ri", "reps": 20, "enumerated": True, "seed": 7},
        "rate_per_fte_year": {"control": 9.5, "letters": 7.8},
        "n": 58, "family": "negbin", "theta": 1.3, "theta_se": 0.4, "note": None,
    },
    "leaving": {
        "effects": [{"term": "letters", "log_hr": 0.1, "std_error": 0.3, "p_value": 0.7,
                     "hazard_ratio": 1.1, "conf_low": 0.6, "conf_high": 2.0}],
        "inference": {"method": "normal"},
        "share_left": {"control": 0.1, "letters": 0.12},
        "events": 7,
        "not_at_risk": 2,
    },
}  # fmt: skip

HR_NOT_RUN = {"window": ["2026-01-05", "2026-04-04"], "not_run": True,
              "note": "the plan's 90-day follow-up window runs from randomisation"}  # fmt: skip

HR_NOTES = {"window": ["2026-01-05", "2026-04-04"], "n": 30, "clusters": None,
            "ri_below_clusters": 20,
            "absence": {"note": "no sickness absence is recorded in the window: nothing to model"},
            "leaving": {"note": "no one left", "not_at_risk": 0}}  # fmt: skip

ATTRITION = {
    "overall": 0.2,
    "by_arm": [["control", 30, 5, 0.1667], ["letters", 30, 7, 0.2333]],
    "differential": [_term("letters", 0.0667)],
    "lee": {"lower": -0.1, "upper": 0.4, "conf_low": -0.3, "conf_high": 0.6,
            "trimmed_share": 0.08, "trimmed_arm": "control", "reps": 499, "seed": 3},
}  # fmt: skip

POOLED = {"method": "reml", "hartung_knapp": True, "estimate": 0.3, "std_error": 0.1,
          "conf_low": 0.1, "conf_high": 0.5, "p_value": 0.02, "df": 1.0, "tau2": 0.0, "tau": 0.0,
          "i2": 0.0, "h2": 1.0, "q": 0.3, "q_df": 1, "q_p_value": 0.6, "pred_low": None,
          "pred_high": None, "k": 2, "alpha": 0.05}  # fmt: skip

SITES = {
    "effects": [
        {"site": "North", **_term("letters", 0.25)},
        {"site": "South", **_term("letters", 0.35)},
    ],
    "pooled": POOLED,
    "weights": [0.55, 0.45],
}  # fmt: skip

MULTILEVEL = {
    "effects": [{"term": "letters", "estimate": 0.3, "std_error": 0.12, "df": 9.6,
                 "conf_low": 0.03, "conf_high": 0.57, "p_value": 0.03}],
    "tau2": 0.04, "sigma2": 0.9, "teams": 12,
}  # fmt: skip

IMPUTATION = {
    "role": "sensitivity", "imputations": 20, "iterations": 10, "donors": 5, "seed": 11,
    "n": 70, "missing": {"outcome": 9, "baseline": 2},
    "effects": [{**_term("letters", 0.31), "alternative": "two-sided", "within": 0.01,
                 "between": 0.002, "fmi": 0.18, "riv": 0.2, "df_complete": 14.0}],
}  # fmt: skip

OBSERVED_ICC = {
    "icc": 0.05, "total_variance": 1.1,
    "eef_g": {"letters": {"g": 0.28, "conf_low": 0.02, "conf_high": 0.55}},
    "conf_low": 0.0, "conf_high": 0.2, "teams": 12, "people": 70, "r2_within": 0.4,
    "r2_between": 0.1, "mdes": {"letters": 0.6}, "notes": ["the interval's lower end is 0"],
}  # fmt: skip

STORED: list[tuple[type[Keyed], dict[str, Any]]] = [
    (HrResult, HR_RUN),
    (HrResult, HR_NOT_RUN),
    (HrResult, HR_NOTES),
    (AttritionResult, ATTRITION),
    (AttritionResult, {k: v for k, v in ATTRITION.items() if k != "lee"}),
    (AttritionResult, {**ATTRITION, "lee": None, "lee_note": "too few answered"}),
    (SitesResult, SITES),
    (SitesResult, {"note": "site South has one arm only"}),
    (MultilevelResult, MULTILEVEL),
    (MultilevelResult, {"note": "no variance between teams"}),
    (ImputationResult, IMPUTATION),
    (
        ImputationResult,
        {
            **{
                k: IMPUTATION[k]
                for k in ("role", "imputations", "iterations", "donors", "seed", "n")
            },
            "note": "an arm has too few answers",
        },
    ),
    (ObservedIcc, OBSERVED_ICC),
    # stored before the total variance and Hedges' g on it were kept
    (ObservedIcc, {k: v for k, v in OBSERVED_ICC.items() if k not in {"total_variance", "eef_g"}}),
]


@pytest.mark.parametrize(("kind", "stored"), STORED)
def test_each_section_writes_back_exactly_what_was_stored(
    kind: type[Keyed], stored: dict[str, Any]
) -> None:
    read = kind.from_json(json.loads(json.dumps(stored)))
    assert json.dumps(read.to_json()) == json.dumps(stored)
    assert kind.from_json(read.to_json()) == read


@pytest.mark.parametrize(("kind", "stored"), STORED[::3])
def test_a_key_this_version_does_not_know_is_kept_in_its_place(
    kind: type[Keyed], stored: dict[str, Any]
) -> None:
    later = {"added_later": [1, 2], **stored}
    read = kind.from_json(later)
    assert read.beside("added_later") == (1, 2)  # held frozen
    assert json.dumps(read.to_json()) == json.dumps(later)


def test_the_hr_outcomes_read_typed() -> None:
    hr = HrResult.from_json(HR_RUN)
    assert hr.window == ("2026-01-05", "2026-04-04")
    assert not hr.not_run
    assert hr.clusters == 6
    assert hr.absence is not None
    assert hr.leaving is not None
    assert hr.absence.effects[0].rate_ratio == 0.82
    assert hr.absence.effects[0].conf_low is None  # an unbounded end
    assert hr.absence.effects[0].normal_p_value == 0.04
    assert hr.absence.inference is not None
    assert hr.absence.inference.enumerated is True
    assert hr.absence.rate_per_fte_year == {"control": 9.5, "letters": 7.8}
    assert hr.leaving.effects[0].hazard_ratio == 1.1
    assert hr.leaving.inference is not None
    assert hr.leaving.inference.reps is None
    assert hr.leaving.not_at_risk == 2
    waiting = HrResult.from_json(HR_NOT_RUN)
    assert waiting.not_run
    assert waiting.absence is None
    assert waiting.note is not None
    assert "n" not in waiting.to_json()  # absent keys stay absent
    notes = HrResult.from_json(HR_NOTES)
    assert notes.absence is not None
    assert notes.absence.effects == ()
    assert notes.leaving is not None
    assert notes.leaving.note == "no one left"


def test_attrition_sites_multilevel_imputation_and_the_icc_read_typed() -> None:
    attrition = AttritionResult.from_json(ATTRITION)
    assert attrition.overall == 0.2
    assert attrition.by_arm[1][0] == "letters"
    assert attrition.differential[0].term == "letters"
    assert attrition.lee is not None
    assert attrition.lee.trimmed_arm == "control"
    sites = SitesResult.from_json(SITES)
    assert [s.site for s in sites.effects] == ["North", "South"]
    assert sites.pooled is not None
    assert sites.pooled.k == 2
    assert sites.weights == (0.55, 0.45)
    assert SitesResult.from_json({"note": "x"}).pooled is None
    multilevel = MultilevelResult.from_json(MULTILEVEL)
    assert multilevel.teams == 12
    assert multilevel.effects[0].df == 9.6
    assert multilevel.effects[0].n is None
    assert "n" not in multilevel.effects[0].to_json()
    imputation = ImputationResult.from_json(IMPUTATION)
    assert imputation.role == "sensitivity"
    assert imputation.missing == {"outcome": 9, "baseline": 2}
    assert imputation.effects[0].fmi == 0.18
    assert imputation.effects[0].alternative == "two-sided"
    icc = ObservedIcc.from_json(OBSERVED_ICC)
    assert icc.icc == 0.05
    assert icc.notes == ("the interval's lower end is 0",)
    assert icc.mdes == {"letters": 0.6}
    with pytest.raises(KeyError, match="the stored ImputationResult lacks role"):
        ImputationResult.from_json({"n": 3})


def test_a_secondary_outcome_holds_its_imputation_and_icc_typed() -> None:
    stored = {"name": "valued", "role": "secondary", "outcome": "valued score at follow-up",
              "transform": "none", "baseline": None, "n": 30,
              "effects": [{"term": "letters", "estimate": 0.5}], "imputation": IMPUTATION,
              "observed_icc": OBSERVED_ICC}  # fmt: skip
    outcome = OutcomeResult.from_json(stored)
    assert isinstance(outcome.imputation, ImputationResult)
    assert isinstance(outcome.observed_icc, ObservedIcc)
    assert outcome.observed_icc.teams == 12
    assert json.dumps(outcome.to_json()) == json.dumps(stored)


def _stored_run(**sections: Any) -> dict[str, Any]:
    """A parallel run as stored, smallest: what every run has, then ``sections``."""
    model = {"outcome": "swemwbs total at follow-up", "baseline": None, "vcov": "CR2",
             "alpha": 0.05, "n": 70}  # fmt: skip
    return {
        "trial": "t", "instrument": {"name": "swemwbs", "title": "SWEMWBS", "score": "total",
                                     "licence": ""},
        "model": model, "control": "control", "control_mean": 23.0, "control_sd": 3.0,
        "effects": [{"term": "letters", "estimate": 0.3, "conf_low": 0.1, "conf_high": 0.5,
                     "n": 70}],
        **sections,
        "flow": [], "balance": [],
        "arms": [{"name": "control", "label": "Control"}, {"name": "letters", "label": "Letters"}],
    }  # fmt: skip


def test_a_stored_run_reads_every_section_typed_and_writes_it_back() -> None:
    from hearten.analysis.result import AnalysisResult

    sections = {"observed_icc": OBSERVED_ICC, "imputation": IMPUTATION,
                "multilevel": MULTILEVEL, "hr": HR_RUN, "sites": SITES,
                "attrition": ATTRITION}  # fmt: skip
    stored = _stored_run(**sections)
    typed = AnalysisResult.from_json(stored)
    assert isinstance(typed.hr, HrResult)
    assert isinstance(typed.sites, SitesResult)
    assert isinstance(typed.attrition, AttritionResult)
    assert isinstance(typed.multilevel, MultilevelResult)
    assert typed.primary.imputation == typed.imputation
    written = typed.to_json()
    assert {k: written[k] for k in sections} == sections
    assert AnalysisResult.from_json(json.loads(json.dumps(written))) == typed
    older = AnalysisResult.from_json(_stored_run())  # stored before any of these sections
    assert (older.hr, older.sites, older.attrition, older.multilevel) == (None,) * 4
    assert (older.imputation, older.observed_icc) == (None, None)


def test_the_report_reads_the_typed_sections_as_it_read_the_stored_ones() -> None:
    from hearten.analysis.result import AnalysisResult
    from hearten.reports.effect_tables import hr_rows, imputed_effects, secondary_imputed

    labels = {"control": "Control", "letters": "Letters"}
    secondary = {"name": "valued", "outcome": "valued score at follow-up", "n": 30,
                 "effects": [], "imputation": IMPUTATION}  # fmt: skip
    typed = AnalysisResult.from_json(
        _stored_run(hr=HR_RUN, imputation=IMPUTATION, secondary=[secondary])
    )
    rows = hr_rows(typed, labels)
    absence = HR_RUN["absence"]["effects"][0]  # type: ignore[index]
    assert rows["hr_absence"] == [{**absence, "label": "Letters", "rate": 7.8,
                                   "control_rate": 9.5}]  # fmt: skip
    assert [r["share"] for r in rows["hr_leaving"]] == [0.12]
    assert hr_rows(AnalysisResult.from_json(_stored_run(hr=HR_NOT_RUN)), labels) == {
        "hr_absence": [],
        "hr_leaving": [],
    }
    imputed = imputed_effects(typed)
    assert imputed[0]["fmi"] == 0.18
    assert imputed[0]["compared"] == {"estimate": 0.3, "conf_low": 0.1, "conf_high": 0.5, "n": 70}
    assert [r["name"] for r in secondary_imputed(typed, labels)] == ["valued"]


def test_the_sites_stored_keys_are_the_statistics_fields_and_made_from_them() -> None:
    """SiteEffect stores ``site`` then a TermEstimate's fields, PooledSites a MetaAnalysis's
    but its studies, in their order: one function each makes them from the statistics' own
    and stores what the dicts made with ``asdict`` stored."""
    from dataclasses import asdict, fields

    import numpy as np

    from hearten.analysis.sites_result import PooledSites, SiteEffect
    from hearten.stats.estimate import TermEstimate
    from hearten.stats.meta import MetaAnalysis, pool_sites

    assert SiteEffect.keys() == ("site", *(f.name for f in fields(TermEstimate)))
    assert PooledSites.keys() == tuple(f.name for f in fields(MetaAnalysis) if f.name != "studies")
    rng = np.random.default_rng(3)
    site = [s for s in ("north", "south", "east") for _ in range(40)]
    arm = ["control", "treated"] * 60
    y = rng.normal(size=120) + 0.3 * np.array([a == "treated" for a in arm])
    found = pool_sites(y, arm, "control", site)
    for e in found.effects:
        made = SiteEffect.of_site(e).to_json()
        assert list(made.items()) == list({"site": e.site, **asdict(e.effect)}.items())
    pooled = PooledSites.of_pooled(found.pooled).to_json()
    expected = {k: v for k, v in asdict(found.pooled).items() if k != "studies"}
    assert list(pooled.items()) == list(expected.items())


def test_hr_rates_and_shares_are_held_read_only_and_written_back_key_for_key() -> None:
    """``rate_per_fte_year`` and ``share_left`` are read-only inside the frozen result (not
    the stored dict itself) and write back the same object, in its order; ``None`` stays."""
    import pytest

    from hearten.analysis.hr_result import AbsenceResult, LeavingResult

    stored = {"rate_per_fte_year": {"letter": 6.5, "control": 7.25}, "n": 40}
    absence = AbsenceResult.from_json(stored)
    assert absence.rate_per_fte_year is not None
    with pytest.raises(TypeError):
        absence.rate_per_fte_year["letter"] = 0.0  # type: ignore[index]
    stored["rate_per_fte_year"]["letter"] = 1.0
    assert absence.rate_per_fte_year["letter"] == 6.5
    stored["rate_per_fte_year"]["letter"] = 6.5
    written = absence.to_json()
    assert list(written["rate_per_fte_year"].items()) == [("letter", 6.5), ("control", 7.25)]
    assert written == stored
    assert type(written["rate_per_fte_year"]) is dict
    leaving = LeavingResult.from_json({"share_left": None, "events": 0})
    assert leaving.share_left is None
    assert leaving.to_json() == {"share_left": None, "events": 0}


def test_the_hr_ratios_share_one_base_and_keep_their_stored_keys() -> None:
    """Absence's and leaving's effects derive from RatioEffect: ``term`` first, each ratio's
    own fields, then the shared interval and normal test, as runs have always stored them."""
    from hearten.analysis.hr_result import HazardRatioEffect, RateRatioEffect, RatioEffect

    shared = ("conf_low", "conf_high", "normal_p_value", "normal_conf_low", "normal_conf_high")
    assert RateRatioEffect.keys() == (
        "term", "log_rr", "std_error", "statistic", "p_value", "rate_ratio", *shared
    )  # fmt: skip
    assert HazardRatioEffect.keys() == (
        "term", "log_hr", "std_error", "p_value", "hazard_ratio", *shared
    )  # fmt: skip
    assert issubclass(RateRatioEffect, RatioEffect)
    assert issubclass(HazardRatioEffect, RatioEffect)
    stored = {"term": "letter", "log_hr": -0.1, "std_error": 0.2, "p_value": 0.6,
              "hazard_ratio": 0.9, "conf_low": 0.6, "conf_high": 1.3}  # fmt: skip
    assert list(HazardRatioEffect.from_json(stored).to_json().items()) == list(stored.items())
