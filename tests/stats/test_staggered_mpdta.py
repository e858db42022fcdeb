"""The staggered estimator against R ``did``'s published results on its ``mpdta`` example
(``tests/stats/reference/mpdta/README.md`` says where each number comes from)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hearten.stats.staggered import Comparison, StaggeredFit, fit_staggered

HERE = Path(__file__).parent / "reference" / "mpdta"

PRINTED = 0.5e-4 + 1e-9
"""``did`` prints estimates to four decimals, so a match is within half the last digit."""

PRINTED_P = 0.5e-5 + 1e-9
"""The pre-test p-value is printed to five decimals."""

BOOTSTRAP_SE = 0.20
"""Published standard errors are from one bootstrap draw of 1,000; ours are from another
draw, so they agree only to bootstrap noise (a relative 20% covers it with room)."""

ANALYTIC_SE = 0.20
"""Analytic (influence-function) standard errors against the published bootstrap ones:
the same quantity estimated two ways, equal up to the bootstrap's noise."""

CRITICAL = 0.10
"""The uniform band's sup-t critical value is a bootstrap quantile of the maximum over cells;
published and ours come from different draws and agree to a relative 10%."""

CALLS = {
    "never_nocov": {"covariates": (), "comparison": Comparison.NEVER_TREATED},
    "never_lpop": {"covariates": ("lpop",), "comparison": Comparison.NEVER_TREATED},
    "notyet_lpop": {"covariates": ("lpop",), "comparison": Comparison.NOT_YET_TREATED},
}


@pytest.fixture(scope="module")
def mpdta() -> pd.DataFrame:
    return pd.read_csv(HERE / "mpdta.csv")


@pytest.fixture(scope="module")
def published() -> pd.DataFrame:
    return pd.read_csv(HERE / "published.csv", dtype={"label": "Int64", "time": "Int64"})


@pytest.fixture(scope="module")
def fits(mpdta: pd.DataFrame) -> dict[str, StaggeredFit]:
    return {
        name: fit_staggered(
            mpdta,
            outcome="lemp",
            unit="countyreal",
            time="year",
            first_treated="first.treat",
            seed=9152024,
            draws=999,
            **spec,  # type: ignore[arg-type]
        )
        for name, spec in CALLS.items()
    }


@pytest.mark.parametrize("call", CALLS)
def test_every_group_time_effect_matches_did(
    call: str, fits: dict[str, StaggeredFit], published: pd.DataFrame
) -> None:
    rows = published[(published["call"] == call) & (published["kind"] == "att_gt")]
    cells = {(c.group, c.time): c for c in fits[call].cells}
    assert len(rows) == len(cells) == 12
    for row in rows.itertuples():
        cell = cells[(int(row.label), int(row.time))]
        assert cell.att == pytest.approx(row.estimate, abs=PRINTED)
        assert cell.se == pytest.approx(row.se, rel=ANALYTIC_SE)
        assert cell.boot_se == pytest.approx(row.se, rel=BOOTSTRAP_SE)
        assert cell.pre == (row.time < row.label)


@pytest.mark.parametrize("call", CALLS)
def test_the_pre_trend_wald_test_matches_did(
    call: str, fits: dict[str, StaggeredFit], published: pd.DataFrame
) -> None:
    p = published[(published["call"] == call) & (published["kind"] == "pretest_p")]
    test = fits[call].pre_trend
    assert test.df == 5
    assert test.p_value == pytest.approx(float(p["estimate"].iloc[0]), abs=PRINTED_P)


def test_the_simple_dynamic_and_group_aggregations_match_did(
    fits: dict[str, StaggeredFit], published: pd.DataFrame
) -> None:
    fit = fits["never_nocov"]
    rows = published[published["call"] == "never_nocov"].set_index("kind")
    for kind, agg in [("simple", fit.simple), ("dynamic", fit.dynamic), ("group", fit.group)]:
        row = rows.loc[kind if kind == "simple" else f"{kind}_overall"]
        assert agg.overall == pytest.approx(row["estimate"], abs=PRINTED)
        assert agg.overall_se == pytest.approx(row["se"], rel=ANALYTIC_SE)
    for kind, agg in [("dynamic", fit.dynamic), ("group", fit.group)]:
        each = rows.loc[[kind]]
        assert list(agg.labels) == [int(v) for v in each["label"]]
        np.testing.assert_allclose(agg.estimates, each["estimate"], atol=PRINTED)
        np.testing.assert_allclose(agg.boot_ses, each["se"], rtol=BOOTSTRAP_SE)


def _published_critical(rows: pd.DataFrame) -> float:
    """The sup-t value behind a published band: its half-width over its standard error."""
    return float(np.median((rows["upper"] - rows["lower"]) / (2 * rows["se"])))


@pytest.mark.parametrize("call", CALLS)
def test_the_uniform_band_over_cells_is_as_wide_as_did_s(
    call: str, fits: dict[str, StaggeredFit], published: pd.DataFrame
) -> None:
    rows = published[(published["call"] == call) & (published["kind"] == "att_gt")]
    assert fits[call].critical_value == pytest.approx(_published_critical(rows), rel=CRITICAL)
    assert fits[call].critical_value > 1.96  # simultaneous, so wider than pointwise


def test_the_event_study_and_group_bands_are_as_wide_as_did_s(
    fits: dict[str, StaggeredFit], published: pd.DataFrame
) -> None:
    fit = fits["never_nocov"]
    for kind, agg in [("dynamic", fit.dynamic), ("group", fit.group)]:
        rows = published[(published["call"] == "never_nocov") & (published["kind"] == kind)]
        ours = (np.array(agg.upper) - np.array(agg.lower)) / (2 * np.array(agg.boot_ses))
        assert float(np.median(ours)) == pytest.approx(_published_critical(rows), rel=CRITICAL)


def test_the_pre_average_is_the_mean_of_did_s_pre_adoption_event_study(
    fits: dict[str, StaggeredFit], published: pd.DataFrame
) -> None:
    rows = published[(published["call"] == "never_nocov") & (published["kind"] == "dynamic")]
    before = rows[rows["label"] < 0]
    average = fits["never_nocov"].pre_average
    assert average is not None
    assert average.periods == 3
    assert average.estimate == pytest.approx(before["estimate"].mean(), abs=PRINTED)


def test_the_bootstrap_is_fixed_by_its_seed_and_changes_with_it(mpdta: pd.DataFrame) -> None:
    def run(seed: int) -> StaggeredFit:
        return fit_staggered(
            mpdta, outcome="lemp", unit="countyreal", time="year",
            first_treated="first.treat", seed=seed, draws=199,
        )  # fmt: skip

    a, b, c = run(1), run(1), run(2)
    assert a == b
    assert a.critical_value != c.critical_value
    assert a.seed == 1
    assert a.draws == 199


def test_clustering_by_state_widens_nothing_it_should_not_and_reports_few_clusters(
    mpdta: pd.DataFrame,
) -> None:
    frame = mpdta.assign(state=mpdta["countyreal"] // 1000)
    fit = fit_staggered(
        frame, outcome="lemp", unit="countyreal", time="year", first_treated="first.treat",
        cluster="state", seed=3, draws=199, comparison=Comparison.NEVER_TREATED,
    )  # fmt: skip
    assert fit.n_units == 500
    assert fit.n_clusters == frame["state"].nunique()
    assert fit.few_clusters is (fit.n_clusters < 30)
    unclustered = fit_staggered(
        mpdta, outcome="lemp", unit="countyreal", time="year", first_treated="first.treat",
        seed=3, draws=199, comparison=Comparison.NEVER_TREATED,
    )  # fmt: skip
    assert [c.att for c in fit.cells] == [c.att for c in unclustered.cells]
    assert [c.se for c in fit.cells] != [c.se for c in unclustered.cells]


def test_the_python_api_example_runs_as_written(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = (Path(__file__).parents[2] / "docs" / "reference" / "python-api.md").read_text()
    section = page.split("## Staggered adoption (observational)", 1)[1]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    (tmp_path / "mpdta.csv").write_bytes((HERE / "mpdta.csv").read_bytes())
    monkeypatch.chdir(tmp_path)
    exec(compile(code, "python-api.md", "exec"), {})
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "-0.04 -0.031"
    assert lines[1] == "0.16812"
    assert "boot_se" in lines[2]
