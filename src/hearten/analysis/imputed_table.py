"""``hearten analyse FILE --impute M --seed S``: missing outcomes multiply imputed.

Rows missing the outcome or a covariate are kept and their gaps imputed ``M`` times by
chained equations with predictive mean matching within each arm (with the covariates and
strata as predictors, as R ``mice``); each completed file is analysed by the same ITT
(ANCOVA or Lin, strata, CR2 or the chosen variance) and the results pooled by Rubin's rules
with Barnard–Rubin df (:mod:`hearten.stats.imputation`). Rows missing the treatment, cluster
or strata cannot be imputed and are dropped, as without ``--impute``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from hearten.analysis.standalone import StandaloneResult, _arms, _effect_size, g_summary
from hearten.errors import DataError
from hearten.stats.estimate import Adjustment, TermEstimate
from hearten.stats.imputation import estimate_itt_imputed
from hearten.stats.vcov import VcovType


def analyse_imputed(
    frame: pd.DataFrame,
    outcome: str,
    treatment: str,
    covariates: Sequence[str],
    cluster: str | None,
    strata: str | None,
    vcov: VcovType | None,
    lin: bool,
    control: str | None,
    alpha: float,
    imputations: int,
    seed: int,
) -> StandaloneResult:
    """The ITT of ``treatment`` on ``outcome`` with its gaps imputed (see the module)."""
    design = [c for c in (treatment, cluster, strata) if c is not None]
    kept = frame.dropna(subset=design)
    n_dropped = len(frame) - len(kept)
    if kept[outcome].notna().sum() < 4:
        raise DataError(f"only {kept[outcome].notna().sum()} rows have an outcome to impute from")
    arm, control_label, treated_label = _arms(kept[treatment], treatment, control)
    covs = {c: kept[c].to_numpy(dtype=float) for c in covariates}
    clusters = kept[cluster].to_numpy() if cluster else None
    stratum = kept[strata].astype(str).tolist() if strata else None
    adjustment: Adjustment = ("lin" if lin else "ancova") if covs else "none"
    fit = estimate_itt_imputed(
        kept[outcome].to_numpy(dtype=float), arm, control_label, covs or None, stratum,
        clusters, vcov, imputations, seed, alpha, adjustment,
    )  # fmt: skip
    p = fit.effects[0].pooled
    n_clusters = int(pd.Series(clusters).nunique()) if clusters is not None else None
    kind: VcovType = vcov or ("CR2" if clusters is not None else "HC2")
    term = TermEstimate(
        treated_label, p.estimate, p.std_error, p.df, p.statistic, p.p_value,
        p.conf_low, p.conf_high, fit.n, n_clusters, kind, alpha,
    )  # fmt: skip
    # Hedges' g: the pooled estimate over the observed outcomes' pooled SD.
    seen = kept[outcome].notna().to_numpy()
    effect = _effect_size(
        replace(term, n=int(seen.sum())),
        kept[outcome].to_numpy(dtype=float)[seen],
        list(np.asarray(arm, dtype=object)[seen]),
        control_label,
        clusters[seen] if clusters is not None else None,
        alpha,
    )
    imputation: dict[str, Any] = {
        "imputations": fit.m,
        "seed": fit.seed,
        "iterations": fit.iterations,
        "donors": fit.donors,
        "missing": {outcome if k == "outcome" else k: v for k, v in fit.missing.items()},
        "within": p.within,
        "between": p.between,
        "fmi": p.fmi,
        "df_complete": p.df_complete,
    }
    return StandaloneResult(
        estimate=p.estimate,
        std_error=p.std_error,
        df=p.df,
        statistic=p.statistic,
        p_value=p.p_value,
        conf_low=p.conf_low,
        conf_high=p.conf_high,
        n=fit.n,
        n_clusters=n_clusters,
        n_dropped=n_dropped,
        vcov=kind,
        method="analytic",
        estimand="ITT",
        outcome=outcome,
        treatment=treatment,
        control=control_label,
        treated=treated_label,
        alpha=alpha,
        adjustment=adjustment,
        hedges_g=g_summary(effect),
        imputation=imputation,
    )
