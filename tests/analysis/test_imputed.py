"""The plan's multiple imputation: the plan's missing-data analysis or a sensitivity one,
each checked against the pooled fit made by hand on the analysis dataset."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from hearten.analysis.dataset import build_dataset
from hearten.analysis.run import run_analysis
from hearten.errors import DesignError
from hearten.reports.preregistration import _analysis_words
from hearten.reports.render import write_report
from hearten.stats.imputation import estimate_itt_imputed
from hearten.trials.design import parse_design
from hearten.trials.lifecycle import design_of
from tests.analysis.test_plan import _ready
from tests.analysis.test_plan_options import _by_hand, _complete, _plan, _same
from tests.conftest import CLOCK

pytestmark = pytest.mark.django_db

IMPUTATION = {"imputations": 5, "iterations": 3}


def _pooled_by_hand(trial: Any) -> Any:
    data = build_dataset(trial)
    people = data[data["consented"]]
    return estimate_itt_imputed(
        people["outcome"], people["arm"].tolist(), "control", {"baseline": people["baseline"]},
        people["stratum"].tolist(), people["team"], "CR2", imputations=5, seed=3, iterations=3,
    )  # fmt: skip


def test_imputation_as_the_plans_missing_data_analysis_is_the_reported_effect(trial: Any) -> None:
    _plan(trial, missing_data="mice", imputation=IMPUTATION, seed=3)
    _ready(trial)
    result = run_analysis(trial, CLOCK).result
    effect = result["effects"][0]
    expected = _pooled_by_hand(trial)
    pooled = expected.effects[0].pooled
    assert result["imputation"]["role"] == "primary"
    assert result["imputation"]["missing"]["outcome"] > 0
    for field in ("estimate", "std_error", "df", "p_value", "conf_low", "conf_high"):
        assert effect[field] == pytest.approx(getattr(pooled, field), rel=1e-10), field
    assert effect["n"] == expected.n
    assert effect["fmi"] == pytest.approx(pooled.fmi)
    used = _complete(trial)
    complete = _by_hand(used, used["outcome"], {"baseline": used["baseline"]})
    _same(effect["complete_case"], complete)
    html = write_report(trial, now=CLOCK).read_text()
    assert "The plan's missing-data analysis: multiple imputation" in html
    assert "Rubin's rules" in html
    assert "complete cases only" in html


def test_imputation_beside_complete_cases_is_a_sensitivity_analysis(trial: Any) -> None:
    again = {"name": "again", "wave": "follow-up", "baseline_wave": "baseline"}
    _plan(trial, imputation=IMPUTATION, seed=3, secondary=[again])
    _ready(trial)
    result = run_analysis(trial, CLOCK).result
    used = _complete(trial)
    _same(result["effects"][0], _by_hand(used, used["outcome"], {"baseline": used["baseline"]}))
    mi = result["imputation"]
    assert mi["role"] == "sensitivity"
    pooled = _pooled_by_hand(trial).effects[0].pooled
    assert mi["effects"][0]["estimate"] == pytest.approx(pooled.estimate, rel=1e-10)
    assert mi["effects"][0]["df"] == pytest.approx(pooled.df, rel=1e-10)
    html = write_report(trial, now=CLOCK).read_text()
    assert "Sensitivity analysis: multiple imputation" in html
    assert "multiple imputation as a sensitivity analysis" in html
    # The secondary outcome (the same score) is imputed alike, and said so under its table.
    (secondary,) = result["secondary"]
    assert secondary["imputation"]["effects"][0]["estimate"] == pytest.approx(pooled.estimate)
    assert "Sensitivity analysis: multiple imputation</strong>, as for the primary" in html


def test_the_plan_documents_say_how_missing_answers_are_imputed(trial: Any) -> None:
    _plan(trial, missing_data="mice", imputation=IMPUTATION, seed=3)
    words = _analysis_words(design_of(trial))["missing"]
    assert words.startswith("multiple imputation: each consenting person's missing scores")
    assert "imputed 5 times (seed 3)" in words
    assert "Rubin's rules" in words
    _plan(trial, missing_data="complete-case")
    words = _analysis_words(design_of(trial))["missing"]
    assert "as a sensitivity analysis, multiple imputation" in words


@pytest.mark.parametrize(
    ("extra", "table", "message"),
    [
        ('missing_data = "mice"', "", "multiple imputation draws at random: add analysis.seed"),
        ("", "imputations = 20", "multiple imputation draws at random: add analysis.seed"),
        ('missing_data = "mice"\nmethod = "ri"\nseed = 1', "", "Rubin's rules"),
        ("seed = 1", "imputations = 1", "imputations"),
        ("seed = 1", "donors = 0", "donors"),
    ],
)
def test_imputation_plans_are_checked(
    design_file: Any, extra: str, table: str, message: str
) -> None:
    text = design_file.read_text().replace("[analysis]\n", f"[analysis]\n{extra}\n")
    if table:
        text += f"\n[analysis.imputation]\n{table}\n"
    with pytest.raises(DesignError, match=message):
        parse_design(text)


@pytest.mark.parametrize(
    ("missing_data", "label"), [("complete-case", "confirmatory"), ("mice", "exploratory")]
)
def test_new_imputation_settings_after_unblinding_matter_when_imputation_is_the_plans(
    trial: Any, missing_data: str, label: str
) -> None:
    from hearten.analysis.plan import amend_plan, lock_plan
    from tests.analysis.test_plan import _changed

    _plan(trial, missing_data=missing_data, imputation=IMPUTATION, seed=3)
    lock_plan(trial, now=CLOCK)
    _ready(trial)
    run_analysis(trial, CLOCK)
    changed = _changed(trial, imputation={"imputations": 6})
    amend_plan(trial, changed, "More imputations.", now=timezone.now())  # after the run
    # As a sensitivity analysis its settings do not define the reported estimates; as the
    # plan's missing-data analysis they do.
    assert run_analysis(trial, CLOCK).result["plan"]["labels"]["primary"]["label"] == label
