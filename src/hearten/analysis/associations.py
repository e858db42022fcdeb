"""Working conditions beside the effect, as a parallel trial's run stores them, typed.

:class:`StressorAssociation` is one working condition's association with the baseline score
(:class:`hearten.stats.stressors.StressorAssociation`, stored by
:func:`hearten.analysis.working_conditions.stressors`), read from and written back to the
stored JSON exactly (:class:`~hearten.analysis.keyed.Keyed`) and made from the statistics'
own, whose fields are its stored keys, by :meth:`~hearten.analysis.keyed.Keyed.of`.

This module imports nothing heavy (the report reads stored runs through it).
"""

from __future__ import annotations

from dataclasses import dataclass

from hearten.analysis.keyed import Keyed


@dataclass(frozen=True, slots=True)
class StressorAssociation(Keyed):
    """How a working condition goes with the score at baseline.

    Attributes:
        stressor: its name; n: people with both values; sd: its standard deviation.
        per_unit, std_error, df, p_value, conf_low, conf_high: the slope per unit.
        per_sd: the slope per standard deviation.
        equivalent_change: the change in the condition that goes with as large a difference
            as the treatment effect, or ``None``.
    """

    stressor: str
    n: int | None = None
    sd: float | None = None
    per_unit: float | None = None
    std_error: float | None = None
    df: float | None = None
    p_value: float | None = None
    conf_low: float | None = None
    conf_high: float | None = None
    per_sd: float | None = None
    equivalent_change: float | None = None
