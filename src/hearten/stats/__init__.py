"""Hearten's pure statistics core.

Nothing here imports Django, a database driver, the web app or the CLI (a test enforces
it), so evaluators can use it on their own data::

    from hearten.stats import estimate_itt
    fit = estimate_itt(y, arm, "control", {"baseline": x}, strata=site, cluster=team)
    fit.effects[0], fit.fit.tidy()

The names below are loaded on first use (PEP 562), so importing one module of the core
(``hearten.stats.chunks``, ``hearten.stats.estimate``) does not import every other one and
its libraries (statsmodels, scipy.stats): a command then starts in what it needs.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hearten.stats.balance import BalanceRow, balance_row
    from hearten.stats.compliance import CaceFit, estimate_cace
    from hearten.stats.effect_size import EffectSize, hedges_g, icc_anova
    from hearten.stats.estimate import (
        IttFit,
        OlsFit,
        TermEstimate,
        estimate_itt,
        fit_ols,
        one_sided,
    )
    from hearten.stats.inference import (
        ResamplingTest,
        randomisation_inference,
        wild_cluster_bootstrap,
    )
    from hearten.stats.multiplicity import FamilyAdjustment, adjust_p_values, westfall_young
    from hearten.stats.randomise import Assignment, block_randomise
    from hearten.stats.vcov import VcovType

#: Each public name and the module of the core that defines it.
_WHERE = {
    "BalanceRow": "balance",
    "balance_row": "balance",
    "CaceFit": "compliance",
    "estimate_cace": "compliance",
    "EffectSize": "effect_size",
    "hedges_g": "effect_size",
    "icc_anova": "effect_size",
    "IttFit": "estimate",
    "OlsFit": "estimate",
    "TermEstimate": "estimate",
    "estimate_itt": "estimate",
    "fit_ols": "estimate",
    "one_sided": "estimate",
    "ResamplingTest": "inference",
    "randomisation_inference": "inference",
    "wild_cluster_bootstrap": "inference",
    "FamilyAdjustment": "multiplicity",
    "adjust_p_values": "multiplicity",
    "westfall_young": "multiplicity",
    "Assignment": "randomise",
    "block_randomise": "randomise",
    "VcovType": "vcov",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'hearten.stats' has no attribute {name!r}")
    value = getattr(import_module(f"hearten.stats.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_WHERE])


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
