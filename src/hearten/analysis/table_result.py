"""The result of ``hearten analyse FILE``: frozen, typed, and read by the command line.

:class:`TableResult` is built once, from typed parts (the effect and its Hedges' g as a trial's
run stores them, :mod:`hearten.analysis.arm_effect`; :mod:`hearten.analysis.effects` and the
parts below), by :func:`linear_result` for the ITT and CACE (complete cases or multiply
imputed) and by :mod:`hearten.analysis.table_ratio` for binary, count and Cox models. Its
:meth:`~TableResult.to_dict` gives the JSON fields ``hearten analyse --json`` has always
printed, in the same order.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from hearten.analysis.arm_effect import ArmEffect, Interval, StandardisedEffect
from hearten.analysis.effects import Outcomes, Ratio, Resampled, planned_hedges_g
from hearten.analysis.keyed import Keyed
from hearten.analysis.table_spec import Method

if TYPE_CHECKING:
    import pandas as pd

    from hearten.stats.estimate import Adjustment, TermEstimate
    from hearten.stats.inference import ResamplingTest
    from hearten.stats.meta import SitePooling
    from hearten.stats.moderators import ModeratorTerm
    from hearten.stats.survival import SurvivalCurve

Estimand = Literal["ITT", "CACE"]
#: The model behind a result: the linear ITT or CACE, or the family of a ratio-scale model
#: (``cox`` for time to event; ``poisson`` where ``negbin`` was asked but the data sit on the
#: Poisson boundary).
ResultFamily = Literal["gaussian", "binomial", "poisson", "negbin", "cox"]

#: The keys of the effect (:class:`~hearten.analysis.arm_effect.ArmEffect`) and of Hedges' g
#: (:class:`~hearten.analysis.arm_effect.StandardisedEffect`) the result's JSON gives.
_EFFECT_KEYS = ("estimate", "std_error", "df", "statistic", "p_value", "conf_low", "conf_high")
_G_KEYS = ("g", "std_error", "conf_low", "conf_high", "icc")


@dataclass(frozen=True, slots=True)
class Contrast:
    """What was compared: the ``outcome`` (``time T, event E`` for time to event), the
    ``treatment`` column, and its ``control`` and ``treated`` arms."""

    outcome: str
    treatment: str
    control: str
    treated: str


@dataclass(frozen=True, slots=True)
class Sample:
    """Who was analysed: ``n`` rows in ``n_clusters`` clusters (``None`` unclustered), after
    ``n_dropped`` rows missing a column used were dropped."""

    n: int
    n_clusters: int | None
    n_dropped: int


@dataclass(frozen=True, slots=True)
class RiskDifference:
    """A binary outcome's average marginal effect, with its standard error, interval and
    p-value."""

    estimate: float
    std_error: float
    conf_low: float
    conf_high: float
    p_value: float


@dataclass(frozen=True, slots=True)
class BinaryDiagnostics:
    """The share with the outcome in the control arm."""

    control_risk: float


@dataclass(frozen=True, slots=True)
class CountDiagnostics:
    """The negative binomial's ``theta`` and its SE (``None`` for Poisson), why the fit is
    Poisson where negbin was asked (``note``), the Poisson fit's Pearson χ²/df, and the zeros
    observed and expected."""

    theta: float | None
    theta_se: float | None
    note: str | None
    pearson_dispersion: float
    zeros_observed: int
    zeros_expected: float


@dataclass(frozen=True, slots=True)
class SurvivalDiagnostics:
    """How many left during follow-up, and each arm's Kaplan–Meier curve."""

    events: int
    kaplan_meier: tuple[SurvivalCurve, ...]

    def to_dict(self) -> dict[str, Any]:
        """``events`` and the curves as dicts."""
        return {"events": self.events, "kaplan_meier": [asdict(c) for c in self.kaplan_meier]}


Diagnostics = BinaryDiagnostics | CountDiagnostics | SurvivalDiagnostics


@dataclass(frozen=True, slots=True)
class Moderation:
    """Treatment-by-moderator interactions; pre-registered ones carry Holm-adjusted
    p-values (``adjusted_p``), the others are exploratory."""

    terms: tuple[ModeratorTerm, ...]

    @property
    def exploratory(self) -> bool:
        """No moderator was declared pre-registered."""
        return not any(t.pre_registered for t in self.terms)


@dataclass(frozen=True, slots=True)
class Imputation:
    """How the gaps were multiply imputed and what they cost.

    Attributes:
        imputations, seed, iterations, donors: the chained equations' draws.
        missing: values imputed per column, by the column's name.
        within, between: Rubin's within- and between-imputation variances.
        fmi: the fraction of missing information; df_complete: the complete-data df.
    """

    imputations: int
    seed: int
    iterations: int
    donors: int
    missing: Mapping[str, int]
    within: float
    between: float
    fmi: float
    df_complete: float

    def to_dict(self) -> dict[str, Any]:
        """The fields, ``missing`` as a plain dict."""
        return {
            "imputations": self.imputations,
            "seed": self.seed,
            "iterations": self.iterations,
            "donors": self.donors,
            "missing": dict(self.missing),
            "within": self.within,
            "between": self.between,
            "fmi": self.fmi,
            "df_complete": self.df_complete,
        }


@dataclass(frozen=True, slots=True)
class TableResult:
    """One treatment effect from a file, ready to print or serialise.

    Attributes:
        estimand: the ITT, or with an uptake column the CACE.
        family: the model (:data:`ResultFamily`).
        contrast: the outcome and the arms compared.
        effect: the effect and its test, as a trial's run stores an arm's effect (``term``:
            the treated arm). For a linear model, the difference with ``vcov`` standard
            errors and t df; the p-value and interval come from ``resampled`` when there is
            one. For a ratio model, the log ratio with a normal test (``df`` is ``None``).
        sample: rows, clusters and rows dropped.
        vcov: the variance estimator (``cluster-robust`` or ``HC0`` for ratio models).
        adjustment: ``none``, ``ancova`` or ``lin``.
        alpha: significance level.
        resampled: the draws of the wild bootstrap or randomisation inference, if used.
        hedges_g: Hedges' g (a linear model whose outcome has spread), else ``None``.
        first_stage_f: the CACE's first-stage F.
        warnings: what the reader must know before trusting the numbers.
        ratio, risk_difference, diagnostics: a ratio model's ratio and interval, a binary
            outcome's risk difference, and the model's diagnostics.
        moderation, sites, imputation: the interactions, each site's effect and their
            pool, and the multiple imputation, when asked for.
    """

    estimand: Estimand
    family: ResultFamily
    contrast: Contrast
    effect: ArmEffect
    sample: Sample
    vcov: str
    adjustment: Adjustment
    alpha: float
    resampled: Resampled | None = None
    hedges_g: StandardisedEffect | None = None
    first_stage_f: float | None = None
    warnings: tuple[str, ...] = ()
    ratio: Ratio | None = None
    risk_difference: RiskDifference | None = None
    diagnostics: Diagnostics | None = None
    moderation: Moderation | None = None
    sites: SitePooling | None = None
    imputation: Imputation | None = None

    @property
    def method(self) -> Method:
        """How the p-value and interval were found: ``analytic``, ``wild`` or ``ri``."""
        return "analytic" if self.resampled is None else self.resampled.method

    @property
    def level(self) -> int:
        """The intervals' confidence level in percent."""
        return round(100 * (1 - self.alpha))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict; an unbounded interval end (here or in ``ratio``) is ``None``."""
        r, s, c = self.resampled, self.sample, self.contrast
        out: dict[str, Any] = {
            **_keys(self.effect, _EFFECT_KEYS),
            "n": s.n,
            "n_clusters": s.n_clusters,
            "n_dropped": s.n_dropped,
            "vcov": self.vcov,
            "method": self.method,
            "estimand": self.estimand,
            "outcome": c.outcome,
            "treatment": c.treatment,
            "control": c.control,
            "treated": c.treated,
            "alpha": self.alpha,
            "adjustment": self.adjustment,
            "hedges_g": None if self.hedges_g is None else _keys(self.hedges_g, _G_KEYS),
            "reps": None if r is None else r.reps,
            "seed": None if r is None else r.seed,
            "enumerated": None if r is None else r.enumerated,
            "first_stage_f": self.first_stage_f,
            "warnings": list(self.warnings),
            "family": self.family,
            "ratio": None if self.ratio is None else _finite(self.ratio.to_dict()),
            "risk_difference": _maybe_dict(self.risk_difference),
            "diagnostics": _diagnostics(self.diagnostics),
            "moderators": _moderators(self.moderation),
            "sites": _sites(self.sites),
            "imputation": None if self.imputation is None else self.imputation.to_dict(),
        }
        return _finite(out)

    def tidy(self) -> pd.DataFrame:
        """The effect, then each treatment-by-moderator interaction, one row each, in the
        column names estimatr's ``tidy()`` uses (``term``: ``treatment:treated``, or
        ``treatment:treated × moderator[level]``); a ratio model's row is on the log scale."""
        import pandas as pd

        c, e = self.contrast, self.effect
        term = f"{c.treatment}:{c.treated}"
        rows = [
            (term, e.estimate, e.std_error, e.statistic, e.p_value, e.interval.low,
             e.interval.high, e.df),
        ]  # fmt: skip
        for m in self.moderation.terms if self.moderation else ():
            level = f"[{m.level}]" if m.level is not None else ""
            rows.append(
                (f"{term} × {m.moderator}{level}", m.estimate, m.std_error,
                 m.estimate / m.std_error, m.p_value, m.conf_low, m.conf_high, m.df)
            )  # fmt: skip
        columns = ["term", "estimate", "std_error", "statistic", "p_value", "conf_low"]
        return pd.DataFrame(rows, columns=[*columns, "conf_high", "df"])

    def as_json(self) -> str:
        """The result as ``hearten analyse --json`` prints it (indented; no NaN)."""
        return json.dumps(self.to_dict(), indent=2, allow_nan=False)


def _finite(values: dict[str, Any]) -> dict[str, Any]:
    """``values`` with every non-finite float (an unbounded end) made ``None``."""
    return {
        k: None if isinstance(v, float) and not np.isfinite(v) else v for k, v in values.items()
    }


def _keys(part: Keyed, keys: Sequence[str]) -> dict[str, Any]:
    """``keys`` of ``part``'s stored form, in that order."""
    stored = part.to_json()
    return {k: stored[k] for k in keys}


def _maybe_dict(part: Any) -> dict[str, Any] | None:
    return None if part is None else asdict(part)


def _diagnostics(part: Diagnostics | None) -> dict[str, Any] | None:
    if isinstance(part, SurvivalDiagnostics):
        return part.to_dict()
    return _maybe_dict(part)


def _moderators(part: Moderation | None) -> list[dict[str, Any]] | None:
    return None if part is None else [asdict(t) for t in part.terms]


def _sites(part: SitePooling | None) -> dict[str, Any] | None:
    if part is None:
        return None
    return {
        "effects": [{"site": e.site, **asdict(e.effect)} for e in part.effects],
        "pooled": asdict(part.pooled),
    }


def linear_result(
    term: TermEstimate,
    contrast: Contrast,
    outcomes: Outcomes,
    *,
    n_dropped: int,
    alpha: float,
    estimand: Estimand,
    adjustment: Adjustment,
    test: ResamplingTest | None = None,
    method: Method = "analytic",
    first_stage_f: float | None = None,
    warnings: Sequence[str] = (),
    moderation: Moderation | None = None,
    sites: SitePooling | None = None,
    imputation: Imputation | None = None,
) -> TableResult:
    """The result of a linear ITT or CACE: the one builder of the complete-case and the
    imputed analyses.

    ``term`` is the fitted (or Rubin-pooled) treatment coefficient; Hedges' g standardises
    it by ``outcomes`` (:func:`hearten.analysis.effects.planned_hedges_g`, on the analytic
    interval). With a resampling ``test`` (``method`` ``wild`` or ``ri``), its p-value and
    interval replace the analytic ones.
    """
    effect = ArmEffect.of_term(term)
    g = planned_hedges_g(
        term.estimate, term.std_error, effect.interval, outcomes, contrast.treated, alpha
    )
    resampled = None
    if test is not None:
        assert method != "analytic"
        resampled = Resampled.of_test(test, method)
        low, high = Interval(test.conf_low, test.conf_high).stored()
        effect = replace(effect, p_value=test.p_value, conf_low=low, conf_high=high)
    return TableResult(
        estimand=estimand,
        family="gaussian",
        contrast=contrast,
        effect=effect,
        sample=Sample(term.n, term.n_clusters, n_dropped),
        vcov=term.vcov_type,
        adjustment=adjustment,
        alpha=alpha,
        resampled=resampled,
        hedges_g=g,
        first_stage_f=first_stage_f,
        warnings=tuple(warnings),
        moderation=moderation,
        sites=sites,
        imputation=imputation,
    )
