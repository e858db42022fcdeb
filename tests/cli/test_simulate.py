"""``hearten power simulate``: a simulation file in, the planned analysis's performance out."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

DESIGN = """\
# 40 teams in 4 local authorities
design = "bcra3f2"
sites = 4
clusters = 10
cluster_size = 11.5
cv = 0.5
icc2 = 0.05
pre_post = 0.5
effect = 0.3
uptake = 0.7
attrition = 0.15
"""


@pytest.fixture
def design(tmp_path: Path) -> Path:
    path = tmp_path / "simulation.toml"
    path.write_text(DESIGN)
    return path


def test_json_reports_every_measure_and_is_repeatable(
    hearten: Callable[..., Any], design: Path
) -> None:
    first = hearten("power", "simulate", str(design), "--reps", "600", "--seed", "5", "--json")
    assert first.code == 0, first.err
    got = json.loads(first.out)
    for key in ("power", "bias", "rmse", "coverage", "mdes"):
        assert set(got[key]) == {"value", "mcse"}, key
    assert got["reps"] == 600
    assert got["seed"] == 5
    assert got["itt"] == pytest.approx(0.21)
    assert 0 < got["power"]["value"] < 1
    again = hearten(
        "power", "simulate", str(design), "--reps", "600", "--seed", "5", "--json", "--workers", "1"
    )
    assert json.loads(again.out) == got


def test_readable_output_explains_the_trial_and_draws_the_curve(
    hearten: Callable[..., Any], design: Path, tmp_path: Path
) -> None:
    r = hearten(
        "power", "simulate", str(design), "--reps", "400", "--figures", str(tmp_path / "fig")
    )
    assert r.code == 0, r.err
    assert "teams within sites (bcra3f2)" in r.out
    assert "ITT effect of 0.21" in r.out
    assert "closed form (PowerUp!)" in r.out
    assert "Seed " in r.out
    assert "give --seed" in r.out
    assert (tmp_path / "fig" / "simulated_power.svg").read_text().lstrip().startswith("<?xml")
    assert (tmp_path / "fig" / "simulated_power.png").stat().st_size > 1000


def test_a_dask_cluster_gives_the_same_answer(hearten: Callable[..., Any], design: Path) -> None:
    from distributed import LocalCluster

    local = hearten("power", "simulate", str(design), "--reps", "400", "--seed", "2", "--json")
    with LocalCluster(
        n_workers=1, processes=False, protocol="tcp", dashboard_address=None
    ) as cluster:
        remote = hearten(
            "power", "simulate", str(design), "--reps", "400", "--seed", "2", "--json",
            "--scheduler", cluster.scheduler_address,
        )  # fmt: skip
    assert remote.code == 0, remote.err
    assert json.loads(remote.out) == json.loads(local.out)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (DESIGN.replace("icc2", "icc_2"), "unknown field 'icc_2' (did you mean 'icc2'?)"),
        (DESIGN.replace('design = "bcra3f2"\n', ""), "design is required"),
        (DESIGN.replace("bcra3f2", "cluster"), "design"),
        (DESIGN.replace("sites = 4", "sites = 'four'"), "sites"),
        (DESIGN.replace("icc2 = 0.05", "icc2 = 1.5"), "icc2 must be at least 0 and below 1"),
        (DESIGN + "reps = -3\n", "reps must be a whole number"),
        ("design = [", "not valid TOML"),
    ],
)
def test_bad_files_say_what_is_wrong(
    hearten: Callable[..., Any], tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    r = hearten("power", "simulate", str(path), "--reps", "100")
    assert r.code == 2
    assert message in r.err


def test_an_unreachable_scheduler_is_reported(hearten: Callable[..., Any], design: Path) -> None:
    r = hearten(
        "power", "simulate", str(design), "--reps", "100", "--seed", "1",
        "--scheduler", "tcp://127.0.0.1:9",
    )  # fmt: skip
    assert r.code == 2
    assert "cannot reach the Dask scheduler" in r.err


def test_the_documented_example_runs(hearten: Callable[..., Any]) -> None:
    example = Path(__file__).parents[2] / "docs" / "examples" / "simulation.toml"
    r = hearten("power", "simulate", str(example), "--reps", "200", "--seed", "1", "--json")
    assert r.code == 0, r.err
    assert json.loads(r.out)["spec"]["design"] == "bcra3f2"


STEPPED = """\
# 12 teams in 4 steps, 10 people a team each period
design = "stepped-wedge"
clusters = 12
steps = 4
cluster_size = 10
icc2 = 0.1
effect = 0.3
trend = 0.05
"""


def test_a_stepped_wedge_file_simulates_the_planned_mixed_model(
    hearten: Callable[..., Any], tmp_path: Path
) -> None:
    from hearten.stats.stepped_wedge_sim import SteppedWedgeSimulation, simulate_stepped_wedge

    path = tmp_path / "stepped.toml"
    path.write_text(STEPPED)
    r = hearten("power", "simulate", str(path), "--reps", "600", "--seed", "9", "--json")
    assert r.code == 0, r.err
    got = json.loads(r.out)
    expected = simulate_stepped_wedge(SteppedWedgeSimulation(12, 4, 10, 0.1, 0.3, 0.05), 600, 9)
    assert got["power"]["value"] == expected.power.value
    assert got["closed_form_power"] == pytest.approx(expected.closed_form_power)
    shown = hearten("power", "simulate", str(path), "--reps", "200", "--seed", "9")
    assert shown.code == 0, shown.err
    assert "closed form (Hussey and Hughes)" in shown.out
    path.write_text(STEPPED + "uptake = 0.5\n")
    bad = hearten("power", "simulate", str(path))
    assert bad.code != 0
    assert "unknown field 'uptake'" in bad.err


def test_a_stepped_wedge_file_may_have_a_closed_cohort_and_a_decaying_correlation(
    hearten: Callable[..., Any], tmp_path: Path
) -> None:
    from hearten.stats.stepped_wedge_sim import SteppedWedgeSimulation, simulate_stepped_wedge

    path = tmp_path / "cohort.toml"
    path.write_text(STEPPED + 'cac = 0.7\ndecay = true\nsampling = "closed-cohort"\niac = 0.4\n')
    r = hearten("power", "simulate", str(path), "--reps", "100", "--seed", "3", "--json")
    assert r.code == 0, r.err
    got = json.loads(r.out)
    spec = SteppedWedgeSimulation(12, 4, 10, 0.1, 0.3, 0.05, cac=0.7, iac=0.4,
                                  sampling="closed-cohort", decay=True)  # fmt: skip
    expected = simulate_stepped_wedge(spec, 100, 3)
    assert got["analysis"] == "decay-cohort"
    assert got["power"]["value"] == expected.power.value
    assert got["closed_form_se"] == pytest.approx(expected.closed_form_se)
    shown = hearten("power", "simulate", str(path), "--reps", "100", "--seed", "3")
    assert shown.code == 0, shown.err
    assert "closed-cohort" in shown.out
    assert "decaying by period" in shown.out
    path.write_text(STEPPED + "iac = 0.4\n")
    bad = hearten("power", "simulate", str(path))
    assert bad.code != 0
    assert "iac applies to a closed cohort" in bad.err
