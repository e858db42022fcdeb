"""The plan's transformations, covariates, missing-data approach and one-sided tests, each
checked against the same model fitted by hand on the analysis dataset."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from hearten.analysis.dataset import build_dataset
from hearten.analysis.run import run_analysis
from hearten.errors import DesignError
from hearten.reports.render import write_report
from hearten.stats.estimate import estimate_itt, one_sided
from hearten.trials.design import parse_design
from tests.analysis.test_plan import _ready
from tests.conftest import CLOCK

pytestmark = pytest.mark.django_db


def _plan(trial: Any, **analysis: Any) -> None:
    design = copy.deepcopy(trial.design)
    design["analysis"].update(analysis)
    trial.design = design
    trial.save()


def _complete(trial: Any) -> pd.DataFrame:
    data = build_dataset(trial)
    return data[data["consented"] & data["outcome"].notna() & data["baseline"].notna()]


def _by_hand(used: pd.DataFrame, y: Any, covariates: dict[str, Any], **kw: Any) -> Any:
    return estimate_itt(
        y, used["arm"].tolist(), "control", covariates, used["stratum"].tolist(),
        cluster=used["team"], vcov="CR2", **kw,
    ).effects[0]  # fmt: skip


def _same(effect: dict[str, Any], expected: Any) -> None:
    for field in ("estimate", "std_error", "df", "p_value"):
        assert effect[field] == pytest.approx(getattr(expected, field), rel=1e-10), field


def test_standardised_outcomes_are_in_control_sd_units(trial: Any) -> None:
    _plan(trial, transform="standardise")
    _ready(trial)
    effect = run_analysis(trial, CLOCK).result["effects"][0]
    used = _complete(trial)
    control = used["arm"] == "control"

    def z(column: str) -> pd.Series:
        ref = used.loc[control, column]
        return (used[column] - ref.mean()) / ref.std(ddof=1)

    _same(effect, _by_hand(used, z("outcome"), {"baseline": z("baseline")}))


def test_log_outcomes(trial: Any) -> None:
    _plan(trial, transform="log")
    _ready(trial)
    effect = run_analysis(trial, CLOCK).result["effects"][0]
    used = _complete(trial)
    expected = _by_hand(used, np.log(used["outcome"]), {"baseline": np.log(used["baseline"])})
    _same(effect, expected)


def test_covariates_with_a_missing_value_get_mean_and_indicator(trial: Any) -> None:
    from hearten.trials.models import Participant

    first = Participant.objects.filter(trial=trial).order_by("pseudonym").first()
    assert first is not None
    Participant.objects.filter(pk=first.pk).update(caseload=None)
    _plan(trial, covariates=["caseload"])
    _ready(trial)
    effect = run_analysis(trial, CLOCK).result["effects"][0]
    used = _complete(trial)
    caseload = used["caseload"]
    covariates = {
        "baseline": used["baseline"],
        "caseload": caseload.fillna(caseload.mean()),
        "caseload missing": caseload.isna().astype(float),
    }
    if not caseload.isna().any():  # the person without a caseload did not answer
        del covariates["caseload missing"]
    _same(effect, _by_hand(used, used["outcome"], covariates))


def test_ipw_weights_by_response_within_arm_and_site(trial: Any) -> None:
    from hearten.surveys.models import Response

    _plan(trial, missing_data="ipw")
    _ready(trial)
    # Fewer answers in one arm at one site, so the cells' response rates surely differ.
    cell = build_dataset(trial)
    cell = cell[(cell["arm"] == "control") & (cell["site"] == "Dudley") & cell["outcome"].notna()]
    Response.objects.filter(
        invitation__participant__pseudonym__in=list(cell["pseudonym"][:2]),
        invitation__wave__name="follow-up",
    ).delete()
    effect = run_analysis(trial, CLOCK).result["effects"][0]
    data = build_dataset(trial)
    consenting = data[data["consented"]]
    answered = consenting["outcome"].notna() & consenting["baseline"].notna()
    share = answered.groupby([consenting["arm"], consenting["stratum"]]).mean()
    used = _complete(trial)
    weights = [1 / share[(a, s)] for a, s in zip(used["arm"], used["stratum"], strict=True)]
    assert len(set(np.round(weights, 9))) > 1  # the weights do differ
    expected = _by_hand(used, used["outcome"], {"baseline": used["baseline"]}, weights=weights)
    _same(effect, expected)


@pytest.mark.parametrize("alternative", ["greater", "less"])
def test_one_sided_tests_use_the_same_t_distribution(trial: Any, alternative: str) -> None:
    _plan(trial, alternative=alternative)
    _ready(trial)
    run = run_analysis(trial, CLOCK)
    effect = run.result["effects"][0]
    used = _complete(trial)
    two = _by_hand(used, used["outcome"], {"baseline": used["baseline"]})
    t = two.estimate / two.std_error
    tail = sps.t.sf(t, two.df) if alternative == "greater" else sps.t.cdf(t, two.df)
    assert effect["p_value"] == pytest.approx(tail, rel=1e-10)
    assert effect["alternative"] == alternative
    open_end = "conf_high" if alternative == "greater" else "conf_low"
    assert effect[open_end] is None  # infinite, stored as null
    html = write_report(trial, now=CLOCK).read_text()
    assert "one-sided" in html
    assert "∞" in html


def test_one_sided_by_hand() -> None:
    """t = 2 on 10 df: R's pt(2, 10, lower.tail = FALSE) = 0.03669402 and the 95% lower bound
    1 - qt(0.95, 10) * 0.5 = 0.0937694386."""
    from hearten.stats.estimate import TermEstimate

    e = TermEstimate("a", 1.0, 0.5, 10.0, 2.0, 0.07338803, -0.1140, 2.1140, 12, None, "HC2", 0.05)
    greater = one_sided(e, "greater")
    assert greater.p_value == pytest.approx(0.03669402, abs=1e-8)
    assert greater.conf_low == pytest.approx(0.0937694386, abs=1e-9)
    assert greater.conf_high == float("inf")
    less = one_sided(e, "less")
    assert less.p_value == pytest.approx(1 - 0.03669402, abs=1e-8)
    assert less.conf_low == float("-inf")
    assert one_sided(e, "two-sided") is e


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ('alternative = "greater"\nmethod = "wild"\nseed = 1', "one-sided"),
        ('missing_data = "ipw"\nmethod = "ri"\nseed = 1', "ipw"),
        ('covariates = ["fte", "fte"]', "twice"),
        ('transform = "cube"', "transform"),
    ],
)
def test_plan_options_are_checked(design_file: Any, extra: str, message: str) -> None:
    design_text = design_file.read_text()
    with pytest.raises(DesignError, match=message):
        parse_design(design_text.replace("[analysis]\n", f"[analysis]\n{extra}\n"))
