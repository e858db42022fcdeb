"""Count and survival models on 100,000 people: Hearten against R, same machine, same run.

Run from the repository:  python3 -m uv run python benchmarks/counts_survival_vs_r.py
Options: --people 100000 --clusters 2000 --runs 3 --out FILE.md

Fits absence days as a negative binomial with an exposure offset and cluster-robust errors
(R: ``MASS::glm.nb`` then ``sandwich::vcovCL``) and days to leaving as a Cox model with
Breslow ties and cluster-robust errors (R: ``survival::coxph(cluster = )``). Agreement of the
treatment coefficient and its standard error (1e-5 relative) is checked before timing; only
the fits are timed (R: ``system.time`` after the data are read). R is found with ``Rscript``
(``apt-get install r-base-core r-cran-mass r-cran-sandwich r-cran-survival``); without it
the peer is reported as missing.
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

from hearten.stats.counts import estimate_counts
from hearten.stats.survival import estimate_cox

AGREEMENT = 1e-5

R_SCRIPT = r"""
suppressPackageStartupMessages({ library(MASS); library(sandwich); library(survival) })
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1]); runs <- as.integer(args[2])
nb_t <- numeric(runs); cox_t <- numeric(runs)
invisible(gc(reset = TRUE))
for (i in seq_len(runs)) {
  nb_t[i] <- system.time({
    nb <- glm.nb(days ~ treat + x1 + x2 + offset(log(exposure)), data = d)
    V <- vcovCL(nb, cluster = ~cl)
  })[["elapsed"]]
}
nb_mem <- sum(gc()[, 6]); invisible(gc(reset = TRUE))
for (i in seq_len(runs)) {
  cox_t[i] <- system.time(cx <- coxph(Surv(time, left) ~ treat + x1 + x2, data = d,
                                      ties = "breslow", cluster = cl))[["elapsed"]]
}
cox_mem <- sum(gc()[, 6])
cat(sprintf(paste0('{"nb_times": [%s], "cox_times": [%s], "nb": [%.17g, %.17g], ',
                   '"cox": [%.17g, %.17g], "nb_mb": %.3f, "cox_mb": %.3f}'),
  paste(nb_t, collapse = ","), paste(cox_t, collapse = ","), coef(nb)[["treat"]],
  sqrt(V["treat", "treat"]), coef(cx)[["treat"]], sqrt(diag(cx$var))[1], nb_mem, cox_mem))
"""


def make_data(people: int, clusters: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    cl = rng.integers(0, clusters, people)
    treat = (cl % 2).astype(float)
    x1, x2 = rng.normal(size=people), rng.normal(size=people)
    frailty = rng.gamma(2.0, 0.5, clusters)[cl]
    exposure = rng.choice([1.0, 0.8, 0.6], people) * rng.integers(60, 366, people)
    mu = exposure * 0.02 * np.exp(-0.2 * treat + 0.1 * x1) * frailty
    days = rng.negative_binomial(0.8, 0.8 / (0.8 + mu))
    t_leave = np.ceil(rng.exponential(1 / (0.001 * np.exp(-0.3 * treat + 0.2 * x2) * frailty)))
    return pd.DataFrame(
        {
            "days": days,
            "exposure": exposure,
            "treat": treat,
            "x1": x1,
            "x2": x2,
            "cl": cl,
            "time": np.minimum(t_leave, 365),
            "left": (t_leave <= 365).astype(int),
        }
    )


def ours(d: pd.DataFrame) -> tuple[tuple[float, float], tuple[float, float], float, float]:
    arm = np.where(d["treat"] == 1, "t", "c").tolist()
    covs = {"x1": d["x1"], "x2": d["x2"]}
    start = time.perf_counter()
    nb = estimate_counts(d["days"], arm, "c", d["exposure"], covs, cluster=d["cl"])
    mid = time.perf_counter()
    cox = estimate_cox(d["time"], d["left"], arm, "c", covs, cluster=d["cl"])
    end = time.perf_counter()
    return (
        (nb.effects[0].log_rr, nb.effects[0].std_error),
        (cox.effects[0].log_hr, cox.effects[0].std_error),
        mid - start,
        end - mid,
    )


def summary(times: list[float]) -> str:
    return f"{statistics.median(times):.2f} s (min {min(times):.2f}, max {max(times):.2f})"


def peak_memory(d: pd.DataFrame) -> tuple[float, float]:
    """Peak Python allocations (tracemalloc, numpy included) of each fit, in MB."""
    arm = np.where(d["treat"] == 1, "t", "c").tolist()
    covs = {"x1": d["x1"], "x2": d["x2"]}
    peaks = []
    for fit in (
        lambda: estimate_counts(d["days"], arm, "c", d["exposure"], covs, cluster=d["cl"]),
        lambda: estimate_cox(d["time"], d["left"], arm, "c", covs, cluster=d["cl"]),
    ):
        tracemalloc.start()
        fit()
        peaks.append(tracemalloc.get_traced_memory()[1] / 2**20)
        tracemalloc.stop()
    return peaks[0], peaks[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--clusters", type=int, default=2_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path)
    a = parser.parse_args()
    d = make_data(a.people, a.clusters)
    r = None
    rscript = shutil.which("Rscript")
    if rscript:
        with tempfile.TemporaryDirectory() as tmp:
            data, script = Path(tmp) / "d.csv", Path(tmp) / "b.R"
            d.to_csv(data, index=False)
            script.write_text(R_SCRIPT)
            print("Fitting with R ...", file=sys.stderr)
            done = subprocess.run(
                [rscript, str(script), str(data), str(a.runs)], capture_output=True, text=True
            )
            if done.returncode == 0:
                r = json.loads(done.stdout.strip().splitlines()[-1])
            else:
                print(f"R failed:\n{done.stderr}", file=sys.stderr)
    print("Fitting with Hearten ...", file=sys.stderr)
    runs = [ours(d) for _ in range(a.runs)]
    nb, cox = runs[0][0], runs[0][1]
    lines = [
        f"## Count and survival models: {a.people:,} people, {a.clusters:,} clusters "
        f"({a.runs} runs)",
        "",
    ]
    if r is not None:
        for label, mine, theirs in (("negative binomial", nb, r["nb"]), ("Cox", cox, r["cox"])):
            worst = max(abs(m - t) / abs(t) for m, t in zip(mine, theirs, strict=True))
            if worst > AGREEMENT:
                print(f"DISAGREE: {label} differs from R by {worst:.1e}", file=sys.stderr)
                return 1
        lines += [
            f"Agreement with R checked first: treatment coefficient and SE within "
            f"{AGREEMENT:g} relative.",
            "",
        ]
    nb_times, cox_times = [x[2] for x in runs], [x[3] for x in runs]
    peaks = peak_memory(d)
    lines += [
        "| model | Hearten: time, peak memory | R: time, peak memory | R time vs Hearten |",
        "| --- | --- | --- | --- |",
    ]
    for label, mine, key, peak in (
        ("negative binomial + cluster-robust", nb_times, "nb", peaks[0]),
        ("Cox (Breslow) + cluster-robust", cox_times, "cox", peaks[1]),
    ):
        if r is None:
            lines.append(
                f"| {label} | {summary(mine)}, {peak:.0f} MB | missing: install r-base-core "
                "r-cran-mass r-cran-sandwich r-cran-survival | |"
            )
        else:
            theirs = r[f"{key}_times"]
            ratio = statistics.median(theirs) / statistics.median(mine)
            lines.append(
                f"| {label} | {summary(mine)}, {peak:.0f} MB | {summary(theirs)}, "
                f"{r[f'{key}_mb']:.0f} MB (R heap) | {ratio:.2f}× |"
            )
    text = "\n".join(lines) + "\n"
    print(text)
    if a.out:
        a.out.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
