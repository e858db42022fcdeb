"""A standalone analysis's specification is checked once, when it is made."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from hearten.analysis.table_spec import TableSpec
from hearten.errors import DataError

REFERENCE = Path(__file__).parents[1] / "stats" / "reference"
Y = {"treatment": "treat", "outcome": "y"}
TIME = {"treatment": "treat", "time": "days", "event": "left"}

MISTAKES: list[tuple[dict[str, Any], str]] = [
    ({**Y, "method": "bogus"}, "unknown method 'bogus': choose analytic, wild, ri"),
    ({**Y, "vcov": "HC9"}, "unknown variance estimator 'HC9'"),
    ({**Y, "family": "gamma"}, "unknown family 'gamma': choose gaussian, binomial"),
    ({"treatment": "treat", "time": "days"}, "time to event needs both --time (days)"),
    ({"treatment": "treat"}, "give --outcome, or --time and --event"),
    ({**Y, **TIME}, "give --outcome, or --time and --event for time to event, not both"),
    ({**Y, "family": "negbin"}, "the negbin family needs --exposure"),
    ({**Y, "exposure": "e"}, "--exposure goes with --family poisson or negbin"),
    ({**Y, "family": "binomial", "method": "wild", "seed": 1}, "take --covariate, --cluster"),
    ({**TIME, "uptake": "took_part"}, "(no --uptake, --weights, --lin or --vcov"),
    ({**Y, "method": "ri"}, "--method ri draws at random: give --seed N"),
    ({**Y, "method": "ri", "seed": 1, "uptake": "u"}, "--uptake (the CACE) uses analytic"),
    ({**Y, "method": "ri", "seed": 1, "weights": "w"}, "--weights works with analytic"),
    ({**Y, "moderators": ["m"], "uptake": "u"}, "--moderator works with the ITT"),
    ({**Y, "by_site": "s", "method": "ri", "seed": 1}, "--by-site works with the analytic"),
    ({**Y, "impute": 5, "seed": 1, "lin": True, "uptake": "u"}, "--impute works with the"),
    ({**Y, "impute": 5}, "--impute draws at random: give --seed N"),
    ({**Y, "impute": 1001, "seed": 1}, "from 2 to 1000"),
    ({**Y, "uptake": "u", "lin": True}, "--lin is for the ITT; the CACE adjusts covariates"),
    ({**Y, "method": "wild", "seed": 1}, "--method wild needs --cluster (the randomised unit)"),
    ({**TIME, "method": "wild", "seed": 1}, "--method wild needs --cluster"),
]


@pytest.mark.parametrize(("options", "message"), MISTAKES)
def test_a_specification_that_cannot_be_analysed_is_refused_in_one_line(
    options: dict[str, Any], message: str
) -> None:
    with pytest.raises(DataError) as refused:
        TableSpec(**options)
    assert message in str(refused.value)
    assert "\n" not in str(refused.value)


@pytest.mark.parametrize(
    "options",
    [
        {**Y, "covariates": ("b",), "cluster": "team", "method": "wild", "seed": 1},
        {**Y, "uptake": "u", "cluster": "team"},
        {**TIME, "cluster": "team", "method": "wild", "seed": 1},
        {**Y, "family": "poisson", "exposure": "e", "method": "ri", "seed": 1},
        {**Y, "impute": 2, "seed": 1, "lin": True, "covariates": ("b",)},
        {**Y, "by_site": "s", "moderators": ("m",), "pre_registered": True},
    ],
)
def test_a_specification_that_can_be_analysed_is_made(options: dict[str, Any]) -> None:
    assert TableSpec(**options).treatment == "treat"


def test_the_specification_is_immutable_and_says_which_model_it_asks_for() -> None:
    spec = TableSpec(**Y, covariates=["b"], moderators=["m"])  # type: ignore[arg-type]
    assert spec.covariates == ("b",)
    assert spec.moderators == ("m",)
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.outcome = "z"  # type: ignore[misc]
    assert spec.model == "linear"
    assert TableSpec(**Y, impute=5, seed=1).model == "imputed"
    assert TableSpec(**TIME).model == "ratio"
    assert TableSpec(**Y, family="binomial").model == "ratio"
    assert TableSpec(**Y, family="poisson", exposure="e", method="ri", seed=1).resampled_ratio
    assert not TableSpec(**Y, family="poisson", exposure="e").resampled_ratio


def test_each_column_has_one_role_and_keeps_its_first_place() -> None:
    spec = TableSpec(
        "treat", "y", ("baseline", "team"), cluster="team", strata="stratum", weights="w"
    )
    assert spec.roles == {
        "treat": "treatment",
        "baseline": "covariate",
        "team": "cluster",
        "y": "outcome",
        "stratum": "strata",
        "w": "weights",
    }


def test_an_option_mistake_is_reported_before_the_files_columns_are_checked(
    hearten: Callable[..., Any], tmp_path: Path
) -> None:
    """The specification is checked once, before any fit: with a wrong column too, the
    command names the option to change first."""
    path = tmp_path / "trial.csv"
    pd.read_csv(REFERENCE / "trial_data.csv").to_csv(path, index=False)
    r = hearten(
        "analyse", str(path), "--outcome", "wellbeing", "--treatment", "treat",
        "--method", "wild", "--seed", "1",
    )  # fmt: skip
    assert r.code == 2
    assert "--method wild needs --cluster" in r.err
    assert "Traceback" not in r.err


def test_the_specification_needs_neither_pandas_nor_django() -> None:
    """A mistake in the options is found before the file is read or a model imported."""
    import subprocess
    import sys

    code = (
        "import sys, hearten.analysis.table_spec\n"
        "print(' '.join(sorted({m.split('.')[0] for m in sys.modules} "
        "& {'pandas', 'scipy', 'statsmodels', 'django'})))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == []
