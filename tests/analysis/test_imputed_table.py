"""`hearten analyse FILE --impute M --seed S`: missing outcomes multiply imputed by arm."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from hearten.stats.imputation import estimate_itt_imputed

REFERENCE = Path(__file__).parents[1] / "stats" / "reference"


@pytest.fixture
def incomplete_csv(tmp_path: Path) -> Path:
    path = tmp_path / "trial.csv"
    pd.read_csv(REFERENCE / "imputation_data.csv").to_csv(path, index=False)
    return path


def test_the_file_is_imputed_by_arm_and_pooled_as_the_library_does(
    hearten: Callable[..., Any], incomplete_csv: Path
) -> None:
    r = hearten(
        "analyse", str(incomplete_csv), "--outcome", "y", "--treatment", "treat",
        "--covariate", "baseline", "--cluster", "team", "--strata", "stratum",
        "--impute", "20", "--seed", "4", "--json",
    )  # fmt: skip
    assert r.code == 0, r.err
    got = json.loads(r.out)
    d = pd.read_csv(incomplete_csv)
    expected = estimate_itt_imputed(
        d["y"], d["treat"].astype(str).tolist(), "0", {"baseline": d["baseline"]},
        d["stratum"].astype(str).tolist(), d["team"], "CR2", 20, 4,
    ).effects[0].pooled  # fmt: skip
    for field in ("estimate", "std_error", "df", "p_value", "conf_low", "conf_high"):
        assert got[field] == pytest.approx(getattr(expected, field), rel=1e-10), field
    assert got["n"] == len(d)
    assert got["n_dropped"] == 0
    mi = got["imputation"]
    assert mi["missing"] == {"y": int(d["y"].isna().sum()), "baseline": 25}
    assert mi["fmi"] == pytest.approx(expected.fmi)
    assert np.isfinite(got["hedges_g"]["g"])
    text = hearten(
        "analyse", str(incomplete_csv), "--outcome", "y", "--treatment", "treat",
        "--covariate", "baseline", "--cluster", "team", "--impute", "5", "--seed", "4",
    ).out  # fmt: skip
    assert "imputed 5 times (seed 4)" in text
    assert "Rubin's rules" in text


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--impute", "5"], "--impute draws at random: give --seed"),
        (["--impute", "1", "--seed", "1"], "from 2 to 1000"),
        (["--impute", "5", "--seed", "1", "--method", "ri"], "--impute works with the analytic"),
    ],
)
def test_imputation_mistakes_get_one_line(
    hearten: Callable[..., Any], incomplete_csv: Path, extra: list[str], message: str
) -> None:
    r = hearten(
        "analyse", str(incomplete_csv), "--outcome", "y", "--treatment", "treat",
        "--covariate", "baseline", *extra,
    )  # fmt: skip
    assert r.code != 0
    assert message in r.err
    assert "Traceback" not in r.err
