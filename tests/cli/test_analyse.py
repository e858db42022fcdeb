"""`hearten analyse FILE`: an evaluator's own data, every format, every bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from hearten.stats.compliance import estimate_cace
from hearten.stats.estimate import estimate_itt

REFERENCE = Path(__file__).parents[1] / "stats" / "reference"
KEYS = {
    "estimate",
    "std_error",
    "df",
    "statistic",
    "p_value",
    "conf_low",
    "conf_high",
    "n",
    "n_clusters",
    "n_dropped",
    "vcov",
    "method",
}


@pytest.fixture
def trial_csv(tmp_path: Path) -> Path:
    d = pd.read_csv(REFERENCE / "trial_data.csv")
    d["took_part"] = pd.read_csv(REFERENCE / "iv_uptake.csv")["took_part"]
    path = tmp_path / "trial.csv"
    d.to_csv(path, index=False)
    return path


def _json(hearten: Callable[..., Any], *args: str) -> dict[str, Any]:
    r = hearten("analyse", *args, "--json")
    assert r.code == 0, r.err
    return json.loads(r.out)


def test_json_has_every_field_and_the_itt_of_the_library(
    hearten: Callable[..., Any], trial_csv: Path
) -> None:
    out = _json(
        hearten,
        str(trial_csv),
        "--outcome",
        "y",
        "--treatment",
        "treat",
        "--covariate",
        "baseline",
        "--cluster",
        "team",
        "--strata",
        "stratum",
    )
    assert set(out) >= KEYS
    d = pd.read_csv(trial_csv)
    e = estimate_itt(
        d["y"],
        d["treat"].astype(str).tolist(),
        "0",
        {"baseline": d["baseline"]},
        d["stratum"].tolist(),
        d["team"],
    ).effects[0]
    assert out["estimate"] == pytest.approx(e.estimate, rel=1e-12)
    assert out["std_error"] == pytest.approx(e.std_error, rel=1e-12)
    assert out["df"] == pytest.approx(e.df, rel=1e-12)
    assert (out["vcov"], out["method"], out["n_clusters"], out["n_dropped"]) == (
        "CR2",
        "analytic",
        24,
        0,
    )
    assert out["hedges_g"]["g"] != 0


def test_uptake_gives_the_cace(hearten: Callable[..., Any], trial_csv: Path) -> None:
    out = _json(
        hearten,
        str(trial_csv),
        "--outcome",
        "y",
        "--treatment",
        "treat",
        "--uptake",
        "took_part",
        "--cluster",
        "team",
    )
    d = pd.read_csv(trial_csv)
    e = estimate_cace(
        d["y"], d["treat"].astype(str).tolist(), d["took_part"], "0", cluster=d["team"]
    ).effects[0]
    assert out["estimate"] == pytest.approx(e.estimate, rel=1e-12)
    assert out["estimand"] == "CACE"
    assert out["first_stage_f"] > 10


def test_rows_missing_a_used_column_are_dropped_and_counted(
    hearten: Callable[..., Any], trial_csv: Path
) -> None:
    d = pd.read_csv(trial_csv)
    d.loc[[0, 5, 9], "baseline"] = np.nan
    d.loc[3, "y"] = np.nan
    d.loc[7, "stratum"] = np.nan  # strata are used too
    d.to_csv(trial_csv, index=False)
    out = _json(
        hearten,
        str(trial_csv),
        "--outcome",
        "y",
        "--treatment",
        "treat",
        "--covariate",
        "baseline",
        "--strata",
        "stratum",
    )
    assert out["n_dropped"] == 5
    assert out["n"] == len(d) - 5
    r = hearten(
        "analyse",
        str(trial_csv),
        "--outcome",
        "y",
        "--treatment",
        "treat",
        "--covariate",
        "baseline",
        "--strata",
        "stratum",
    )
    assert "5 row(s) were dropped for a missing value" in r.out


@pytest.mark.parametrize("suffix", [".xlsx", ".parquet", ".dta"])
def test_excel_parquet_and_stata_files_give_the_same_answer(
    hearten: Callable[..., Any], trial_csv: Path, suffix: str
) -> None:
    d = pd.read_csv(trial_csv)
    other = trial_csv.with_suffix(suffix)
    {
        ".xlsx": lambda: d.to_excel(other, index=False),
        ".parquet": lambda: d.to_parquet(other),
        ".dta": lambda: d.to_stata(other, write_index=False),
    }[suffix]()
    args = ("--outcome", "y", "--treatment", "treat", "--cluster", "team")
    assert _json(hearten, str(other), *args)["estimate"] == pytest.approx(
        _json(hearten, str(trial_csv), *args)["estimate"], rel=1e-12
    )


@pytest.mark.parametrize("method", ["wild", "ri"])
def test_resampling_methods_report_their_draws(
    hearten: Callable[..., Any], trial_csv: Path, method: str
) -> None:
    out = _json(
        hearten,
        str(trial_csv),
        "--outcome",
        "y",
        "--treatment",
        "treat",
        "--cluster",
        "team",
        "--strata",
        "stratum",
        "--method",
        method,
        "--reps",
        "999",
        "--seed",
        "12",
    )
    assert out["method"] == method
    assert out["reps"] == 999
    assert out["seed"] == 12
    assert out["conf_low"] < out["estimate"] < out["conf_high"]


def test_labelled_arms_with_a_control_named_control(
    hearten: Callable[..., Any], trial_csv: Path
) -> None:
    d = pd.read_csv(trial_csv)
    d["arm"] = np.where(d["treat"] == 1, "letters", "control")
    d.to_csv(trial_csv, index=False)
    out = _json(hearten, str(trial_csv), "--outcome", "y", "--treatment", "arm")
    assert (out["control"], out["treated"]) == ("control", "letters")


BAD = [
    (["--outcome", "wellbeing"], "no outcome column 'wellbeing'"),
    (["--outcome", "Y"], "did you mean 'y'?"),
    (["--outcome", "team"], "the outcome 'team' must be numeric, but has 'T01' (rows 2, 3"),
    (["--outcome", "y", "--treatment", "stratum"], "must be 0/1 or two labelled arms, but has 3"),
    (["--outcome", "y", "--cluster", "one"], "has one value: cluster-robust errors need"),
    (["--outcome", "y", "--strata", "team"], "constant within every stratum of 'team'"),
    (
        ["--outcome", "y", "--covariate", "baseline", "--covariate", "baseline2"],
        "'baseline2' can be written from the columns before it",
    ),
    (["--outcome", "y", "--vcov", "HC9"], "unknown variance estimator 'HC9'"),
    (["--outcome", "y", "--cluster", "team", "--method", "wild"], "give --seed N"),
]


@pytest.mark.parametrize(("args", "message"), BAD)
def test_bad_input_gets_a_clear_message_and_no_traceback(
    hearten: Callable[..., Any], trial_csv: Path, args: list[str], message: str
) -> None:
    d = pd.read_csv(trial_csv)
    d["one"] = "A"
    d["baseline2"] = 2 * d["baseline"]
    d.to_csv(trial_csv, index=False)
    if "--treatment" not in args:
        args = [*args, "--treatment", "treat"]
    r = hearten("analyse", str(trial_csv), *args)
    assert r.code == 2, r.out
    assert message in " ".join(r.err.split())
    assert "Traceback" not in r.err


def test_an_unreadable_or_unknown_file_is_reported(
    hearten: Callable[..., Any], tmp_path: Path
) -> None:
    broken = tmp_path / "data.xlsx"
    broken.write_text("this is not a spreadsheet")
    r = hearten("analyse", str(broken), "--outcome", "y", "--treatment", "t")
    assert r.code == 2
    assert "data.xlsx could not be read as Excel" in r.err
    r = hearten("analyse", str(tmp_path / "data.sav"), "--outcome", "y", "--treatment", "t")
    assert r.code == 2
    assert "no file at" in r.err
    (tmp_path / "data.sav").write_text("x")
    r = hearten("analyse", str(tmp_path / "data.sav"), "--outcome", "y", "--treatment", "t")
    assert "unknown file type '.sav'" in r.err


def test_analyse_needs_no_database(trial_csv: Path) -> None:
    code = (
        "import sys\n"
        "from hearten.cli.main import run\n"
        f"sys.argv = ['hearten', 'analyse', {str(trial_csv)!r}, '--outcome', 'y',"
        " '--treatment', 'treat', '--json']\n"
        "try:\n    run()\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
        "print('DJANGO' if 'django' in sys.modules else 'NO-DJANGO')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={"HEARTEN_HOME": str(trial_csv.parent / "home"), "PATH": ""},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("NO-DJANGO")


def test_an_interval_no_test_can_close_is_reported_as_unbounded(
    hearten: Callable[..., Any], tmp_path: Path
) -> None:
    # 6 teams, 3 treated: 20 assignments, so the smallest p-value is 2/20 and nothing is
    # ruled out at 5%.
    rng = np.random.default_rng(1)
    team = np.repeat(np.arange(6), 5)
    d = pd.DataFrame(
        {"y": rng.normal(size=30), "team": team, "t": np.isin(team, [0, 2, 4]).astype(int)}
    )
    path = tmp_path / "small.csv"
    d.to_csv(path, index=False)
    args = (
        "--outcome",
        "y",
        "--treatment",
        "t",
        "--cluster",
        "team",
        "--method",
        "ri",
        "--seed",
        "1",
    )
    out = _json(hearten, str(path), *args)
    assert out["enumerated"] is True
    assert out["reps"] == 20
    assert out["conf_low"] is None
    assert out["conf_high"] is None
    assert "unbounded" in hearten("analyse", str(path), *args).out


@pytest.fixture
def hr_csv(tmp_path: Path) -> Path:
    d = pd.read_csv(REFERENCE / "trial_data.csv")
    d = d.join(pd.read_csv(REFERENCE / "absence.csv"))
    d = d.join(pd.read_csv(REFERENCE / "leavers.csv").rename(columns={"left": "left_12m"}))
    d = d.join(pd.read_csv(REFERENCE / "leaving.csv"))
    path = tmp_path / "hr.csv"
    d.to_csv(path, index=False)
    return path


def test_counts_binary_and_time_to_event_from_the_command_line(
    hearten: Callable[..., Any], hr_csv: Path
) -> None:
    from hearten.stats.binary import estimate_binary
    from hearten.stats.counts import estimate_counts
    from hearten.stats.survival import estimate_cox

    d = pd.read_csv(hr_csv)
    arm = d["treat"].astype(str).tolist()
    common = ("--treatment", "treat", "--cluster", "team")
    out = _json(
        hearten,
        str(hr_csv),
        "--outcome",
        "absence_days",
        "--family",
        "negbin",
        "--exposure",
        "exposure",
        *common,
    )
    rr = estimate_counts(d["absence_days"], arm, "0", d["exposure"], cluster=d["team"])
    assert out["ratio"]["value"] == pytest.approx(rr.effects[0].rate_ratio, rel=1e-10)
    assert out["df"] is None
    assert out["diagnostics"]["theta"] == pytest.approx(rr.theta)
    out = _json(hearten, str(hr_csv), "--outcome", "left_12m", "--family", "binomial", *common)
    b = estimate_binary(d["left_12m"], arm, "0", cluster=d["team"])
    assert out["ratio"]["name"] == "odds_ratio"
    assert out["risk_difference"]["estimate"] == pytest.approx(
        b.effects[0].risk_difference, rel=1e-10
    )
    out = _json(hearten, str(hr_csv), "--time", "days", "--event", "left", *common)
    cox = estimate_cox(d["days"], d["left"], arm, "0", cluster=d["team"])
    assert out["ratio"]["value"] == pytest.approx(cox.effects[0].hazard_ratio, rel=1e-10)
    text = hearten("analyse", str(hr_csv), "--time", "days", "--event", "left", *common).out
    assert "hazard ratio" in text
    assert "people left during follow-up" in text
    assert "Kaplan–Meier" in text
    km = _json(hearten, str(hr_csv), "--time", "days", "--event", "left", *common)
    curves = km["diagnostics"]["kaplan_meier"]
    assert [c["arm"] for c in curves] == ["0", "1"]
    assert curves[0]["times"] == [90.0, 180.0, 270.0, 365.0]


def test_negative_binomial_prints_theta_or_says_the_data_are_poisson(
    hearten: Callable[..., Any], tmp_path: Path
) -> None:
    ships = pd.read_csv(REFERENCE / "ships.csv").query("service > 0")
    types = [f"type{t}" for t in "BCDE"]
    ships[types] = pd.get_dummies(ships["type"], dtype=float)[list("BCDE")].to_numpy()
    path = tmp_path / "ships.csv"
    ships.to_csv(path, index=False)
    args = ["--outcome", "incidents", "--family", "negbin", "--exposure", "service"]
    args += ["--treatment", "period", "--control", "60", "--strata", "year"]
    text = hearten("analyse", str(path), *args).out
    assert "Negative binomial θ = 7.672 (SE 4.78)" in text  # glm.nb: 7.671939, SE 4.775689
    text = hearten("analyse", str(path), *args, *[f"--covariate={t}" for t in types]).out
    assert "Note: no over-dispersion beyond Poisson" in text
    assert "poisson: period" in text


def test_absence_in_seven_offices_by_randomisation_inference(
    hearten: Callable[..., Any], tmp_path: Path
) -> None:
    # Seven offices in two strata: 18 assignments, so no two-sided p-value falls below 0.1 and
    # the interval is unbounded; the normal test's output warns and points here.
    battery = pd.read_csv(REFERENCE / "absence_battery.csv")
    path = tmp_path / "offices.csv"
    battery.query("file == 'small_offices_1'").to_csv(path, index=False)
    args = ["--outcome", "absence_days", "--family", "negbin", "--exposure", "exposure"]
    args += ["--treatment", "treat", "--cluster", "office", "--strata", "stratum"]
    normal = hearten("analyse", str(path), *args).out
    assert "only 7 clusters" in normal
    assert "--method ri" in normal
    text = hearten("analyse", str(path), *args, "--method", "ri", "--seed", "1").out
    assert "randomisation inference: every assignment enumerated (exact)" in text
    assert "unbounded" in text
    out = _json(hearten, str(path), *args, "--method", "ri", "--seed", "1")
    assert (out["method"], out["reps"], out["enumerated"]) == ("ri", 18, True)
    assert out["p_value"] >= 2 / 18
    assert out["ratio"]["conf_low"] is None
    assert out["conf_high"] is None


def test_absence_in_seven_offices_by_the_wild_score_bootstrap(
    hearten: Callable[..., Any], tmp_path: Path
) -> None:
    from hearten.stats.score_bootstrap import count_scores, wild_score_test

    d = pd.read_csv(REFERENCE / "absence_battery.csv").query("file == 'small_offices_1'")
    path = tmp_path / "offices.csv"
    d.to_csv(path, index=False)
    args = ["--outcome", "absence_days", "--family", "negbin", "--exposure", "exposure"]
    args += ["--treatment", "treat", "--cluster", "office", "--strata", "stratum"]
    out = _json(hearten, str(path), *args, "--method", "wild", "--seed", "1")
    # Seven offices: all 2^7 sign flips, each office's score made orthogonal to the strata.
    assert (out["method"], out["reps"], out["enumerated"]) == ("wild", 128, True)
    scores = count_scores(
        d["absence_days"], d["treat"], d["exposure"], None, d["stratum"].to_numpy(), "negbin"
    )
    test = wild_score_test(scores, d["office"].to_numpy(), 0.0, 1.0, interval=False)
    assert out["p_value"] == pytest.approx(test.p_value)
    text = hearten("analyse", str(path), *args, "--method", "wild", "--seed", "1").out
    assert "wild score bootstrap: every sign flip of the clusters" in text
    no_cluster = [a for a in args if a not in ("--cluster", "office")]
    bad = hearten("analyse", str(path), *no_cluster, "--method", "wild", "--seed", "1")
    assert bad.code != 0
    assert "--method wild needs --cluster" in bad.err


BAD_MODELS = [
    (["--outcome", "absence_days", "--family", "poisson"], "needs --exposure"),
    (
        ["--outcome", "absence_days", "--family", "poisson", "--exposure", "neg"],
        "exposure must be positive",
    ),
    (["--time", "days"], "needs both --time (days) and --event"),
    (["--time", "gap", "--event", "left"], "left (event = 1) but have no time"),
    (["--outcome", "y", "--time", "days", "--event", "left"], "not both"),
    (
        ["--outcome", "left", "--family", "binomial", "--method", "wild", "--seed", "1"],
        "take --covariate, --cluster and --strata only",
    ),
]


@pytest.mark.parametrize(("args", "message"), BAD_MODELS)
def test_bad_model_input_is_explained(
    hearten: Callable[..., Any], hr_csv: Path, args: list[str], message: str
) -> None:
    d = pd.read_csv(hr_csv)
    d["neg"] = d["exposure"] * np.where(np.arange(len(d)) == 3, -1, 1)
    d["gap"] = np.where(np.arange(len(d)) % 9 == 0, np.nan, d["days"])
    d.to_csv(hr_csv, index=False)
    r = hearten("analyse", str(hr_csv), "--treatment", "treat", *args)
    assert r.code == 2, r.out
    assert message in " ".join(r.err.split())


def test_moderators_are_exploratory_unless_declared_pre_registered(
    hearten: Callable[..., Any], trial_csv: Path
) -> None:
    args = (
        str(trial_csv),
        "--outcome",
        "y",
        "--treatment",
        "treat",
        "--cluster",
        "team",
        "--moderator",
        "baseline",
        "--moderator",
        "stratum",
    )
    out = _json(hearten, *args)
    assert [(m["moderator"], m["level"]) for m in out["moderators"]] == [
        ("baseline", None),
        ("stratum", "B"),
        ("stratum", "C"),
    ]
    assert all(m["adjusted_p"] is None and not m["pre_registered"] for m in out["moderators"])
    assert "read them as exploratory" in hearten("analyse", *args).out
    planned = _json(hearten, *args, "--pre-registered")
    assert all(m["pre_registered"] for m in planned["moderators"])
    assert all(m["adjusted_p"] >= m["p_value"] for m in planned["moderators"])


def test_by_site_gives_each_sites_estimate_and_their_pool(
    hearten: Callable[..., Any], trial_csv: Path
) -> None:
    out = _json(
        hearten,
        str(trial_csv),
        "--outcome",
        "y",
        "--treatment",
        "treat",
        "--covariate",
        "baseline",
        "--cluster",
        "team",
        "--by-site",
        "stratum",
    )
    assert [e["site"] for e in out["sites"]["effects"]] == ["A", "B", "C"]
    assert out["sites"]["pooled"]["k"] == 3
    text = hearten(
        "analyse", str(trial_csv), "--outcome", "y", "--treatment", "treat", "--by-site", "stratum"
    ).out
    assert "By site" in text


def test_a_site_with_one_arm_is_named(hearten: Callable[..., Any], trial_csv: Path) -> None:
    d = pd.read_csv(trial_csv)
    d.loc[d["stratum"] == "C", "treat"] = 0
    d.to_csv(trial_csv, index=False)
    r = hearten(
        "analyse", str(trial_csv), "--outcome", "y", "--treatment", "treat", "--by-site", "stratum"
    )
    assert r.code == 2
    assert "site 'C' has people in only one arm" in r.err
