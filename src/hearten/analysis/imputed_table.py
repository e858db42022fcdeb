"""``hearten analyse FILE --impute M --seed S``: missing outcomes multiply imputed.

Rows missing the outcome or a covariate are kept and their gaps imputed ``M`` times by
chained equations with predictive mean matching within each arm (with the covariates and
strata as predictors, as R ``mice``); each completed file is analysed by the same ITT
(ANCOVA or Lin, strata, CR2 or the chosen variance) and the results pooled by Rubin's rules
with Barnard–Rubin df (:mod:`hearten.stats.imputation`). Rows missing the treatment, cluster
or strata cannot be imputed and are dropped, as without ``--impute``. The result is built by
the complete-case analysis's own builder
(:func:`hearten.analysis.table_result.linear_result`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hearten.analysis.effects import Outcomes
from hearten.analysis.table_file import arms_of
from hearten.analysis.table_result import Contrast, Imputation, TableResult, linear_result
from hearten.analysis.table_spec import TableSpec
from hearten.errors import DataError
from hearten.stats.estimate import Adjustment, TermEstimate
from hearten.stats.imputation import estimate_itt_imputed
from hearten.stats.vcov import VcovType


def analyse_imputed(spec: TableSpec, frame: pd.DataFrame) -> TableResult:
    """The ITT of ``spec.treatment`` on ``spec.outcome`` with its gaps imputed
    ``spec.impute`` times (see the module); ``frame`` holds the columns used, checked."""
    outcome, treatment, cluster, strata = spec.outcome, spec.treatment, spec.cluster, spec.strata
    assert outcome is not None
    assert spec.impute is not None
    assert spec.seed is not None
    design = [c for c in (treatment, cluster, strata) if c is not None]
    kept = frame.dropna(subset=design)
    n_dropped = len(frame) - len(kept)
    if kept[outcome].notna().sum() < 4:
        raise DataError(f"only {kept[outcome].notna().sum()} rows have an outcome to impute from")
    arm, control, treated = arms_of(kept[treatment], treatment, spec.control)
    covs = {c: kept[c].to_numpy(dtype=float) for c in spec.covariates}
    clusters = kept[cluster].to_numpy() if cluster else None
    stratum = kept[strata].astype(str).tolist() if strata else None
    adjustment: Adjustment = ("lin" if spec.lin else "ancova") if covs else "none"
    fit = estimate_itt_imputed(
        kept[outcome].to_numpy(dtype=float), arm, control, covs or None, stratum,
        clusters, spec.vcov, spec.impute, spec.seed, spec.alpha, adjustment,
    )  # fmt: skip
    p = fit.effects[0].pooled
    n_clusters = int(pd.Series(clusters).nunique()) if clusters is not None else None
    kind: VcovType = spec.vcov or ("CR2" if clusters is not None else "HC2")
    term = TermEstimate(
        treated, p.estimate, p.std_error, p.df, p.statistic, p.p_value,
        p.conf_low, p.conf_high, fit.n, n_clusters, kind, spec.alpha,
    )  # fmt: skip
    # Hedges' g: the pooled estimate over the observed outcomes' pooled SD.
    seen = kept[outcome].notna().to_numpy()
    observed = Outcomes(
        kept[outcome].to_numpy(dtype=float)[seen],
        list(np.asarray(arm, dtype=object)[seen]),
        control,
        clusters[seen] if clusters is not None else None,
    )
    imputation = Imputation(
        imputations=fit.m,
        seed=fit.seed,
        iterations=fit.iterations,
        donors=fit.donors,
        missing={outcome if k == "outcome" else k: v for k, v in fit.missing.items()},
        within=p.within,
        between=p.between,
        fmi=p.fmi,
        df_complete=p.df_complete,
    )
    return linear_result(
        term,
        Contrast(outcome, treatment, control, treated),
        observed,
        n_dropped=n_dropped,
        alpha=spec.alpha,
        estimand="ITT",
        adjustment=adjustment,
        imputation=imputation,
    )
