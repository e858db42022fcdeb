"""Every side-by-side comparison, one command, one Markdown table file.

Run from the repository:  python3 -m uv run python benchmarks/run_all.py [--quick]
Writes ``benchmarks/RESULTS.md`` (or ``--out FILE``): the machine, the date, and each
benchmark's table (median of several runs, min and max, peak memory, ratio against each peer
measured in the same run). Installs the peers first: R with estimatr, clubSandwich, MASS,
sandwich and survival from Debian's packages (when one is missing and this runs as root), and
the Python peers (pyfixest with numba) for the resampling run only, through ``uv run --with``.
A peer that cannot be installed is reported as missing in its table, never skipped. Set
``DATABASE_URL`` to a PostgreSQL server to compare the survey load on both databases.
``--quick`` runs smaller sizes (a smoke test of the harness, not a result to quote).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
#: The commit before the start-up work (issue 22): `startup.py` measures it beside the tree.
BEFORE = "a7411f9"
R_PACKAGES = [
    "r-base-core", "r-cran-estimatr", "r-cran-clubsandwich", "r-cran-mass", "r-cran-sandwich",
    "r-cran-survival",
]  # fmt: skip


def install_r() -> str:
    """Install R and the peers' packages from Debian when missing; say what happened."""
    libraries = ("estimatr", "clubSandwich", "MASS", "sandwich", "survival")
    check = "quit(status = !all(sapply(c({}), requireNamespace, quietly = TRUE)))".format(
        ", ".join(f'"{name}"' for name in libraries)
    )
    rscript = shutil.which("Rscript")
    if rscript and subprocess.run([rscript, "-e", check], check=False).returncode == 0:
        return "R and its packages found"
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        return "R missing (not root or no apt-get): R peers reported as missing"
    print("installing R peers from Debian ...", file=sys.stderr)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], env=env, check=False)
    done = subprocess.run(["apt-get", "install", "-y", "-qq", *R_PACKAGES], env=env, check=False)
    return "R installed" if done.returncode == 0 else "R install failed: peers reported missing"


def runs(quick: bool) -> list[tuple[str, list[str]]]:
    """(title, command) for every benchmark."""
    py = [sys.executable]
    uv = os.environ.get("UV") or shutil.which("uv") or "uv"  # `uv run` names itself in UV
    uv_with = [uv, "run", "--with", "pyfixest[numba]", "python"]
    rows = [1_000, 20_000] if quick else [1_000, 100_000, 1_000_000]
    out: list[tuple[str, list[str]]] = [
        (f"CR2 at {n:,} rows", [*py, str(HERE / "cr2_vs_estimatr.py"), "--rows", str(n),
                                "--clusters", str(min(2_000, n // 10)), "--runs", "3"])
        for n in rows
    ]  # fmt: skip
    out += [
        ("Counts and survival", [*py, str(HERE / "counts_survival_vs_r.py"), "--people",
                                 "20000" if quick else "100000"]),
        ("Resampling", [*uv_with, str(HERE / "resampling_vs_peers.py"), "--runs",
                        "1" if quick else "3"]),
        ("Simulation", [*py, str(HERE / "simulate_vs_statsmodels.py"), "--reps",
                        "1000" if quick else "10000"]),
        ("Start-up and whole commands", [*py, str(HERE / "startup.py"), "--before", BEFORE,
                                         "--demo", *(["--quick"] if quick else [])]),
        ("Survey load", [*py, str(HERE / "survey_load.py"), "--seconds",
                         "5" if quick else "30", "--people", "2000" if quick else "8000"]),
    ]  # fmt: skip
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS.md")
    a = parser.parse_args()
    r_status = install_r()
    sections = [
        "# Benchmarks: Hearten beside its peers",
        "",
        f"{date.today():%d %B %Y} on {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}; {r_status}."
        + (" Quick sizes (a harness check, not a result)." if a.quick else ""),
        "Made by `python3 -m uv run python benchmarks/run_all.py`; each table's script says "
        "what it compares and checks agreement before it times anything.",
        "",
    ]
    failed = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, (title, command) in enumerate(runs(a.quick)):
            print(f"[{i + 1}/{len(runs(a.quick))}] {title} ...", file=sys.stderr)
            table = Path(tmp) / f"{i}.md"
            start = time.monotonic()
            done = subprocess.run([*command, "--out", str(table)], cwd=HERE.parent, check=False)
            took = time.monotonic() - start
            if done.returncode != 0 or not table.exists():
                failed.append(title)
                sections += [f"## {title}", "", f"FAILED (exit {done.returncode}).", ""]
                continue
            sections += [table.read_text().rstrip(), "", f"_({took:.0f} s in all)_", ""]
    a.out.write_text("\n".join(sections))
    print(f"wrote {a.out}", file=sys.stderr)
    if failed:
        print("failed: " + ", ".join(failed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
