"""CR2 cluster-robust regression: Hearten against R's estimatr::lm_robust, same machine, same run.

Run from the repository:  python3 -m uv run python benchmarks/cr2_vs_estimatr.py
Options: --rows 100000 --clusters 2000 --covariates 10 --runs 5 --out FILE.md

Both fit ``y ~ t + x1 + ... + xk`` with CR2 errors and Satterthwaite df. The script first
checks that the two agree (estimates, standard errors, df to 1e-6 relative), then times only
the fit on each side (R: ``system.time(lm_robust(...))`` after the data are read), and
reports median, min and max over the runs and peak memory (Python: tracemalloc; R:
``gc()``'s maximum). It also fits 25% and 50% of the rows to show memory grows linearly.
R is found with ``Rscript``; if it or estimatr is missing the peer is reported as missing
(install with ``apt-get install r-base-core r-cran-estimatr``).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd

from hearten.stats.estimate import fit_ols

AGREEMENT = 1e-6

R_SCRIPT = r"""
suppressPackageStartupMessages(library(estimatr))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1]); runs <- as.integer(args[2])
f <- as.formula(paste("y ~ t +", paste0("x", seq_len(ncol(d) - 3), collapse = " + ")))
times <- numeric(runs)
invisible(gc(reset = TRUE))
for (i in seq_len(runs)) {
  times[i] <- system.time(fit <- lm_robust(f, data = d, clusters = cl, se_type = "CR2"))[["elapsed"]]
}
mem <- sum(gc()[, 6])  # "max used" in Mb, Ncells + Vcells
t <- tidy(fit)
cat(sprintf('{"times": [%s], "peak_mb": %.3f, "estimate": [%s], "std_error": [%s], "df": [%s]}',
  paste(times, collapse = ","), mem, paste(sprintf("%.17g", t$estimate), collapse = ","),
  paste(sprintf("%.17g", t$std.error), collapse = ","), paste(sprintf("%.17g", t$df), collapse = ",")))
"""


def make_data(rows: int, clusters: int, covariates: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    cl = rng.integers(0, clusters, rows)
    t = (cl % 2).astype(float)
    X = rng.normal(size=(rows, covariates))
    y = X @ rng.normal(size=covariates) + 0.2 * t + rng.normal(size=clusters)[cl]
    y = y + rng.normal(size=rows)
    d = pd.DataFrame(X, columns=[f"x{i + 1}" for i in range(covariates)])
    d.insert(0, "t", t)
    d.insert(0, "y", y)
    d["cl"] = cl
    return d


def hearten_fit(d: pd.DataFrame):
    X = np.column_stack([np.ones(len(d)), d.drop(columns=["y", "cl"]).to_numpy()])
    names = ["(Intercept)", *d.columns.drop(["y", "cl"])]
    return fit_ols(d["y"].to_numpy(), X, names, cluster=d["cl"].to_numpy(), vcov="CR2")


def time_hearten(d: pd.DataFrame, runs: int) -> tuple[list[float], float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        hearten_fit(d)
        times.append(time.perf_counter() - start)
    tracemalloc.start()
    hearten_fit(d)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return times, peak


def run_r(d: pd.DataFrame, runs: int, folder: Path) -> dict | None:
    rscript = shutil.which("Rscript")
    if rscript is None:
        return None
    data, script = folder / "data.csv", folder / "bench.R"
    d.to_csv(data, index=False)
    script.write_text(R_SCRIPT)
    result = subprocess.run(
        [rscript, str(script), str(data), str(runs)], capture_output=True, text=True
    )
    if result.returncode != 0:
        print(f"R failed (is r-cran-estimatr installed?):\n{result.stderr}", file=sys.stderr)
        return None
    return json.loads(result.stdout.strip().splitlines()[-1])


def summary(times: list[float]) -> str:
    return f"{statistics.median(times):.3f} s (min {min(times):.3f}, max {max(times):.3f})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--clusters", type=int, default=2_000)
    parser.add_argument("--covariates", type=int, default=10)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", type=Path)
    a = parser.parse_args()
    d = make_data(a.rows, a.clusters, a.covariates)
    lines = [
        f"## CR2 regression: {a.rows:,} rows, {a.clusters:,} clusters, "
        f"{a.covariates} covariates ({a.runs} runs)",
        "",
    ]
    with tempfile.TemporaryDirectory() as tmp:
        print("Fitting with R estimatr::lm_robust ...", file=sys.stderr)
        r = run_r(d, a.runs, Path(tmp))
    ours = hearten_fit(d)
    if r is not None:
        for field, theirs in (
            ("coef", r["estimate"]),
            ("std_error", r["std_error"]),
            ("df", r["df"]),
        ):
            mine = getattr(ours, field)
            worst = float(np.max(np.abs(mine - np.asarray(theirs)) / np.abs(theirs)))
            if worst > AGREEMENT:
                print(f"DISAGREE: {field} differs from estimatr by {worst:.2e}", file=sys.stderr)
                return 1
        lines.append(
            f"Agreement with estimatr checked first: estimates, standard errors "
            f"and df within {AGREEMENT:g} relative."
        )
        lines.append("")
    print("Timing Hearten ...", file=sys.stderr)
    times, peak = time_hearten(d, a.runs)
    lines += [
        "| tool | fit time: median (min, max) | peak memory | time vs Hearten |",
        "| --- | --- | --- | --- |",
        f"| Hearten `fit_ols(vcov='CR2')` | {summary(times)} | {peak:.0f} MB | 1.00 |",
    ]
    if r is None:
        lines.append(
            "| R estimatr `lm_robust` | missing: install r-base-core r-cran-estimatr | | |"
        )
    else:
        ratio = statistics.median(r["times"]) / statistics.median(times)
        lines.append(
            f"| R estimatr `lm_robust` | {summary(r['times'])} | "
            f"{r['peak_mb']:.0f} MB (R heap, max used) | {ratio:.2f}× slower |"
        )
    lines += [
        "",
        "Memory against rows (Hearten, same clusters and covariates):",
        "",
        "| rows | peak memory | per 1,000 rows |",
        "| --- | --- | --- |",
    ]
    for share in (0.25, 0.5, 1.0):
        sub = d.iloc[: int(len(d) * share)]
        _, mem = time_hearten(sub, 1)
        lines.append(f"| {len(sub):,} | {mem:.1f} MB | {1000 * mem / len(sub):.3f} MB |")
    text = "\n".join(lines) + "\n"
    print(text)
    if a.out:
        a.out.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
