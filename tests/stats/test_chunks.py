"""Chunked resampling: the same answer for the same seed wherever the chunks run.

The Dask tests start their own scheduler with worker processes on loopback
(``distributed.LocalCluster(processes=True)``), as a cluster of machines would run them.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from hearten.stats import chunks
from hearten.stats.inference import randomisation_inference, wild_cluster_bootstrap
from hearten.stats.simulate import SimulationSpec, simulate

REFERENCE = Path(__file__).parent / "reference"


def test_chunks_cover_the_draws_and_depend_only_on_the_seed() -> None:
    a = chunks.seeded_chunks(2500, 1000, seed=7)
    assert [(i, c) for i, c, _ in a] == [(0, 1000), (1, 1000), (2, 500)]
    b = chunks.seeded_chunks(2500, 1000, seed=7)
    assert [s.generate_state(2).tolist() for *_, s in a] == [
        s.generate_state(2).tolist() for *_, s in b
    ]
    assert chunks.ordered([(2, "c"), (0, "a"), (1, "b")]) == ["a", "b", "c"]


def test_using_sets_the_runner_for_the_block_only() -> None:
    calls: list[int] = []

    def counting(fn: Callable[..., Any], shared: Any, tasks: Any) -> Iterator[Any]:
        calls.append(len(tasks))
        return chunks.in_process(fn, shared, tasks)

    y, t, strata, team = _data()
    with chunks.using(counting):
        inside = randomisation_inference(y, t, None, strata, team, reps=2500, seed=1)
    outside = randomisation_inference(y, t, None, strata, team, reps=2500, seed=1)
    assert calls == [3]  # 2,500 draws of 400 people: chunks of 1,000
    assert inside == outside
    assert chunks.current() is chunks.in_process


def test_an_unreachable_scheduler_is_named() -> None:
    y, t, strata, team = _data()
    with pytest.raises(chunks.ClusterError, match="cannot reach the Dask scheduler at tcp://"):
        randomisation_inference(
            y, t, None, strata, team, reps=2000, runner=chunks.dask("tcp://127.0.0.1:9")
        )


def _data() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    team = np.repeat(np.arange(40), 10)
    strata = team % 4
    treat = np.zeros(40)
    for s in range(4):
        treat[rng.permutation(np.flatnonzero(np.arange(40) % 4 == s))[:5]] = 1
    t = treat[team]
    y = 0.2 * t + rng.normal(size=40)[team] * 0.4 + rng.normal(size=400)
    return y, t, strata, team


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    """A scheduler and three single-threaded worker processes on loopback."""
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=3,
        threads_per_worker=1,
        processes=True,
        protocol="tcp",
        host="127.0.0.1",
        dashboard_address=None,
    ) as local:
        yield local.scheduler_address


def test_resampling_gives_the_same_answer_here_on_threads_and_on_a_cluster(
    cluster: str,
) -> None:
    y, t, strata, team = _data()
    X = np.column_stack([np.ones(len(y)), t, (strata[:, None] == np.arange(1, 4)).astype(float)])
    names = ["(Intercept)", "t", "s1", "s2", "s3"]
    runners = {
        "here": chunks.in_process,
        "two threads": chunks.threads(2),
        "three worker processes": chunks.dask(cluster),
    }
    ri = {
        k: randomisation_inference(y, t, None, strata, team, reps=5000, seed=11, runner=r)
        for k, r in runners.items()
    }
    wild = {
        k: wild_cluster_bootstrap(y, X, names, "t", team, reps=9999, seed=12, runner=r)
        for k, r in runners.items()
    }
    for results in (ri, wild):
        first = results["here"]
        assert not first.enumerated
        for other in results.values():
            assert other.p_value == first.p_value
            assert other.conf_low == pytest.approx(first.conf_low, rel=1e-12)
            assert other.conf_high == pytest.approx(first.conf_high, rel=1e-12)
    # A different seed gives different draws (the seed is used, not ignored).
    again = randomisation_inference(y, t, None, strata, team, reps=5000, seed=13)
    assert again.p_value != ri["here"].p_value


def test_a_simulation_gives_the_same_answer_on_a_cluster(cluster: str) -> None:
    spec = SimulationSpec(design="cra2", clusters=24, cluster_size=8, icc2=0.1, effect=0.3)
    here, _ = simulate(spec, 600, seed=5)
    there, _ = simulate(spec, 600, seed=5, runner=chunks.dask(cluster))
    assert dataclasses.asdict(there) == dataclasses.asdict(here)


def test_the_command_line_sends_the_draws_to_the_cluster(
    cluster: str, hearten: Callable[..., Any], tmp_path: Path
) -> None:
    y, t, strata, team = _data()
    path = tmp_path / "trial.csv"
    pd.DataFrame({"y": y, "t": t.astype(int), "site": strata, "team": team}).to_csv(path)
    args = ["analyse", str(path), "--outcome", "y", "--treatment", "t", "--cluster", "team",
            "--strata", "site", "--method", "ri", "--reps", "3000", "--seed", "4",
            "--json"]  # fmt: skip
    local = hearten(*args, "--workers", "1")
    remote = hearten(*args, "--scheduler", cluster)
    assert remote.code == 0, remote.err
    here, there = json.loads(local.out), json.loads(remote.out)
    assert here["reps"] == there["reps"] == 3000
    assert there["p_value"] == here["p_value"]  # the same draws
    # Worker processes run their linear algebra on one thread: the last bits may differ.
    assert there["conf_low"] == pytest.approx(here["conf_low"], rel=1e-12)
    assert there["conf_high"] == pytest.approx(here["conf_high"], rel=1e-12)
