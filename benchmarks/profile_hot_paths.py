"""Profile the hot paths and set each against this machine's physical limits.

Run from the repository:
    python3 -m uv run --with pyinstrument python benchmarks/profile_hot_paths.py [--out DIR]

First measures the machine: double-precision matrix multiply speed (numpy's BLAS on all
cores, the floating-point ceiling) and memory bandwidth (a large array copy). Then profiles,
with pyinstrument, the paths where Hearten spends its time: randomisation inference (10,000
re-draws, 10,000 people), the wild cluster bootstrap (9,999 draws, 40 clusters), the batched
simulation (2,000 replications of a 920-person trial), CR2 on 100,000 rows, and opening and
sending a survey page (in-process, SQLite). For the numeric paths it prints the work done
(floating-point operations, bytes streamed: counted from the algorithm, see
``docs/explanation/performance.md``) and the achieved fraction of the limit. Writes each
profile as text (and HTML) to ``--out`` (default ``benchmarks/profiles``).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def best_of(fn: Callable[[], Any], runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def machine() -> tuple[float, float]:
    """Peak matrix-multiply GFLOP/s (all cores) and copy bandwidth GB/s."""
    a = np.random.default_rng(0).normal(size=(3000, 3000))
    gflops = 2 * 3000**3 / best_of(lambda: a @ a) / 1e9
    big = np.ones(2**26)  # 512 MB
    out = np.empty_like(big)
    gbs = 2 * big.nbytes / best_of(lambda: np.copyto(out, big)) / 1e9
    return gflops, gbs


def profile(name: str, fn: Callable[[], Any], folder: Path) -> float:
    from pyinstrument import Profiler

    fn()  # warm up
    profiler = Profiler(interval=0.0005)
    profiler.start()
    start = time.perf_counter()
    fn()
    took = time.perf_counter() - start
    profiler.stop()
    (folder / f"{name}.txt").write_text(profiler.output_text(unicode=True, show_all=False))
    (folder / f"{name}.html").write_text(profiler.output_html())
    return took


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "profiles")
    a = parser.parse_args()
    a.out.mkdir(parents=True, exist_ok=True)
    gflops, gbs = machine()
    print(f"machine: {os.cpu_count()} cores, {gflops:.1f} GFLOP/s (dgemm), {gbs:.1f} GB/s (copy)")

    from cr2_vs_estimatr import hearten_fit, make_data
    from resampling_vs_peers import hearten_ri, hearten_wild, ri_data, wild_data

    from hearten.stats import chunks
    from hearten.stats.simulate import SimulationSpec, simulate

    rows = []
    d = ri_data()
    G, k, R = 200, 5, 10_000  # teams; intercept, x, three site dummies; draws
    took = profile("randomisation_inference", lambda: hearten_ri(d, chunks.in_process), a.out)
    # Per draw, over teams (people never enter): q = F'U (2Gk), three dot products (6G) and
    # the quadratic form (2k²); memory: random keys, their ranks, the 0/1 block and the
    # draw (four G-vectors written and read). Sorting the keys is neither.
    flop = R * (2 * G * k + 6 * G + 2 * k * k)
    byte = R * G * 8 * 4 * 2
    rows.append(("randomisation inference", took, flop / took / 1e9, byte / took / 1e9))
    d40 = wild_data(40)
    G40, B = 40, 9999
    took = profile("wild_bootstrap", lambda: hearten_wild(d40, B), a.out)
    flop = 2 * (2 * G40 * G40 * B) + 5 * 2 * G40 * B  # two G×G by G×B products, reductions
    byte = 12 * G40 * B * 8
    rows.append(("wild cluster bootstrap", took, flop / took / 1e9, byte / took / 1e9))
    spec = SimulationSpec(
        design="bcra3f2", sites=4, clusters=20, cluster_size=11.5, cv=0.5, icc2=0.05,
        pre_post=0.5, effect=0.3, uptake=0.7, attrition=0.15,
    )  # fmt: skip
    reps = 2000
    took = profile("simulation", lambda: simulate(spec, reps, 1), a.out)
    people, kk = 920, 7
    # Per replication: draw the trial (about 20 flop a person), X'X and X'y (2 n k²), the
    # CR2 adjustment per team (about 6 n k² in all) and the Satterthwaite df (about 4 n k²).
    flop = reps * people * (20 + 12 * kk * kk)
    byte = reps * people * kk * 8 * 6
    rows.append(("simulation (batched CR2)", took, flop / took / 1e9, byte / took / 1e9))
    big = make_data(100_000, 2_000, 10)
    took = profile("cr2_100k", lambda: hearten_fit(big), a.out)
    n2, k2 = 100_000, 12
    flop = n2 * (2 * k2 * k2 + 10 * k2 * k2)  # X'X, then the per-cluster QR/eigh/products
    rows.append(("CR2, 100,000 rows", took, flop / took / 1e9, n2 * k2 * 8 * 6 / took / 1e9))
    print()
    print("| path | time | GFLOP/s (share of dgemm) | GB/s (share of copy) |")
    print("| --- | --- | --- | --- |")
    for name, took, gf, gb in rows:
        print(
            f"| {name} | {took:.3f} s | {gf:.2f} ({100 * gf / gflops:.1f}%) | "
            f"{gb:.2f} ({100 * gb / gbs:.0f}%) |"
        )
    print(f"\nprofiles written to {a.out}/ (text and HTML, one per path)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
