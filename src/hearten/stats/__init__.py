"""Hearten's pure statistics core.

Nothing here imports Django, a database driver, the web app or the CLI (a test enforces
it), so evaluators can use it on their own data::

    from hearten.stats import estimate_itt
    fit = estimate_itt(y, arm, "control", {"baseline": x}, strata=site, cluster=team)
    fit.effects[0], fit.fit.tidy()
"""

from hearten.stats.balance import BalanceRow, balance_row
from hearten.stats.compliance import CaceFit, estimate_cace
from hearten.stats.effect_size import EffectSize, hedges_g, icc_anova
from hearten.stats.estimate import IttFit, OlsFit, TermEstimate, estimate_itt, fit_ols, one_sided
from hearten.stats.inference import (
    ResamplingTest,
    randomisation_inference,
    wild_cluster_bootstrap,
)
from hearten.stats.multiplicity import FamilyAdjustment, adjust_p_values, westfall_young
from hearten.stats.randomise import Assignment, block_randomise
from hearten.stats.vcov import VcovType

__all__ = [
    "Assignment",
    "BalanceRow",
    "CaceFit",
    "EffectSize",
    "FamilyAdjustment",
    "IttFit",
    "OlsFit",
    "ResamplingTest",
    "TermEstimate",
    "VcovType",
    "adjust_p_values",
    "balance_row",
    "block_randomise",
    "estimate_cace",
    "estimate_itt",
    "fit_ols",
    "hedges_g",
    "icc_anova",
    "one_sided",
    "randomisation_inference",
    "westfall_young",
    "wild_cluster_bootstrap",
]
