"""Size of the absence and leaving tests with few clusters: normal sandwich against
randomisation inference (``hearten.stats.ratio_inference``).

Simulates cluster-randomised trials with no effect: half of ``G`` offices treated (6, 8 or 12
offices of 5 to 15 people), absence days negative binomial (θ = 0.8) around an office frailty
(gamma, variance 0.25) with FTE-day exposure, and days to leaving exponential around an office
frailty, censored at a year. Each trial is analysed as Hearten does: the negative binomial and
Cox models with the cluster-robust normal test, and the randomisation test of the same model
(every assignment enumerated). Prints the share of trials rejecting at 5% with its Monte Carlo
standard error. The slow tests in ``tests/stats/test_ratio_inference_size.py`` run a smaller
version of this; the full run (``--trials 2000``) is quoted in
``docs/explanation/small-sample-inference.md``.

    python benchmarks/ratio_ri_size.py --trials 2000
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "stats"))

from size_simulation import rejection_rates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=20261130)
    args = parser.parse_args()
    print("model   offices  trials  normal (MC SE)   randomisation (MC SE)")
    for model in ("negbin", "cox"):
        for G in (6, 8, 12):
            normal, ri = rejection_rates(model, G, args.trials, args.seed)
            se = np.sqrt(0.05 * 0.95 / args.trials)
            print(
                f"{model:7} {G:7d} {args.trials:7d}  {normal:.3f}            {ri:.3f}   (±{se:.3f})"
            )


if __name__ == "__main__":
    main()
