"""The plan's multiple imputation of one planned outcome, typed, as a parallel trial's run
stores it (:func:`hearten.analysis.imputed.imputed_effects`): its settings, how many were
missing, and each arm's effect pooled by Rubin's rules. Read from and written back to the
stored JSON exactly (:class:`~.keyed.Keyed`). This module imports nothing heavy."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from hearten.analysis.keyed import Keyed, many, mapping
from hearten.analysis.term_result import TermResult


@dataclass(frozen=True, slots=True)
class ImputedEffect(TermResult):
    """One arm's effect pooled over the imputations (the fields of
    :class:`~.term_result.TermResult`, then Rubin's rules' parts).

    Attributes:
        alternative: the plan's alternative.
        within, between: the within- and between-imputation variances.
        fmi, riv: the fraction of missing information and the relative increase in variance.
        df_complete: the complete-data degrees of freedom (Barnard–Rubin).
    """

    alternative: str | None = None
    within: float | None = None
    between: float | None = None
    fmi: float | None = None
    riv: float | None = None
    df_complete: float | None = None


@dataclass(frozen=True, slots=True)
class ImputationResult(Keyed):
    """The plan's multiple imputation of an outcome, or its settings and a ``note`` when it
    could not be run.

    Attributes:
        role: ``"primary"`` (the plan's missing-data analysis) or ``"sensitivity"``.
        imputations, iterations, donors, seed: the plan's settings.
        n: everyone who consented (imputed or answered).
        missing: how many values were imputed, per column (``outcome``, ``baseline``,
            covariates).
        effects: each non-control arm's pooled effect.
        note: why the imputation could not be run, or ``None``.
    """

    role: str
    imputations: int | None = None
    iterations: int | None = None
    donors: int | None = None
    seed: int | None = None
    n: int | None = None
    missing: Mapping[str, int] | None = field(default=None, metadata=mapping())
    effects: tuple[ImputedEffect, ...] = field(default=(), metadata=many(ImputedEffect))
    note: str | None = None
