"""The report's randomisation section: how it was drawn, sample ratios, balance at
randomisation; and randomisation inference that re-draws by the allocation's own rule."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import numpy as np
import pytest

from hearten.analysis.run import run_analysis
from hearten.reports.render import write_report
from hearten.stats.inference import randomisation_inference
from hearten.surveys.services import invite
from hearten.trials.allocation import arms_by_participant, commit_seed, randomise_trial
from tests.analysis.test_run import _answer
from tests.conftest import CLOCK

#: The clock the services are given (a fixed one: nothing here depends on the day).
NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)

pytestmark = pytest.mark.django_db


def _run(trial: Any, seed: int | None = None) -> Any:
    invite(trial.waves.get(name="baseline"), NOW)
    _answer(trial, "baseline", {})
    randomise_trial(trial, seed, now=CLOCK)
    arms = arms_by_participant(trial)
    invite(trial.waves.get(name="follow-up"), NOW)
    _answer(trial, "follow-up", {pid: 1 for pid, a in arms.items() if a == "letters"}, 5)
    return run_analysis(trial, CLOCK)


def test_the_report_says_how_to_check_the_allocation(trial: Any) -> None:
    c = commit_seed(trial, seed=31, now=CLOCK)
    run = _run(trial)
    a = run.result["allocation"]
    assert (a["seed"], a["commitment"], a["scheme"]) == (31, c.commitment, "blocked-cluster")
    assert a["units"] == 8
    samples = {t["sample"]: t for t in run.result["sample_ratio"]}
    assert sum(samples["consented"]["observed"]) == 40
    assert samples["consented"]["expected"] == [20.0, 20.0]  # 4 teams of 5 in each arm
    assert sum(samples["answered the follow-up"]["observed"]) == 32
    clusters = run.result["randomisation_balance"]["clusters"]
    assert clusters[0]["variable"] == "People per team"
    assert [arm["n"] for arm in clusters[0]["arms"]] == [4, 4]
    html = write_report(trial, now=CLOCK).read_text()
    assert c.commitment in html
    assert f"hearten audit verify {trial.slug}" in html
    assert "Are the samples in the proportions randomisation implies?" in html
    assert "Balance of the teams randomised" in html


def test_inference_after_rerandomisation_redraws_by_the_same_rule(trial: Any) -> None:
    design = dict(trial.design)
    design["randomisation"] = {"scheme": "rerandomised", "balance_on": ["caseload"],
                               "acceptance": 0.5}  # fmt: skip
    design["analysis"] = {**design["analysis"], "method": "ri", "reps": 199, "seed": 3}
    trial.design = design
    trial.save()
    run = _run(trial, seed=9)
    r = run.result["effects"][0]["resampling"]
    assert r["method"] == "ri"
    assert not r["enumerated"]
    assert r["reps"] == 199
    # The same p-value from the stats layer fed the allocation's own re-draws.
    from hearten.analysis.dataset import build_dataset
    from hearten.trials.allocation import rule_redraws

    data = build_dataset(trial)
    used = data[data["consented"] & data["outcome"].notna() & data["baseline"].notna()]
    units, drawn = rule_redraws(trial, 199)
    position = {u: i for i, u in enumerate(units)}
    arms = np.asarray(drawn)
    draws = np.stack([(arms[:, position[c]] == "letters").astype(float) for c in used["cluster"]])
    expected = randomisation_inference(
        used["outcome"], (used["arm"] == "letters").astype(float), used[["baseline"]],
        used["stratum"], used["cluster"], draws=draws, seed=3,
    )  # fmt: skip
    assert r["p_value"] == pytest.approx(expected.p_value)
