"""The multilevel sensitivity analysis of the primary outcome, typed, as a parallel trial's
run stores it: random team intercepts, fixed strata and covariates, REML and Satterthwaite df
(:func:`hearten.analysis.outcomes.multilevel_estimate`). Read from and written back to the
stored JSON exactly (:class:`~.keyed.Keyed`). This module imports nothing heavy."""

from __future__ import annotations

from dataclasses import dataclass, field

from hearten.analysis.keyed import Keyed, many
from hearten.analysis.term_result import TermResult


@dataclass(frozen=True, slots=True)
class MultilevelResult(Keyed):
    """The random-intercepts model's effects, or only a ``note`` when it could not be fitted.

    Attributes:
        effects: each non-control arm's effect (term, estimate, std_error, df, interval, p).
        tau2, sigma2: the between-team and within-team variances.
        teams: teams in the model.
        note: why the model could not be fitted (no team variance, too few teams), or ``None``.
    """

    effects: tuple[TermResult, ...] = field(default=(), metadata=many(TermResult))
    tau2: float | None = None
    sigma2: float | None = None
    teams: int | None = None
    note: str | None = None
