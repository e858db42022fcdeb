"""The primary model's coefficient table as a parallel trial's run stores it, typed.

:class:`Coefficient` is one row of the primary fit's ``tidy()`` (the column names estimatr's
``tidy()`` uses; :meth:`hearten.stats.estimate.OlsFit.tidy`), read from and written back
to the stored JSON exactly (:class:`~hearten.analysis.keyed.Keyed`); a run makes the table
from its fit with :meth:`Coefficient.table`.

This module imports nothing heavy (the report reads stored runs through it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from hearten.analysis.keyed import Keyed

if TYPE_CHECKING:
    from hearten.stats.estimate import OlsFit


@dataclass(frozen=True, slots=True)
class Coefficient(Keyed):
    """One coefficient of the primary model: its ``term`` (an arm, a covariate, a stratum or
    the intercept), ``estimate``, ``std_error``, ``statistic``, ``p_value``, interval
    (``conf_low``, ``conf_high``) and ``df``."""

    term: str
    estimate: float | None = None
    std_error: float | None = None
    statistic: float | None = None
    p_value: float | None = None
    conf_low: float | None = None
    conf_high: float | None = None
    df: float | None = None

    @classmethod
    def table(cls, fit: OlsFit) -> tuple[Coefficient, ...]:
        """Every coefficient of ``fit``, in its order: the rows of its ``tidy()``."""
        return tuple(
            cls(
                term=name,
                estimate=float(fit.coef[i]),
                std_error=float(fit.std_error[i]),
                statistic=float(fit.statistic[i]),
                p_value=float(fit.p_value[i]),
                conf_low=float(fit.conf_low[i]),
                conf_high=float(fit.conf_high[i]),
                df=float(fit.df[i]),
            )
            for i, name in enumerate(fit.names)
        )
