"""`hearten power mdes|power|size`, as an evaluator types it."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

#: The effect size given (0.398) is the 80%-power MDES rounded to three decimals.
ROUNDED_ES = 2e-3


def test_mdes_json_has_the_solved_quantity_and_its_parts(hearten: Callable[..., Any]) -> None:
    r = hearten(
        "power",
        "mdes",
        "--design",
        "cra2",
        "--cluster-size",
        "15",
        "--clusters",
        "20",
        "--icc2",
        "0.17",
        "--json",
    )
    assert r.code == 0, r.err
    out = json.loads(r.out)
    assert round(out["mdes"], 3) == 0.629
    assert out["df"] == 18
    assert out["multiplier"] == pytest.approx(2.9629707, rel=1e-6)
    assert out["standard_error"] == pytest.approx(0.2122891, rel=1e-6)


def test_power_and_size(hearten: Callable[..., Any]) -> None:
    r = hearten("power", "power", "--design", "ira", "--n", "200", "--es", "0.398", "--json")
    assert json.loads(r.out)["power"] == pytest.approx(0.80, abs=ROUNDED_ES)
    r = hearten(
        "power",
        "size",
        "--design",
        "cra2",
        "--cluster-size",
        "15",
        "--icc2",
        "0.17",
        "--es",
        "0.629",
        "--json",
    )
    out = json.loads(r.out)
    assert (out["size"], out["size_unit"]) == (20, "teams")
    r = hearten(
        "power", "size", "--design", "bcra3f2", "--cluster-size", "10", "--sites", "6",
        "--icc2", "0.1", "--es", "0.4", "--json",
    )  # fmt: skip
    out = json.loads(r.out)
    assert out["size_unit"] == "teams"
    assert out["design"]["sites"] == 6
    assert out["size"] == out["design"]["clusters"]
    for design in ("bcra3f2", "cra3"):
        r = hearten(
            "power", "size", "--design", design, "--cluster-size", "10", "--sites", "8",
            "--clusters", "6", "--icc2", "0.1", "--icc3", "0.02", "--es", "0.4",
        )  # fmt: skip
        assert r.code == 2, r.out
        assert (
            "give --sites to solve for the teams per site, or --clusters to solve for the "
            "number of sites, not both"
        ) in " ".join(r.err.split())
        assert "Traceback" not in r.err
    r = hearten("power", "size", "--design", "bira", "--n", "20", "--sites", "8", "--es", "0.3")
    assert r.code == 2, r.out
    assert "leave out --n" in r.err
    text = hearten(
        "power",
        "mdes",
        "--design",
        "bcra3f2",
        "--cluster-size",
        "11",
        "--clusters",
        "20",
        "--sites",
        "4",
        "--icc2",
        "0.05",
        "--attrition",
        "0.2",
    ).out
    assert "20 teams of 11 in each of 4 sites" in " ".join(text.split())  # as entered
    assert "20% of people expected not to be analysed" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--design", "cra2", "--cluster-size", "10", "--clusters", "20", "--icc2", "1.5"],
            "--icc2 must be at least 0 and below 1",
        ),
        (["--design", "ira", "--n", "100", "--r2-1", "1"], "an R² of 1 leaves nothing"),
        (
            ["--design", "cra2", "--cluster-size", "10", "--clusters", "2", "--icc2", "0.1"],
            "leaves 0 degrees of freedom: add teams",
        ),
        (["--design", "cra4"], "unknown design 'cra4'"),
    ],
)
def test_impossible_inputs_get_a_clear_error(
    hearten: Callable[..., Any], args: list[str], message: str
) -> None:
    r = hearten("power", "mdes", *args)
    assert r.code == 2
    assert message in " ".join(r.err.split())


def test_estimate_icc_from_an_earlier_survey(hearten: Callable[..., Any], tmp_path: Any) -> None:
    import numpy as np
    import pandas as pd

    from hearten.stats.icc import estimate_icc

    rng = np.random.default_rng(4)
    team = np.repeat(np.arange(50), 8)
    d = pd.DataFrame(
        {
            "score": rng.normal(0, 0.35, 50)[team] + rng.normal(size=400),
            "team": team,
            "la": team % 4,
        }
    )
    path = tmp_path / "baseline.csv"
    d.to_csv(path, index=False)
    r = hearten(
        "power",
        "estimate",
        str(path),
        "--outcome",
        "score",
        "--cluster",
        "team",
        "--site",
        "la",
        "--json",
    )
    assert r.code == 0, r.err
    expected = estimate_icc(d["score"], d["team"], d["la"])
    got = json.loads(r.out)
    for key in ("icc_reml", "reml_low", "reml_high", "icc3", "icc3_low", "icc3_high"):
        assert got[key] == pytest.approx(getattr(expected, key)), key
    readable = hearten(
        "power", "estimate", str(path), "--outcome", "score", "--cluster", "team", "--site", "la"
    )
    assert readable.code == 0, readable.err
    assert "site ICC" in readable.out
    assert "Only 4 sites" in readable.out
    text = hearten("power", "estimate", str(path), "--outcome", "score", "--cluster", "teams")
    assert text.code == 2
    assert "did you mean 'team'?" in text.err


def test_figures_are_written_as_svg_and_png(hearten: Callable[..., Any], tmp_path: Any) -> None:
    r = hearten(
        "power",
        "figures",
        "--design",
        "cra2",
        "--cluster-size",
        "11",
        "--clusters",
        "40",
        "--iccs",
        "0.02,0.1",
        "--out-dir",
        str(tmp_path),
    )
    assert r.code == 0, r.err
    for name in ("power_curve", "mdes_by_size"):
        assert b"<svg" in (tmp_path / f"{name}.svg").read_bytes()[:400]
        assert (tmp_path / f"{name}.png").read_bytes().startswith(b"\x89PNG")
    r = hearten("power", "figures", "--design", "ira", "--n", "200", "--out-dir", str(tmp_path))
    assert r.code == 2
    assert "figures are for team designs" in r.err


def test_stepped_wedge_power_and_mdes(hearten: Callable[..., Any]) -> None:
    common = ["--design", "stepped-wedge", "--clusters", "8", "--steps", "4"]
    common += ["--cluster-size", "20", "--icc2", "0.05", "--json"]
    r = hearten("power", "power", *common, "--es", "0.3")
    assert r.code == 0, r.err
    out = json.loads(r.out)
    # swCRTdesign swPwr(swDsn(c(2,2,2,2)), n = 20, icc = 0.05, total variance 1): 0.7081148
    assert out["power"] == pytest.approx(0.7081148, abs=1e-6)
    assert out["design"]["sequences"] == [2, 2, 2, 2]
    assert out["design"]["periods"] == 5
    r = hearten("power", "mdes", *common)
    assert r.code == 0, r.err
    mdes = json.loads(r.out)["mdes"]
    r = hearten("power", "power", *common, "--es", str(mdes))
    assert json.loads(r.out)["power"] == pytest.approx(0.8, abs=1e-6)
    r = hearten("power", "mdes", *common[:-1], "--cac", "0.8")
    assert r.code == 0, r.err
    assert "cluster autocorrelation 0.8" in " ".join(r.out.split())


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--clusters", "8", "--cluster-size", "20"], "needs --steps"),
        (["--clusters", "3", "--steps", "4", "--cluster-size", "20"], "at least one cluster"),
        (
            ["--clusters", "8", "--steps", "4", "--cluster-size", "20", "--iac", "0.4"],
            "--sampling closed-cohort",
        ),
    ],
)
def test_stepped_wedge_mistakes_get_a_clear_error(
    hearten: Callable[..., Any], args: list[str], message: str
) -> None:
    r = hearten("power", "mdes", "--design", "stepped-wedge", "--icc2", "0.05", *args)
    assert r.code == 2
    assert message in " ".join(r.err.split())


@pytest.mark.parametrize(
    ("command", "design", "args", "message"),
    [
        ("mdes", "stepped-wedge", ["--clusters", "24", "--steps", "4", "--one-sided"],
         "--one-sided does not apply to --design stepped-wedge"),
        ("power", "stepped-wedge", ["--clusters", "24", "--steps", "4", "--es", "0.2",
                                    "--attrition", "0.2"],
         "--attrition does not apply to --design stepped-wedge"),
        ("mdes", "stepped-wedge", ["--clusters", "24", "--steps", "4", "--r2-1", "0.3"],
         "--r2-1 does not apply to --design stepped-wedge"),
        ("mdes", "cra2", ["--clusters", "24", "--steps", "4"],
         "--steps does not apply to --design cra2: it applies to --design stepped-wedge"),
        ("power", "cra2", ["--clusters", "24", "--es", "0.2", "--cac", "0.8"],
         "--cac does not apply to --design cra2"),
    ],
)  # fmt: skip
def test_an_option_the_design_does_not_use_is_refused_not_dropped(
    hearten: Callable[..., Any], command: str, design: str, args: list[str], message: str
) -> None:
    r = hearten("power", command, "--design", design, "--cluster-size", "20", "--icc2", "0.05",
                *args)  # fmt: skip
    assert r.code == 2
    assert message in " ".join(r.err.split())
    assert "Traceback" not in r.err


def test_the_design_option_lists_the_stepped_wedge(hearten: Callable[..., Any]) -> None:
    r = hearten("power", "mdes", "--help")
    assert "stepped-wedge" in " ".join(r.out.split()).split("--n ")[0]
