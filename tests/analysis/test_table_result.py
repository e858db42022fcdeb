"""The standalone analysis's result is typed, frozen, and prints the JSON it always printed."""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from hearten.analysis.table_fit import fit_table
from hearten.analysis.table_result import Contrast, Outcomes, TableResult, linear_result
from hearten.analysis.table_spec import TableSpec
from hearten.stats.estimate import estimate_itt
from hearten.stats.inference import randomisation_inference

REFERENCE = Path(__file__).parents[1] / "stats" / "reference"

#: The fields of ``hearten analyse --json``, in the order it has always printed them.
FIELDS = [
    "estimate", "std_error", "df", "statistic", "p_value", "conf_low", "conf_high", "n",
    "n_clusters", "n_dropped", "vcov", "method", "estimand", "outcome", "treatment",
    "control", "treated", "alpha", "adjustment", "hedges_g", "reps", "seed", "enumerated",
    "first_stage_f", "warnings", "family", "ratio", "risk_difference", "diagnostics",
    "moderators", "sites", "imputation",
]  # fmt: skip


@pytest.fixture
def trial() -> pd.DataFrame:
    d = pd.read_csv(REFERENCE / "trial_data.csv")
    d = d.join(pd.read_csv(REFERENCE / "absence.csv"))
    return d.join(pd.read_csv(REFERENCE / "leaving.csv"))


@pytest.mark.parametrize(
    ("options", "args"),
    [
        (
            {"covariates": ("baseline",), "cluster": "team", "strata": "stratum"},
            ["--covariate", "baseline", "--cluster", "team", "--strata", "stratum"],
        ),
        (
            {"cluster": "team", "by_site": "stratum", "moderators": ("baseline",)},
            ["--cluster", "team", "--by-site", "stratum", "--moderator", "baseline"],
        ),
        (
            {"outcome": None, "time": "days", "event": "left", "cluster": "team"},
            ["--time", "days", "--event", "left", "--cluster", "team"],
        ),
        (
            {"outcome": "absence_days", "family": "negbin", "exposure": "exposure"},
            ["--outcome", "absence_days", "--family", "negbin", "--exposure", "exposure"],
        ),
    ],
)
def test_the_command_prints_the_results_json_in_the_fields_it_always_had(
    hearten: Callable[..., Any],
    tmp_path: Path,
    trial: pd.DataFrame,
    options: dict[str, Any],
    args: list[str],
) -> None:
    path = tmp_path / "trial.csv"
    trial.to_csv(path, index=False)
    result = fit_table(TableSpec(**{"treatment": "treat", "outcome": "y", **options}), trial)
    if "--outcome" not in args and "--time" not in args:
        args = ["--outcome", "y", *args]
    r = hearten("analyse", str(path), "--treatment", "treat", *args, "--json")
    assert r.code == 0, r.err
    assert r.out == result.as_json() + "\n"
    assert list(json.loads(r.out)) == FIELDS


def test_the_result_is_frozen_and_typed(trial: pd.DataFrame) -> None:
    result = fit_table(TableSpec("treat", "y", cluster="team"), trial)
    assert isinstance(result, TableResult)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.alpha = 0.1  # type: ignore[misc]
    assert result.method == "analytic"
    assert result.level == 95
    assert result.hedges_g is not None
    assert result.effect.interval.bounded


def test_a_resampling_test_replaces_the_p_value_and_interval_but_not_the_estimate(
    trial: pd.DataFrame,
) -> None:
    y, arm = trial["y"].to_numpy(dtype=float), trial["treat"].astype(str).tolist()
    term = estimate_itt(y, arm, "0", cluster=trial["team"]).effects[0]
    treated = (trial["treat"] == 1).to_numpy(dtype=float)
    test = randomisation_inference(y, treated, None, None, trial["team"], 199, 3)
    outcomes = Outcomes(y, arm, "0", trial["team"].to_numpy())
    contrast = Contrast("y", "treat", "0", "1")
    plain = linear_result(
        term, contrast, outcomes, n_dropped=0, alpha=0.05, estimand="ITT", adjustment="none"
    )
    resampled = linear_result(
        term, contrast, outcomes, n_dropped=0, alpha=0.05, estimand="ITT",
        adjustment="none", test=test, method="ri",
    )  # fmt: skip
    assert resampled.method == "ri"
    assert resampled.effect.p_value == test.p_value
    assert (resampled.effect.interval.low, resampled.effect.interval.high) == (
        test.conf_low,
        test.conf_high,
    )
    assert resampled.effect.estimate == plain.effect.estimate == term.estimate
    assert resampled.effect.std_error == term.std_error
    assert resampled.hedges_g == plain.hedges_g  # g keeps the analytic interval
    d = resampled.to_dict()
    assert (d["reps"], d["seed"]) == (199, 3)
    assert plain.to_dict()["reps"] is None


def test_with_nothing_missing_the_imputed_result_is_the_complete_case_result(
    trial: pd.DataFrame,
) -> None:
    """Both analyses build their result through the one builder: with no gaps, every
    imputation is the data, so only the df (Barnard–Rubin) and the interval differ."""
    options: dict[str, Any] = {"covariates": ("baseline",), "cluster": "team"}
    complete = fit_table(TableSpec("treat", "y", **options), trial)
    imputed = fit_table(TableSpec("treat", "y", **options, impute=3, seed=1), trial)
    assert imputed.imputation is not None
    assert imputed.imputation.between == 0
    assert dict(imputed.imputation.missing) == {"y": 0, "baseline": 0}
    assert imputed.effect.estimate == pytest.approx(complete.effect.estimate, rel=1e-12)
    assert imputed.effect.std_error == pytest.approx(complete.effect.std_error, rel=1e-12)
    assert (imputed.sample, imputed.contrast) == (complete.sample, complete.contrast)
    assert (imputed.vcov, imputed.adjustment) == (complete.vcov, complete.adjustment)
    assert imputed.hedges_g is not None
    assert complete.hedges_g is not None
    assert imputed.hedges_g.g == pytest.approx(complete.hedges_g.g, rel=1e-12)
    assert imputed.hedges_g.icc == complete.hedges_g.icc


def test_an_unbounded_interval_end_is_null_in_json(tmp_path: Path) -> None:
    # Six teams, three treated: 20 assignments, so no interval closes at 5%.
    rng = np.random.default_rng(1)
    team = np.repeat(np.arange(6), 5)
    d = pd.DataFrame(
        {"y": rng.normal(size=30), "team": team, "t": np.isin(team, [0, 2, 4]).astype(int)}
    )
    result = fit_table(TableSpec("t", "y", cluster="team", method="ri", seed=1), d)
    assert not math.isfinite(result.effect.interval.low)
    out = json.loads(result.as_json())
    assert (out["conf_low"], out["conf_high"], out["enumerated"]) == (None, None, True)


def test_the_python_api_example_runs_as_written(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = (Path(__file__).parents[2] / "docs" / "reference" / "python-api.md").read_text()
    section = page.split("## Analysing your own file", 1)[1]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    pd.read_csv(REFERENCE / "trial_data.csv").to_csv(tmp_path / "trial.csv", index=False)
    monkeypatch.chdir(tmp_path)
    exec(compile(code, "python-api.md", "exec"), {})
    printed = capsys.readouterr().out
    expected = fit_table(
        TableSpec("treat", "y", ("baseline",), cluster="team", strata="stratum"),
        pd.read_csv(tmp_path / "trial.csv"),
    )
    assert printed.endswith(expected.as_json() + "\n")
    assert printed.startswith(f"{expected.effect.estimate} Interval(low=")


def test_tidy_gives_the_effect_and_each_interaction_as_estimatr_names_them(
    trial: pd.DataFrame,
) -> None:
    result = fit_table(
        TableSpec("treat", "y", cluster="team", moderators=("baseline", "stratum")), trial
    )
    table = result.tidy()
    assert list(table.columns) == [
        "term", "estimate", "std_error", "statistic", "p_value", "conf_low", "conf_high", "df",
    ]  # fmt: skip
    assert list(table["term"]) == [
        "treat:1",
        "treat:1 × baseline",
        "treat:1 × stratum[B]",
        "treat:1 × stratum[C]",
    ]
    first = table.iloc[0]
    assert (first["estimate"], first["p_value"], first["df"]) == (
        result.effect.estimate,
        result.effect.p_value,
        result.effect.df,
    )
    assert result.moderation is not None
    last = result.moderation.terms[-1]
    assert table.iloc[-1]["conf_high"] == last.conf_high
    assert table.iloc[-1]["statistic"] == pytest.approx(last.estimate / last.std_error)
