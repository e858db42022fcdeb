"""CR2 cluster-robust regression: Hearten against R's estimatr and clubSandwich, and statsmodels.

Run from the repository:  python3 -m uv run python benchmarks/cr2_vs_estimatr.py
Options: --rows 100000 --clusters 2000 --covariates 10 --runs 5 --timeout 600 --out FILE.md

Every tool fits ``y ~ t + x1 + ... + xk`` with cluster-robust errors. The script first checks
that each peer agrees with Hearten (estimates, standard errors and df to 1e-6 relative), then
times only the fit on each side, and reports median, min and max over the runs and peak
memory (Python: tracemalloc; R: ``gc()``'s maximum):

* R ``estimatr::lm_robust(se_type = "CR2")``: CR2 with Satterthwaite df;
* R ``clubSandwich::coef_test(lm(...), vcov = "CR2", test = "Satterthwaite")``: the same
  numbers (the time includes ``lm``);
* statsmodels ``OLS(...).fit(cov_type="cluster")``: it has CR1 only, so it is compared with
  Hearten's CR1 (and its time with both of Hearten's).

A peer slower than ``--timeout`` seconds for one fit is reported as timed out, and one that
needs more than 12 GB as out of memory. It also fits
25% and 50% of the rows to show Hearten's memory grows linearly. R is found with
``Rscript``; if it or a package is missing that peer is reported as missing (install with
``apt-get install r-base-core r-cran-estimatr r-cran-clubsandwich``).
"""

from __future__ import annotations

import argparse
import json
import resource
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
#: Address space an R peer may use (the machine must keep running).
R_MEMORY_LIMIT = 12 * 2**30

R_SCRIPT = r"""
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1]); runs <- as.integer(args[2]); tool <- args[3]
f <- as.formula(paste("y ~ t +", paste0("x", seq_len(ncol(d) - 3), collapse = " + ")))
if (tool == "estimatr") {
  suppressPackageStartupMessages(library(estimatr))
  fit_once <- function() {
    t <- tidy(lm_robust(f, data = d, clusters = cl, se_type = "CR2"))
    list(estimate = t$estimate, se = t$std.error, df = t$df)
  }
} else {
  suppressPackageStartupMessages(library(clubSandwich))
  fit_once <- function() {
    t <- coef_test(lm(f, data = d), vcov = "CR2", cluster = d$cl, test = "Satterthwaite")
    list(estimate = t$beta, se = t$SE, df = t$df_Satt)
  }
}
times <- numeric(runs)
invisible(gc(reset = TRUE))
for (i in seq_len(runs)) times[i] <- system.time(r <- fit_once())[["elapsed"]]
mem <- sum(gc()[, 6])  # "max used" in Mb, Ncells + Vcells
g <- function(x) paste(sprintf("%.17g", x), collapse = ",")
cat(sprintf('{"times": [%s], "peak_mb": %.3f, "estimate": [%s], "std_error": [%s], "df": [%s]}',
  paste(times, collapse = ","), mem, g(r$estimate), g(r$se), g(r$df)))
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


def hearten_fit(d: pd.DataFrame, vcov: str = "CR2"):
    X = np.column_stack([np.ones(len(d)), d.drop(columns=["y", "cl"]).to_numpy()])
    names = ["(Intercept)", *d.columns.drop(["y", "cl"])]
    return fit_ols(d["y"].to_numpy(), X, names, cluster=d["cl"].to_numpy(), vcov=vcov)


def time_hearten(d: pd.DataFrame, runs: int, vcov: str = "CR2") -> tuple[list[float], float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        hearten_fit(d, vcov)
        times.append(time.perf_counter() - start)
    tracemalloc.start()
    hearten_fit(d, vcov)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return times, peak


def run_r(d: pd.DataFrame, runs: int, folder: Path, tool: str, timeout: float) -> dict | str:
    """The R peer's timings and numbers, or why there are none."""
    rscript = shutil.which("Rscript")
    if rscript is None:
        return "missing: install r-base-core"
    data, script = folder / "data.csv", folder / "bench.R"
    if not data.exists():
        d.to_csv(data, index=False)
    script.write_text(R_SCRIPT)

    def cap_memory() -> None:  # a peer that needs more fails cleanly, not the machine
        resource.setrlimit(resource.RLIMIT_AS, (R_MEMORY_LIMIT, R_MEMORY_LIMIT))

    try:
        result = subprocess.run(
            [rscript, str(script), str(data), str(runs), tool],
            capture_output=True, text=True, timeout=timeout * runs + 60,
            preexec_fn=cap_memory,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        return f"timed out (over {timeout:.0f} s a fit)"
    if result.returncode != 0:
        print(f"R {tool} failed:\n{result.stderr}", file=sys.stderr)
        if "there is no package" in result.stderr:
            return f"missing: install r-cran-{tool.lower()}"
        if "cannot allocate" in result.stderr:
            return f"failed: out of memory (limit {R_MEMORY_LIMIT / 2**30:.0f} GB)"
        return "failed: " + (result.stderr.strip().splitlines() or ["no message"])[-1]
    return json.loads(result.stdout.strip().splitlines()[-1])


def statsmodels_fit(d: pd.DataFrame):
    import statsmodels.api as sm

    X = np.column_stack([np.ones(len(d)), d.drop(columns=["y", "cl"]).to_numpy()])
    fit = sm.OLS(d["y"].to_numpy(), X).fit(cov_type="cluster", cov_kwds={"groups": d["cl"]})
    # What Hearten's fit returns too: standard errors, p-values and intervals (statsmodels
    # computes them only when asked).
    fit.bse, fit.pvalues, fit.conf_int()
    return fit


def time_statsmodels(d: pd.DataFrame, runs: int) -> tuple[list[float], float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        statsmodels_fit(d)
        times.append(time.perf_counter() - start)
    tracemalloc.start()
    statsmodels_fit(d)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return times, peak


def disagreement(mine: dict[str, np.ndarray], theirs: dict[str, list[float]]) -> float:
    return max(
        float(np.max(np.abs(np.asarray(mine[k]) - np.asarray(v)) / np.abs(np.asarray(v))))
        for k, v in theirs.items()
    )


def summary(times: list[float]) -> str:
    return f"{statistics.median(times):.3f} s (min {min(times):.3f}, max {max(times):.3f})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--clusters", type=int, default=2_000)
    parser.add_argument("--covariates", type=int, default=10)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--out", type=Path)
    a = parser.parse_args()
    d = make_data(a.rows, a.clusters, a.covariates)
    lines = [
        f"## CR2 regression: {a.rows:,} rows, {a.clusters:,} clusters, "
        f"{a.covariates} covariates ({a.runs} runs)",
        "",
    ]
    cr2, cr1 = hearten_fit(d), hearten_fit(d, "CR1")
    mine = {"estimate": cr2.coef, "std_error": cr2.std_error, "df": cr2.df}
    peers: dict[str, dict | str] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for tool in ("estimatr", "clubSandwich"):
            print(f"Fitting with R {tool} ...", file=sys.stderr)
            peers[tool] = run_r(d, a.runs, Path(tmp), tool, a.timeout)
    checked = []
    for tool, r in peers.items():
        if isinstance(r, dict):
            worst = disagreement(mine, {k: r[k] for k in ("estimate", "std_error", "df")})
            if worst > AGREEMENT:
                print(f"DISAGREE: {tool} differs by {worst:.2e}", file=sys.stderr)
                return 1
            checked.append(tool)
    try:
        sm_fit = statsmodels_fit(d)
    except ImportError:
        sm_fit = None
    if sm_fit is not None:
        worst = disagreement(
            {"estimate": cr1.coef, "std_error": cr1.std_error},
            {"estimate": list(sm_fit.params), "std_error": list(sm_fit.bse)},
        )
        if worst > AGREEMENT:
            print(f"DISAGREE: statsmodels CR1 differs by {worst:.2e}", file=sys.stderr)
            return 1
        checked.append("statsmodels (CR1)")
    if checked:
        lines += [
            "Agreement checked first: estimates, standard errors (and df) within "
            f"{AGREEMENT:g} relative of " + ", ".join(checked) + ".",
            "",
        ]
    print("Timing Hearten ...", file=sys.stderr)
    times, peak = time_hearten(d, a.runs)
    base = statistics.median(times)
    times1, peak1 = time_hearten(d, a.runs, "CR1")
    lines += [
        "| tool | fit time: median (min, max) | peak memory | time vs Hearten CR2 |",
        "| --- | --- | --- | --- |",
        f"| Hearten `fit_ols(vcov='CR2')`, Satterthwaite df | {summary(times)} | {peak:.0f} MB "
        "| 1.00 |",
        f"| Hearten `fit_ols(vcov='CR1')` | {summary(times1)} | {peak1:.0f} MB | "
        f"{statistics.median(times1) / base:.2f} |",
    ]
    labels = {
        "estimatr": "R estimatr `lm_robust` CR2",
        "clubSandwich": "R clubSandwich `coef_test` CR2 (with `lm`)",
    }
    for tool, r in peers.items():
        if isinstance(r, str):
            lines.append(f"| {labels[tool]} | {r} | | |")
        else:
            ratio = statistics.median(r["times"]) / base
            lines.append(
                f"| {labels[tool]} | {summary(r['times'])} | {r['peak_mb']:.0f} MB (R heap) | "
                f"{ratio:.2f}× |"
            )
    if sm_fit is None:
        lines.append("| statsmodels OLS, cluster (CR1) | missing: pip install statsmodels | | |")
    else:
        sm_times, sm_peak = time_statsmodels(d, a.runs)
        lines.append(
            f"| statsmodels OLS, cluster (CR1 only) | {summary(sm_times)} | {sm_peak:.0f} MB | "
            f"{statistics.median(sm_times) / base:.2f}× |"
        )
    lines += [
        "",
        "Memory against rows (Hearten CR2, same clusters and covariates):",
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
