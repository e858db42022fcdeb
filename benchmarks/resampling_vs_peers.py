"""Resampling: Hearten's wild cluster bootstrap and randomisation inference against peers.

Run from the repository (the peers are added for this run only):
    python3 -m uv run --with 'pyfixest[numba]' python benchmarks/resampling_vs_peers.py
Options: --runs 3 --out FILE.md

* Wild cluster restricted bootstrap, 9,999 Rademacher draws, 40 clusters of 50, against
  ``wildboottest`` (the Python port of Stata's boottest). Agreement is checked first on the
  same data cut to 12 clusters, where both enumerate all 4,096 sign vectors: the p-values
  must agree up to the two tied draws Hearten counts (``2 / 2^G``). Hearten's time includes
  the confidence interval by test inversion; wildboottest's is the p-value only.
* Randomisation inference, 10,000 re-draws, 10,000 people in 200 teams, blocked in 4 sites
  and clustered, against pyfixest's ``Feols.ritest`` (randomization-c). pyfixest has no
  strata option, so it re-draws teams across sites (an easier draw than the design's);
  both fit the same regression with site fixed effects. The agreement check compares the
  estimate (1e-9) and the p-values within Monte Carlo error (draws differ by design).

Each timing is the median of ``--runs`` runs, with min and max; peak memory by tracemalloc
(Python allocations, numpy included). A missing peer is reported as missing.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hearten.stats import chunks
from hearten.stats.inference import randomisation_inference, wild_cluster_bootstrap


def timed(fn: Callable[[], Any], runs: int) -> tuple[list[float], float, Any]:
    times = []
    result = None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return times, peak, result


def cell(times: list[float]) -> str:
    return f"{statistics.median(times):.3f} s ({min(times):.3f}, {max(times):.3f})"


def wild_data(clusters: int, size: int = 50) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    team = np.repeat(np.arange(clusters), size)
    t = (rng.permutation(clusters) < clusters // 2).astype(float)[team]
    x = rng.normal(size=len(team))
    y = 0.1 * t + 0.5 * x + rng.normal(size=clusters)[team] * 0.3 + rng.normal(size=len(team))
    return pd.DataFrame({"y": y, "t": t, "x": x, "team": team})


def hearten_wild(d: pd.DataFrame, reps: int) -> Any:
    X = np.column_stack([np.ones(len(d)), d["t"], d["x"]])
    return wild_cluster_bootstrap(
        d["y"], X, ["(Intercept)", "t", "x"], "t", d["team"], reps=reps, seed=1
    )


def peer_wild(d: pd.DataFrame, reps: int) -> float:
    import statsmodels.api as sm
    from wildboottest.wildboottest import wildboottest

    model = sm.OLS(d["y"], sm.add_constant(d[["t", "x"]]))
    out = wildboottest(model, param="t", cluster=d["team"], B=reps, seed=1, show=False)
    return float(np.asarray(out["p-value"])[0])


def ri_data() -> pd.DataFrame:
    rng = np.random.default_rng(2)
    team = np.repeat(np.arange(200), 50)
    site = team % 4
    treated = np.zeros(200)
    for s in range(4):
        treated[rng.permutation(np.flatnonzero(np.arange(200) % 4 == s))[:25]] = 1
    t = treated[team]
    x = rng.normal(size=len(team))
    y = 0.05 * t + 0.5 * x + 0.2 * site + rng.normal(size=200)[team] * 0.3
    y = y + rng.normal(size=len(team))
    return pd.DataFrame({"y": y, "t": t, "x": x, "site": site, "team": team})


def hearten_ri(d: pd.DataFrame, runner: chunks.Runner) -> Any:
    return randomisation_inference(
        d["y"], d["t"], d[["x"]].to_numpy(), d["site"], d["team"], reps=10_000, seed=3,
        runner=runner,
    )  # fmt: skip


def peer_ri(d: pd.DataFrame) -> tuple[float, float]:
    import pyfixest as pf

    fit = pf.feols("y ~ t + x | site", data=d)
    out = fit.ritest(
        resampvar="t", cluster="team", reps=10_000, type="randomization-c",
        rng=np.random.default_rng(3),
    )  # fmt: skip
    return float(fit.coef()["t"]), float(out["Pr(>|t|)"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path)
    a = parser.parse_args()
    lines = ["## Resampling", ""]

    # Wild cluster bootstrap.
    d40 = wild_data(40)
    lines += [f"### Wild cluster bootstrap: 9,999 draws, 40 clusters, {len(d40):,} people", ""]
    mine_t, mine_mem, mine = timed(lambda: hearten_wild(d40, 9999), a.runs)
    rows = [f"| Hearten (p-value and interval) | {cell(mine_t)} | {mine_mem:.0f} MB | 1.00 |"]
    try:
        import wildboottest  # noqa: F401
    except ImportError:
        rows.append("| wildboottest | missing: pip install wildboottest | | |")
    else:
        d12 = wild_data(12)
        exact = hearten_wild(d12, 9999)
        theirs = peer_wild(d12, 9999)
        if not exact.enumerated or abs(exact.p_value - 2 / 2**12 - theirs) > 1e-9:
            print(f"DISAGREE: wild p {exact.p_value} vs wildboottest {theirs}", file=sys.stderr)
            return 1
        lines += [
            "Agreement checked first: on 12 clusters both enumerate all 4,096 sign vectors and "
            f"the p-values agree ({exact.p_value:.6f} = {theirs:.6f} + 2/4,096 ties).",
            "",
        ]
        peer_wild(d40, 999)  # warm up (numba compilation)
        peer_t, peer_mem, _ = timed(lambda: peer_wild(d40, 9999), a.runs)
        ratio = statistics.median(peer_t) / statistics.median(mine_t)
        rows.append(
            f"| wildboottest (p-value only) | {cell(peer_t)} | {peer_mem:.0f} MB | "
            f"{ratio:.2f}× Hearten's time |"
        )
    lines += [
        "| tool | time: median (min, max) | peak memory | ratio |",
        "| --- | --- | --- | --- |",
    ]
    lines += [*rows, ""]

    # Randomisation inference.
    d = ri_data()
    lines += ["### Randomisation inference: 10,000 re-draws, 10,000 people, 200 teams, 4 sites", ""]
    rows = []
    for label, runner in (("1 thread", chunks.in_process), ("2 threads", chunks.threads(2))):
        t_, mem, mine = timed(lambda r=runner: hearten_ri(d, r), a.runs)  # type: ignore[misc]
        rows.append((f"Hearten, blocked and clustered, {label}", t_, mem))
    try:
        import pyfixest  # noqa: F401
    except ImportError:
        peer_row = "| pyfixest `ritest` | missing: uv run --with 'pyfixest[numba]' | | |"
    else:
        estimate, p_peer = peer_ri(d)
        mcse = math.sqrt(max(mine.p_value * (1 - mine.p_value), 1e-4) / 10_000)
        if abs(estimate - mine.estimate) > 1e-9 * max(1.0, abs(estimate)):
            print(f"DISAGREE: estimate {mine.estimate} vs pyfixest {estimate}", file=sys.stderr)
            return 1
        close = abs(mine.p_value - p_peer) < 5 * mcse
        lines += [
            f"Agreement checked first: the same estimate ({estimate:.6f}); p-values "
            f"{mine.p_value:.4f} (Hearten) and {p_peer:.4f} (pyfixest), Monte Carlo error "
            f"about {mcse:.4f} each" + ("." if close else " (pyfixest ignores the strata)."),
            "",
        ]
        peer_t, peer_mem, _ = timed(lambda: peer_ri(d), a.runs)
        ratio = statistics.median(peer_t) / statistics.median(rows[0][1])
        peer_row = (
            f"| pyfixest `ritest`, clustered (no strata) | {cell(peer_t)} | {peer_mem:.0f} MB | "
            f"{ratio:.2f}× Hearten's time (1 thread) |"
        )
    lines += [
        "| tool | time: median (min, max) | peak memory | ratio |",
        "| --- | --- | --- | --- |",
    ]
    base = statistics.median(rows[0][1])
    for label, t_, mem in rows:
        lines.append(
            f"| {label} | {cell(t_)} | {mem:.0f} MB | {statistics.median(t_) / base:.2f} |"
        )
    lines += [peer_row, ""]
    text = "\n".join(lines)
    print(text)
    if a.out:
        a.out.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
