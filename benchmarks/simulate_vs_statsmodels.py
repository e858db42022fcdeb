"""Simulating the planned analysis: Hearten's batched CR2 against a loop of statsmodels fits.

Run from the repository:  python3 -m uv run python benchmarks/simulate_vs_statsmodels.py
Options: --reps 10000 --workers 2 --peer-reps 1000 --out FILE.md

The design is the first programme's: 4 local authorities, 80 teams of 11.5 people on average
(coefficient of variation 0.5; about 920 on the roster), teams randomised within
authorities, ANCOVA on the baseline with authority fixed effects, 15% lost to follow-up.

* **Hearten**: ``hearten.stats.simulate.simulate`` for ``--reps`` replications (drawing the
  data included) on ``--workers`` threads, CR2 with Satterthwaite df.
* **statsmodels loop, as usually written**: one
  ``smf.ols("outcome ~ arm + baseline + C(site)", data).fit(cov_type="cluster")`` per
  replication (CR1: statsmodels has no CR2) on the same replications' data frames, already
  drawn (drawing the data is not timed, though Hearten's time includes it). This is the
  peer of the issue's target.
* **statsmodels loop on prebuilt arrays**: ``OLS(y, X).fit(cov_type="cluster")`` with every
  design matrix built beforehand (not timed): the fastest a statsmodels loop can be. Its
  fit is a single small least-squares solve, so batching gains little over it; what it
  cannot give is CR2 and Satterthwaite df.
* Each loop is timed on the first ``--peer-reps`` replications and compared per replication;
  ``--peer-reps`` equal to ``--reps`` times the whole loop.
* **Hearten one at a time**: ``estimate_itt`` (CR2) in the same loop, to show what batching
  buys beyond the variance estimator.

The script first checks, on the peer's replications, that Hearten's batched estimates equal
statsmodels' (1e-10) and its CR2 standard errors equal ``estimate_itt``'s. Peak memory is
tracemalloc's peak during the batched run. Target (issue 5): 10,000 replications in at most
10 seconds on 2 cores, at least 50 times faster than the statsmodels loop.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd
import statsmodels.api as sm
import statsmodels.formula.api as smf

from hearten.stats.batched import fit_batch
from hearten.stats.chunks import threads
from hearten.stats.estimate import estimate_itt
from hearten.stats.simulate import SimulationSpec, cluster_sums, draw, simulate, table, tasks

SPEC = SimulationSpec(
    "bcra3f2",
    clusters=20,
    cluster_size=11.5,
    sites=4,
    cv=0.5,
    icc2=0.05,
    pre_post=0.5,
    effect=0.3,
    uptake=0.7,
    attrition=0.15,
)
SEED = 20261129


def peer_data(
    reps: int,
) -> list[tuple[pd.DataFrame, np.ndarray, np.ndarray, np.ndarray, list[str], list[str]]]:
    """The first ``reps`` replications, as Hearten draws them, as arrays for a loop."""
    rows = []
    for _, R, seed in tasks(SPEC, reps, SEED):
        d = draw(SPEC, R, np.random.default_rng(seed))
        for r in range(R):
            t = table(d, r, SPEC.effect)
            t = t[t["observed"]]
            sites = np.asarray(t["site"])
            X = np.column_stack(
                [np.ones(len(t)), (t["arm"] == "treatment").to_numpy(float), t["baseline"]]
                + [(sites == k).astype(float) for k in range(1, 4)]
            )
            rows.append(
                (
                    t,
                    t["outcome"].to_numpy(),
                    X,
                    t["unit"].to_numpy(),
                    t["arm"].tolist(),
                    sites.astype(str).tolist(),
                )
            )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reps", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--peer-reps", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    peer_reps = min(args.peer_reps, args.reps)

    data = peer_data(peer_reps)
    # Agreement first: Hearten's batched fit of the same replications.
    first = tasks(SPEC, peer_reps, SEED)
    b, se = [], []
    for _, R, seed in first:
        d = draw(SPEC, R, np.random.default_rng(seed))
        fit = fit_batch(cluster_sums(SPEC, d), singletons=False)
        tau = SPEC.effect
        b.extend(fit.b0 + tau * fit.b_d)
        se.extend(np.sqrt(fit.A + 2 * tau * fit.B + tau * tau * fit.C))
    for i in range(min(20, peer_reps)):
        _, y, X, unit, arm, sites = data[i]
        sm_fit = sm.OLS(y, X).fit(cov_type="cluster", cov_kwds={"groups": unit})
        assert abs(sm_fit.params[1] - b[i]) < 1e-10, "estimates disagree with statsmodels"
        e = estimate_itt(y, arm, "control", {"baseline": X[:, 2]}, sites, unit).effects[0]
        assert abs(e.std_error - se[i]) < 1e-10 * e.std_error, "CR2 disagrees with estimate_itt"

    tracemalloc.start()
    result, _ = simulate(SPEC, args.reps, SEED, threads(args.workers))
    peak_mb = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    runs = []
    for _ in range(args.runs):
        start = time.perf_counter()
        simulate(SPEC, args.reps, SEED, threads(args.workers))
        runs.append(time.perf_counter() - start)
    hearten_s = statistics.median(runs)
    start = time.perf_counter()
    simulate(SPEC, args.reps, SEED)
    serial_s = time.perf_counter() - start

    formula = "outcome ~ arm + baseline + C(site)"
    start = time.perf_counter()
    for frame, *_ in data:
        smf.ols(formula, frame).fit(cov_type="cluster", cov_kwds={"groups": frame["unit"]})
    smf_per = (time.perf_counter() - start) / len(data)
    start = time.perf_counter()
    for _, y, X, unit, _, _ in data:
        sm.OLS(y, X).fit(cov_type="cluster", cov_kwds={"groups": unit})
    sm_per = (time.perf_counter() - start) / len(data)
    loop_n = min(len(data), 300)
    start = time.perf_counter()
    for _, y, X, unit, arm, sites in data[:loop_n]:
        estimate_itt(y, arm, "control", {"baseline": X[:, 2]}, sites, unit)
    itt_per = (time.perf_counter() - start) / loop_n

    per = hearten_s / args.reps
    lines = [
        f"# Simulating {args.reps:,} replications of a {SPEC.design} trial "
        f"(4 sites, 80 teams, ~{result.mean_people:.0f} analysed)",
        "",
        "| method | time for all replications | per replication | Hearten is faster by |",
        "| --- | --- | --- | --- |",
        f"| Hearten batched CR2, {args.workers} threads, median of {args.runs} | "
        f"{hearten_s:.2f} s (min {min(runs):.2f}, max {max(runs):.2f}) | {1e6 * per:.0f} µs | |",
        f"| Hearten batched CR2, 1 thread | {serial_s:.2f} s | "
        f"{1e6 * serial_s / args.reps:.0f} µs | |",
        f"| statsmodels formula loop, CR1 (timed on {len(data):,}) | "
        f"{smf_per * args.reps:.1f} s (projected) | {1e6 * smf_per:.0f} µs | "
        f"{smf_per / per:.0f}× |",
        f"| statsmodels loop on prebuilt arrays, CR1 (timed on {len(data):,}) | "
        f"{sm_per * args.reps:.1f} s (projected) | {1e6 * sm_per:.0f} µs | {sm_per / per:.1f}× |",
        f"| Hearten `estimate_itt` loop, CR2 (timed on {loop_n:,}) | "
        f"{itt_per * args.reps:.1f} s (projected) | {1e6 * itt_per:.0f} µs | "
        f"{itt_per / per:.0f}× |",
        "",
        f"Peak memory of the batched run (tracemalloc): {peak_mb:.0f} MB. "
        f"Simulated power {result.power.value:.3f} (MC SE {result.power.mcse:.3f}); "
        f"target: ≤ 10 s on 2 cores ({'met' if hearten_s <= 10 else 'NOT met'}), "
        f"≥ 50× the statsmodels formula loop ({'met' if smf_per / per >= 50 else 'NOT met'}).",
    ]
    text = "\n".join(lines)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
