"""How much CPU a whole `hearten` process costs, command by command, now and before.

Run from the repository:
    python3 -m uv run python benchmarks/startup.py [--before REV] [--demo] [--runs N]

Each command runs as its own process, as a user would start it, and is measured by the CPU
time (user + system) of that process and its children, from ``getrusage(RUSAGE_CHILDREN)``
around it: on a shared machine wall time swings with the other users' load, CPU time much
less. Wall time is shown beside it for reference. The median of ``--runs`` runs is reported.

* ``hearten --help`` and a usage error (target: under 0.3 s);
* ``hearten analyse`` on 100,000 rows, 2,000 clusters and 10 covariates with CR2 standard
  errors, against ``Rscript`` running ``estimatr::lm_robust`` on the same CSV file, whole
  process against whole process (target: at least 3 times less CPU). The estimate, standard
  error and degrees of freedom are checked to agree (1e-6 relative) before anything is timed;
* with ``--demo``: ``hearten demo`` in a fresh HEARTEN_HOME (target: under 60 s on a quiet
  2-core machine), then ``hearten trial report demo-letters`` (target: under 5 s).

``--before REV`` runs the same commands with the source of an earlier commit (checked out
into a temporary git worktree and put first on ``PYTHONPATH``, in this same environment), so
before and after are measured in one run on one machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
COVARIATES = [f"x{i}" for i in range(1, 11)]
R_FIT = """
d <- read.csv("{data}")
f <- estimatr::lm_robust(y ~ d + {covariates}, data = d, clusters = g, se_type = "CR2")
cat(sprintf("%.15g %.15g %.15g\\n", coef(f)[["d"]], f$std.error[["d"]], f$df[["d"]]))
"""


@dataclass(frozen=True)
class Run:
    cpu: float
    wall: float
    out: str


def measure(command: Sequence[str], env: dict[str, str], cwd: Path, ok: Sequence[int]) -> Run:
    """Run ``command`` once as a child process; its CPU (user + system) and wall time."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    done = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, check=False)
    wall = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in ok:
        raise SystemExit(f"{' '.join(command)} exited {done.returncode}:\n{done.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Run(cpu, wall, done.stdout)


def median_of(
    runs: int, command: Sequence[str], env: dict[str, str], cwd: Path, ok: Sequence[int] = (0,)
) -> tuple[Run, list[Run]]:
    done = [measure(command, env, cwd, ok) for _ in range(runs)]
    cpu = statistics.median(r.cpu for r in done)
    wall = statistics.median(r.wall for r in done)
    return Run(cpu, wall, done[-1].out), done


def write_data(path: Path, rows: int, clusters: int) -> None:
    """A cluster-randomised data set: outcome y, 0/1 arm d by cluster g, ten covariates."""
    rng = np.random.default_rng(2026)
    g = rng.integers(0, clusters, rows)
    d = (g % 2 == 0).astype(int)
    x = rng.normal(size=(rows, len(COVARIATES)))
    y = 0.2 * d + x @ np.linspace(0.1, 1.0, len(COVARIATES))
    y += rng.normal(size=clusters)[g] + rng.normal(size=rows)
    data = pd.DataFrame(x, columns=COVARIATES)
    data["y"], data["d"], data["g"] = y, d, g
    data.to_csv(path, index=False)


def hearten_env(home: Path, source: Path | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(HEARTEN_HOME=str(home), COLUMNS="100")
    if source is not None:
        env["PYTHONPATH"] = str(source)
    return env


def hearten() -> list[str]:
    exe = shutil.which("hearten", path=str(Path(sys.executable).parent))
    return [exe] if exe else [sys.executable, "-c", "from hearten.cli.main import run; run()"]


def row(what: str, run: Run, note: str = "") -> str:
    return f"| {what} | {run.cpu:.2f} s | {run.wall:.2f} s | {note} |"


def code_rows(
    label: str, source: Path | None, tmp: Path, data: Path, runs: int, demo: bool
) -> tuple[list[str], dict[str, Run]]:
    """Time every command with the code in ``source`` (None: the working tree)."""
    home = tmp / f"home-{label}"
    env = hearten_env(home, source)
    found: dict[str, Run] = {}
    lines = []
    found["help"], _ = median_of(runs, [*hearten(), "--help"], env, tmp)
    lines.append(row(f"{label}: `hearten --help`", found["help"]))
    found["usage"], _ = median_of(runs, [*hearten(), "trial", "create"], env, tmp, ok=(1, 2))
    lines.append(row(f"{label}: `hearten trial create` (usage error)", found["usage"]))
    analyse = [*hearten(), "analyse", str(data), "--outcome", "y", "--treatment", "d",
               *[a for c in COVARIATES for a in ("--covariate", c)], "--cluster", "g",
               "--vcov", "CR2", "--json"]  # fmt: skip
    found["analyse"], _ = median_of(runs, analyse, env, tmp)
    lines.append(row(f"{label}: `hearten analyse` (CR2)", found["analyse"]))
    if demo:
        found["demo"] = measure([*hearten(), "demo"], env, tmp, (0,))
        lines.append(row(f"{label}: `hearten demo` (fresh home, once)", found["demo"]))
        report = [*hearten(), "trial", "report", "demo-letters"]
        found["report"], _ = median_of(runs, report, env, tmp)
        lines.append(row(f"{label}: `hearten trial report demo-letters`", found["report"]))
    return lines, found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", help="an earlier commit to measure beside the working tree")
    parser.add_argument("--demo", action="store_true", help="also time the demo and a report")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--clusters", type=int, default=2_000)
    parser.add_argument("--quick", action="store_true", help="3 runs, 20,000 rows")
    parser.add_argument("--out", type=Path)
    a = parser.parse_args()
    if a.quick:
        a.runs, a.rows, a.clusters = 3, 20_000, 400
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        data = tmp / "data.csv"
        write_data(data, a.rows, a.clusters)
        rscript = shutil.which("Rscript")
        r_run: Run | None = None
        if rscript:
            script = tmp / "fit.R"
            script.write_text(R_FIT.format(data=data, covariates=" + ".join(COVARIATES)))
            r_run, _ = median_of(a.runs, [rscript, str(script)], dict(os.environ), tmp)
        worktree = None
        if a.before:
            worktree = tmp / "before"
            subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q",
                            str(worktree), a.before], check=True)  # fmt: skip
        try:
            lines, now = code_rows("now", None, tmp, data, a.runs, a.demo)
            before_lines: list[str] = []
            before: dict[str, Run] = {}
            if worktree is not None:
                before_lines, before = code_rows(
                    f"before ({a.before[:7]})", worktree / "src", tmp, data, a.runs, a.demo
                )
        finally:
            if worktree is not None:
                subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force",
                                str(worktree)], check=False)  # fmt: skip
        mine = json.loads(now["analyse"].out)
        agreement = "R not installed: no comparison"
        if r_run is not None:
            theirs = [float(v) for v in r_run.out.split()]
            ours = [mine["estimate"], mine["std_error"], mine["df"]]
            if not np.allclose(ours, theirs, rtol=1e-6, atol=0):
                raise SystemExit(f"Hearten {ours} and estimatr {theirs} disagree")
            agreement = (
                "estimate, standard error and df agree with estimatr within 1e-6 relative "
                f"({mine['estimate']:.6f}, {mine['std_error']:.6f}, {mine['df']:.1f})"
            )
    table = [
        f"## Start-up and whole commands: CPU per process (median of {a.runs} runs)",
        "",
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}. "
        "CPU is user + system time of the process and its children (getrusage), the measure "
        "to read on a shared machine; wall time is for reference only. "
        f"`hearten analyse` and R fit {a.rows:,} rows, {a.clusters:,} clusters and "
        f"{len(COVARIATES)} covariates with CR2 standard errors; {agreement}.",
        "",
        "| command | CPU | wall | note |",
        "| --- | --- | --- | --- |",
        *before_lines,
        *lines,
    ]
    if r_run is not None:
        ratio = r_run.cpu / now["analyse"].cpu
        table.append(row("`Rscript` with `estimatr::lm_robust` (CR2), same file", r_run,
                         f"{ratio:.1f}× the CPU of `hearten analyse` now"))  # fmt: skip
        if "analyse" in before:
            table.append(
                f"| ratio before | | | R took {r_run.cpu / before['analyse'].cpu:.1f}× the CPU "
                "of `hearten analyse` before |"
            )
    text = "\n".join(table) + "\n"
    if a.out:
        a.out.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
