"""Size with 6, 8 and 12 offices: the randomisation test holds 5%, the normal test does not.

A smaller run of ``benchmarks/ratio_ri_size.py`` (whose full run is quoted in
``docs/explanation/small-sample-inference.md``): 300 null trials per case, each analysed by
the negative binomial or Cox model with the cluster-robust normal test and by the
randomisation test. The seed is fixed, so each rate is reproducible. The randomisation test
is exact (every assignment enumerated, residuals that do not depend on the assignment), so
only Monte Carlo error can carry its rate above 5%: the bounds allow three Monte Carlo
standard errors (1.3 percentage points each at 300 trials) either way.
"""

from __future__ import annotations

import math

import pytest

from tests.stats.size_simulation import rejection_rates

pytestmark = pytest.mark.slow

TRIALS = 300
ALPHA = 0.05
MC_SE = math.sqrt(ALPHA * (1 - ALPHA) / TRIALS)


@pytest.mark.parametrize("offices", [6, 8, 12])
@pytest.mark.parametrize("model", ["negbin", "cox"])
def test_randomisation_inference_holds_its_size_where_the_normal_test_does_not(
    model: str, offices: int
) -> None:
    normal, ri = rejection_rates(model, offices, TRIALS, seed=20261130)  # type: ignore[arg-type]
    assert ri <= ALPHA + 3 * MC_SE
    assert normal > ALPHA + 3 * MC_SE
