"""The primary model's coefficient table as a parallel trial's run stores it, typed.

:class:`Coefficient` is one row of the primary fit's ``tidy()`` (the column names estimatr's
``tidy()`` uses; :meth:`hearten.stats.estimate.OlsFit.tidy`), read from and written back
to the stored JSON exactly (:class:`~hearten.analysis.keyed.Keyed`).

This module imports nothing heavy (the report reads stored runs through it).
"""

from __future__ import annotations

from dataclasses import dataclass

from hearten.analysis.keyed import Keyed


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
