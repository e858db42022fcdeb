"""Binary, count and time-to-event models of a file's treatment, on the ratio scale.

The odds ratio (logistic, with the risk difference as the average marginal effect), the rate
ratio (Poisson or negative binomial with exposure) or the hazard ratio (Cox, with
Kaplan–Meier curves), each with a cluster-robust normal test; or, for counts and time to
event, randomisation inference (:mod:`hearten.stats.ratio_inference`) or the wild score
bootstrap (:mod:`hearten.stats.score_bootstrap`), which keep their size with few clusters.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd
from scipy import special

from hearten.analysis.arm_effect import ArmEffect, Interval
from hearten.analysis.effects import Ratio, Resampled
from hearten.analysis.table_result import (
    BinaryDiagnostics,
    CountDiagnostics,
    Diagnostics,
    ResultFamily,
    RiskDifference,
    Sample,
    SurvivalDiagnostics,
    TableResult,
)

if TYPE_CHECKING:
    from hearten.analysis.table_fit import TableRows
    from hearten.analysis.table_spec import TableSpec
    from hearten.stats.inference import ResamplingTest


@dataclass(frozen=True, slots=True)
class RatioFit:
    """A ratio-scale model of the treatment, before inference is chosen.

    Attributes:
        family: the model fitted; outcome: the outcome as the result labels it.
        log_ratio, std_error, p_value: the treatment's coefficient and its normal test.
        ratio: the ratio and its normal interval.
        n, n_clusters: rows and clusters.
        risk_difference: the average marginal effect (binary only).
        diagnostics: the model's diagnostics.
    """

    family: ResultFamily
    outcome: str
    log_ratio: float
    std_error: float
    p_value: float
    ratio: Ratio
    n: int
    n_clusters: int | None
    risk_difference: RiskDifference | None
    diagnostics: Diagnostics


def fit_ratio(spec: TableSpec, rows: TableRows) -> TableResult:
    """A binary, count or Cox model of ``rows`` (z tests, ratio scale; with a resampling
    ``method``, counts and time to event by randomisation inference or the wild score
    bootstrap)."""
    fit = _fit_model(spec, rows)
    coef, se, p = fit.log_ratio, fit.std_error, fit.p_value
    z = float(special.ndtri(1 - spec.alpha / 2))
    low, high = coef - z * se, coef + z * se
    warnings: list[str] = []
    ratio, resampled = fit.ratio, None
    if spec.resampled_ratio:
        test = _resampling_test(spec, rows, fit)
        p, low, high = test.p_value, test.conf_low, test.conf_high
        # An unbounded end stays unbounded on the ratio scale (0 would read as a bound).
        ratio = Ratio(
            ratio.name,
            ratio.value,
            Interval(float(np.exp(low)) if np.isfinite(low) else -np.inf, float(np.exp(high))),
        )
        assert spec.method != "analytic"
        resampled = Resampled.of_test(test, spec.method)
    elif (
        fit.n_clusters is not None
        and fit.n_clusters < _ri_below_clusters()
        and fit.family != "binomial"
    ):
        warnings.append(
            f"only {fit.n_clusters} clusters: the cluster-robust normal test is too ready to "
            "find a difference; add --method ri --seed N for a randomisation test"
        )
    vcov = "cluster-robust" if fit.n_clusters else "HC0"
    conf_low, conf_high = Interval(low, high).stored()
    effect = ArmEffect(
        term=rows.treated, estimate=coef, std_error=se, df=None, statistic=coef / se, p_value=p,
        conf_low=conf_low, conf_high=conf_high, n=fit.n, n_clusters=fit.n_clusters,
        vcov_type=vcov, alpha=spec.alpha,
    )  # fmt: skip
    return TableResult(
        estimand="ITT",
        family=fit.family,
        contrast=rows.contrast(spec, fit.outcome),
        effect=effect,
        sample=Sample(fit.n, fit.n_clusters, rows.n_dropped),
        vcov=vcov,
        adjustment="ancova" if rows.covariates else "none",
        alpha=spec.alpha,
        resampled=resampled,
        warnings=tuple(warnings),
        ratio=ratio,
        risk_difference=fit.risk_difference,
        diagnostics=fit.diagnostics,
    )


def _fit_model(spec: TableSpec, rows: TableRows) -> RatioFit:
    """The Cox, logistic or count model the specification names."""
    complete, arm, control = rows.frame, rows.arm, rows.control
    covs = rows.covariates or None
    if spec.time is not None and spec.event is not None:
        from hearten.stats.survival import estimate_cox, kaplan_meier

        time, event = spec.time, spec.event
        cox = estimate_cox(
            complete[time], complete[event], arm, control, covs, rows.strata, rows.clusters,
            spec.alpha,
        )  # fmt: skip
        hr = cox.effects[0]
        horizon = float(complete[time].max())
        days = [d for d in (90.0, 180.0, 270.0, 365.0) if d <= horizon] or [horizon]
        curves = kaplan_meier(complete[time], complete[event], arm, days)
        return RatioFit(
            "cox", f"time {time}, event {event}", hr.log_hr, hr.std_error, hr.p_value,
            Ratio("hazard_ratio", hr.hazard_ratio, Interval(hr.conf_low, hr.conf_high)),
            cox.n, cox.n_clusters, None, SurvivalDiagnostics(cox.events, tuple(curves)),
        )  # fmt: skip
    assert spec.outcome is not None
    outcome = spec.outcome
    if spec.family == "binomial":
        from hearten.stats.binary import estimate_binary

        b = estimate_binary(
            complete[outcome], arm, control, covs, rows.strata, rows.clusters, spec.alpha
        )
        e = b.effects[0]
        return RatioFit(
            "binomial", outcome, e.log_odds, e.std_error, e.p_value,
            Ratio("odds_ratio", e.odds_ratio, Interval(e.or_conf_low, e.or_conf_high)),
            b.n, b.n_clusters,
            RiskDifference(
                e.risk_difference, e.rd_std_error, e.rd_conf_low, e.rd_conf_high, e.rd_p_value
            ),
            BinaryDiagnostics(b.control_risk),
        )  # fmt: skip
    assert spec.exposure is not None
    from hearten.stats.counts import estimate_counts

    c = estimate_counts(
        complete[outcome], arm, control, complete[spec.exposure], covs, rows.strata,
        rows.clusters, "poisson" if spec.family == "poisson" else "negbin", spec.alpha,
    )  # fmt: skip
    rr = c.effects[0]
    return RatioFit(
        c.family, outcome, rr.log_rr, rr.std_error, rr.p_value,
        Ratio("rate_ratio", rr.rate_ratio, Interval(rr.conf_low, rr.conf_high)),
        c.n, c.n_clusters, None,
        CountDiagnostics(
            c.theta, c.theta_se, c.note, c.pearson_dispersion, c.zeros_observed,
            c.zeros_expected,
        ),
    )  # fmt: skip


def _ri_below_clusters() -> int:
    """Below how many clusters a ratio's normal test is flagged (imported when needed: the
    module imports statsmodels)."""
    from hearten.stats.ratio_inference import RI_BELOW_CLUSTERS

    return RI_BELOW_CLUSTERS


def _count_family(fit: RatioFit) -> Literal["poisson", "negbin"]:
    """The count family actually fitted (Poisson where negbin met the Poisson boundary)."""
    return "poisson" if fit.family == "poisson" else "negbin"


def _resampling_test(spec: TableSpec, rows: TableRows, fit: RatioFit) -> ResamplingTest:
    """The randomisation test of a count or Cox model (:mod:`hearten.stats.ratio_inference`),
    or with ``wild`` the wild score bootstrap (:mod:`hearten.stats.score_bootstrap`)."""
    complete = rows.frame
    treat = (np.asarray(rows.arm) != rows.control).astype(float)
    x = np.column_stack(list(rows.covariates.values())) if rows.covariates else None
    seed = spec.seed or 0
    if spec.method == "wild":
        from hearten.stats.score_bootstrap import count_scores, cox_scores, wild_score_test

        assert rows.clusters is not None  # the specification asks for a cluster
        if spec.time is not None and spec.event is not None:
            scores = cox_scores(complete[spec.time], complete[spec.event], treat, x, rows.strata)
        else:
            assert spec.outcome is not None
            assert spec.exposure is not None
            scores = count_scores(
                complete[spec.outcome], treat, complete[spec.exposure], x, rows.strata,
                _count_family(fit),
            )  # fmt: skip
        return wild_score_test(
            scores, rows.clusters, fit.log_ratio, fit.std_error, spec.reps, seed, spec.alpha
        )
    from hearten.stats.ratio_inference import (
        count_residuals,
        cox_residuals,
        ratio_randomisation_test,
    )

    s_codes = (
        pd.factorize(pd.Series(rows.strata), sort=True)[0].astype(np.int64)
        if rows.strata is not None
        else np.zeros(len(treat), dtype=np.int64)
    )
    if spec.time is not None and spec.event is not None:
        residuals = cox_residuals(complete[spec.time], complete[spec.event], treat, x, s_codes)
    else:
        assert spec.outcome is not None
        assert spec.exposure is not None
        residuals = count_residuals(
            complete[spec.outcome], treat, complete[spec.exposure], x, s_codes,
            _count_family(fit),
        )  # fmt: skip
    return ratio_randomisation_test(
        residuals, treat, fit.log_ratio, fit.std_error, rows.strata, rows.clusters, spec.reps,
        seed, spec.alpha,
    )  # fmt: skip
