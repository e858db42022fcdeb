"""Fit a :class:`~hearten.analysis.table_spec.TableSpec` to a file's rows.

:func:`fit_table` checks the columns the specification names (present, numeric where they
must be, a time for everyone who left), keeps the complete cases (counting the rest), reads
the arms, and runs the model the specification asks for: the linear ITT or CACE here, with
its resampling test, per-site pool and moderators; a binary, count or Cox model in
:mod:`hearten.analysis.table_ratio`; the multiply imputed ITT in
:mod:`hearten.analysis.imputed_table`. Each returns a
:class:`~hearten.analysis.table_result.TableResult`. Nothing here imports Django.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from hearten.analysis.effects import Outcomes
from hearten.analysis.table_file import arms_of, numeric_column, resolve_column, rows_of
from hearten.analysis.table_result import Contrast, Moderation, TableResult, linear_result
from hearten.analysis.table_spec import NUMERIC_ROLES, TableSpec
from hearten.errors import DataError, EstimationError
from hearten.stats.estimate import Adjustment, TermEstimate, design_matrix, estimate_itt

if TYPE_CHECKING:
    from hearten.stats.inference import ResamplingTest
    from hearten.stats.meta import SitePooling

# The models a plain analysis does not need (binary, counts, survival, CACE, resampling,
# moderators, pooling) are imported where they are used: statsmodels and scipy.stats alone
# cost more CPU than reading and fitting 100,000 rows, and every `hearten analyse` paid them.


@dataclass(frozen=True, slots=True)
class TableRows:
    """The complete cases of the columns a specification uses, ready to fit.

    Attributes:
        frame: one row per complete case, the used columns (numbers where numeric).
        n_dropped: rows dropped for a missing value in a column used.
        arm: each row's arm as text; control, treated: the two arms.
        covariates: each covariate's values (float).
        strata: each row's stratum as text, or ``None``.
        clusters: each row's cluster, or ``None``.
    """

    frame: pd.DataFrame
    n_dropped: int
    arm: list[str]
    control: str
    treated: str
    covariates: dict[str, np.ndarray]
    strata: list[str] | None
    clusters: np.ndarray | None

    def contrast(self, spec: TableSpec, outcome: str) -> Contrast:
        """The outcome (as labelled) and the arms compared."""
        return Contrast(outcome, spec.treatment, self.control, self.treated)


def fit_table(spec: TableSpec, data: pd.DataFrame) -> TableResult:
    """Analyse one outcome against one treatment in ``data`` as ``spec`` says (see
    :class:`~hearten.analysis.table_result.TableResult`)."""
    frame = used_columns(spec, data)
    if spec.model == "imputed":
        from hearten.analysis.imputed_table import analyse_imputed

        return analyse_imputed(spec, frame)
    rows = complete_cases(spec, frame)
    if spec.model == "ratio":
        from hearten.analysis.table_ratio import fit_ratio

        return fit_ratio(spec, rows)
    if spec.outcome is None:  # TableSpec gives every model but time to event an outcome
        raise DataError("give --outcome, or --time and --event for time to event, not both")
    return _fit_linear(spec, rows, spec.outcome)


def used_columns(spec: TableSpec, data: pd.DataFrame) -> pd.DataFrame:
    """The columns ``spec`` uses, checked: each exists, the numeric roles hold numbers, and
    everyone who left has a time."""
    roles = spec.roles
    used = [resolve_column(data, name, role) for name, role in roles.items()]
    numeric = {c: numeric_column(data, c, roles[c]) for c in used if roles[c] in NUMERIC_ROLES}
    if spec.time is not None and spec.event is not None:
        left_untimed = (numeric[spec.event] == 1) & numeric[spec.time].isna()
        if left_untimed.any():
            raise DataError(
                f"some people left (event = 1) but have no time in {spec.time!r} (rows "
                f"{rows_of(left_untimed)}): give the day they left, or they would be dropped "
                "unseen"
            )
    frame = data[used].copy()
    for c, v in numeric.items():
        frame[c] = v
    return frame


def complete_cases(spec: TableSpec, frame: pd.DataFrame) -> TableRows:
    """The rows of ``frame`` with every column, their arms, clusters and strata, checked:
    at least four rows, two clusters, a stratum that compares arms."""
    complete = frame.dropna()
    n_dropped = len(frame) - len(complete)
    if len(complete) < 4:
        raise DataError(f"only {len(complete)} rows have every column used; check the columns")
    arm, control, treated = arms_of(complete[spec.treatment], spec.treatment, spec.control)
    cluster, strata = spec.cluster, spec.strata
    if cluster is not None and complete[cluster].nunique() < 2:
        raise EstimationError(
            f"the cluster {cluster!r} has one value: cluster-robust errors "
            "need at least two clusters"
        )
    stratum = complete[strata].astype(str).tolist() if strata else None
    if stratum is not None:
        mixed = pd.Series(arm).groupby(stratum).nunique()
        if (mixed < 2).all():
            raise EstimationError(
                f"the treatment is constant within every stratum of "
                f"{strata!r}: no stratum compares arms"
            )
    return TableRows(
        frame=complete,
        n_dropped=n_dropped,
        arm=arm,
        control=control,
        treated=treated,
        covariates={c: complete[c].to_numpy(dtype=float) for c in spec.covariates},
        strata=stratum,
        clusters=complete[cluster].to_numpy() if cluster else None,
    )


def _fit_linear(spec: TableSpec, rows: TableRows, outcome: str) -> TableResult:
    """The ITT (ANCOVA or Lin) of column ``outcome`` or, with ``uptake``, the CACE by 2SLS;
    then the resampling test, the per-site pool and the moderators the specification asks
    for."""
    complete, covs = rows.frame, rows.covariates
    y = complete[outcome].to_numpy(dtype=float)
    w = complete[spec.weights].to_numpy(dtype=float) if spec.weights else None
    warnings: list[str] = []
    first_stage = None
    adjustment: Adjustment = "ancova" if covs else "none"
    if spec.uptake is not None:
        from hearten.stats.compliance import estimate_cace

        d = complete[spec.uptake].to_numpy(dtype=float)
        cace = estimate_cace(
            y, rows.arm, d, rows.control, covs or None, rows.strata, rows.clusters, spec.vcov,
            spec.alpha, w,
        )  # fmt: skip
        term: TermEstimate = cace.effects[0]
        first_stage = cace.first_stage_f
        if cace.warning:
            warnings.append(cace.warning)
    else:
        if spec.lin:
            adjustment = "lin"
        itt = estimate_itt(
            y, rows.arm, rows.control, covs or None, rows.strata, rows.clusters, spec.vcov,
            spec.alpha, w, adjustment,
        )  # fmt: skip
        term = itt.effects[0]
    # TableSpec gives resampling a seed: the test narrows the type, it never drops a test.
    seed = spec.seed
    test = (
        _resampling_test(spec, rows, y, seed)
        if spec.method != "analytic" and seed is not None
        else None
    )
    return linear_result(
        term,
        rows.contrast(spec, outcome),
        Outcomes(y, rows.arm, rows.control, rows.clusters),
        n_dropped=rows.n_dropped,
        alpha=spec.alpha,
        estimand="CACE" if spec.uptake else "ITT",
        adjustment=adjustment,
        test=test,
        method=spec.method,
        first_stage_f=first_stage,
        warnings=warnings,
        sites=_by_site(spec, rows, y, spec.by_site) if spec.by_site else None,
        moderation=_moderation(spec, rows, y) if spec.moderators else None,
    )


def _resampling_test(spec: TableSpec, rows: TableRows, y: np.ndarray, seed: int) -> ResamplingTest:
    """The wild cluster bootstrap or randomisation inference of the treatment's effect, drawn
    from ``seed``."""
    covs = rows.covariates
    t = (np.asarray(rows.arm) == rows.treated).astype(float)
    if spec.method == "wild":
        if rows.clusters is None:
            raise DataError("--method wild needs --cluster (the randomised unit)")
        X, names = design_matrix(len(t), {"treatment": t}, covs or None, rows.strata)
        from hearten.stats.inference import wild_cluster_bootstrap

        return wild_cluster_bootstrap(
            y, X, names, "treatment", rows.clusters, spec.reps, seed, alpha=spec.alpha
        )
    cov_matrix = np.column_stack(list(covs.values())) if covs else None
    from hearten.stats.inference import randomisation_inference

    return randomisation_inference(
        y, t, cov_matrix, rows.strata, rows.clusters, spec.reps, seed, alpha=spec.alpha
    )


def _by_site(spec: TableSpec, rows: TableRows, y: np.ndarray, site: str) -> SitePooling:
    """Each site's own ITT (the sites are the values of column ``site``) and their
    random-effects pool."""
    from hearten.stats.meta import pool_sites

    return pool_sites(
        y,
        rows.arm,
        rows.control,
        rows.frame[site].astype(str).tolist(),
        rows.covariates or None,
        rows.clusters,
        spec.vcov,
        spec.alpha,
    )


def _moderation(spec: TableSpec, rows: TableRows, y: np.ndarray) -> Moderation:
    """The treatment-by-moderator interactions (Holm-adjusted when pre-registered)."""
    from hearten.stats.moderators import estimate_moderators

    terms = estimate_moderators(
        y,
        rows.arm,
        rows.control,
        {m: rows.frame[m].to_numpy() for m in spec.moderators},
        set(spec.moderators) if spec.pre_registered else set(),
        rows.covariates or None,
        rows.strata,
        rows.clusters,
        spec.vcov,
        spec.alpha,
    )
    return Moderation(tuple(terms))
