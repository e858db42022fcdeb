"""Hearten's pure statistics core.

Nothing here imports Django, a database driver, the web app or the CLI (a test enforces
it), so evaluators can use it on their own data::

    from hearten.stats import fit_ols
    fit = fit_ols(y, X, names=["(Intercept)", "treat"], cluster=team, vcov="CR2")
    fit.tidy()
"""

from hearten.stats.balance import BalanceRow, balance_row
from hearten.stats.estimate import OlsFit, fit_ols, itt_ancova
from hearten.stats.randomise import Assignment, block_randomise
from hearten.stats.vcov import VcovType

__all__ = [
    "Assignment",
    "BalanceRow",
    "OlsFit",
    "VcovType",
    "balance_row",
    "block_randomise",
    "fit_ols",
    "itt_ancova",
]
