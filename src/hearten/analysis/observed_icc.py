"""An outcome's observed clustering at analysis, typed, as a parallel trial's run stores it
(CONSORT 17a; :func:`hearten.analysis.outcomes.observed_clustering`): the REML ICC with its
profile-likelihood interval, the MDES recomputed from the sample analysed, and Hedges' g on
the total variance. Read from and written back to the stored JSON exactly
(:class:`~.keyed.Keyed`). This module imports nothing heavy."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from hearten.analysis.keyed import Keyed, many, mapping


@dataclass(frozen=True, slots=True)
class ObservedIcc(Keyed):
    """The outcome's observed intraclass correlation among randomised units.

    Attributes:
        icc: REML's ICC; conf_low, conf_high: its profile-likelihood interval.
        total_variance: the model's between- plus within-team variance.
        eef_g: per arm, Hedges' g on the total variance, ``{"g", "conf_low", "conf_high"}``.
        teams, people: units and people in the model.
        r2_within, r2_between: the R² the baseline explains within and between units.
        mdes: per arm, the MDES at 80% power from the sample analysed (``None``: not
            computable).
        notes: the estimator's notes.
    """

    icc: float | None = None
    total_variance: float | None = None
    eef_g: Mapping[str, Mapping[str, float | None]] | None = field(default=None, metadata=mapping())
    conf_low: float | None = None
    conf_high: float | None = None
    teams: int | None = None
    people: int | None = None
    r2_within: float | None = None
    r2_between: float | None = None
    mdes: Mapping[str, float | None] | None = field(default=None, metadata=mapping())
    notes: tuple[str, ...] = field(default=(), metadata=many())
