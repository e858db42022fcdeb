"""One term's estimate as a stored run keeps it beside the planned effects: the differential
attrition between arms, the multilevel sensitivity model's effects, a site's own effect and
an imputed effect (:class:`TermResult`, as :class:`hearten.stats.estimate.TermEstimate`
stores it).

Read from and written back to the stored JSON exactly (:class:`~.keyed.Keyed`): a key a
section does not store (the multilevel model stores no ``n``) stays absent when written back.
Each is made from the fit's :class:`~hearten.stats.estimate.TermEstimate` by
:meth:`TermResult.of_term`. This module imports nothing heavy (the report reads stored runs
through it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Self

from hearten.analysis.keyed import Keyed

if TYPE_CHECKING:
    from hearten.stats.estimate import TermEstimate


def open_end(end: float) -> float | None:
    """An interval's end as stored: an infinite (open) end is ``None``, the others as they
    are."""
    return None if math.isinf(end) else end


@dataclass(frozen=True, slots=True)
class TermResult(Keyed):
    """One term's estimate and its test.

    Attributes:
        term: the arm (or term) estimated against control.
        estimate, std_error, df, statistic, p_value: the estimate and its test.
        conf_low, conf_high: its interval (an open end of a one-sided interval is ``None``).
        n, n_clusters: people and clusters analysed (``None`` when not stored).
        vcov_type: the variance estimator, alpha: the significance level.
    """

    term: str
    estimate: float
    std_error: float | None = None
    df: float | None = None
    statistic: float | None = None
    p_value: float | None = None
    conf_low: float | None = None
    conf_high: float | None = None
    n: int | None = None
    n_clusters: int | None = None
    vcov_type: str | None = None
    alpha: float | None = None

    @classmethod
    def of_term(cls, term: TermEstimate) -> Self:
        """One coefficient of a fit (:class:`hearten.stats.estimate.TermEstimate`), with the
        keys a run stores from it; an open end of its interval is ``None``. A subclass's own
        fields take their defaults."""
        return cls(
            term=term.term,
            estimate=term.estimate,
            std_error=term.std_error,
            df=term.df,
            statistic=term.statistic,
            p_value=term.p_value,
            conf_low=open_end(term.conf_low),
            conf_high=open_end(term.conf_high),
            n=term.n,
            n_clusters=term.n_clusters,
            vcov_type=term.vcov_type,
            alpha=term.alpha,
        )
