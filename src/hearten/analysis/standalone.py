"""``hearten analyse FILE``: an evaluator's own data, analysed without a database.

Reads CSV, Excel, Parquet or Stata files, checks every column it is asked to use, drops (and
counts) rows missing any of them, and runs the ITT (or, with an uptake column, the CACE) with
the requested inference. Nothing here imports Django.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, get_args

import numpy as np
import pandas as pd
from scipy import special

from hearten.delimited import delimiter_of
from hearten.errors import DataError, EstimationError, NotFound, one_of
from hearten.stats.effect_size import (
    EffectSize,
    on_planned_interval,
    standardised_effect,
)
from hearten.stats.estimate import Adjustment, TermEstimate, design_matrix, estimate_itt
from hearten.stats.inference import ResamplingTest
from hearten.stats.vcov import VCOV_TYPES, VcovType

if TYPE_CHECKING:
    from hearten.stats.meta import MetaAnalysis

# The models a plain analysis does not need (binary, counts, survival, CACE, resampling,
# moderators, pooling) are imported where they are used: statsmodels and scipy.stats alone
# cost more CPU than reading and fitting 100,000 rows, and every `hearten analyse` paid them.

Method = Literal["analytic", "wild", "ri"]
METHODS: tuple[Method, ...] = get_args(Method)
Family = Literal["gaussian", "binomial", "poisson", "negbin"]
FAMILIES: tuple[Family, ...] = get_args(Family)
READERS = {".csv": "CSV", ".xlsx": "Excel", ".xls": "Excel", ".parquet": "Parquet", ".dta": "Stata"}


@dataclass(frozen=True, slots=True)
class StandaloneResult:
    """One treatment effect from a file, ready to print or serialise.

    ``estimate`` is the ITT of the treatment, or with ``uptake`` the CACE. ``p_value`` and
    the interval come from the chosen ``method``; ``std_error``, ``df`` and ``statistic``
    from the analytic fit with ``vcov``. For the ``binomial``, ``poisson`` and ``negbin``
    families and for time to event, ``estimate`` is the log odds, rate or hazard ratio with
    a normal test (``df`` is ``None``), ``ratio`` holds the ratio and its interval, and
    ``risk_difference`` (binomial) the average marginal effect.
    """

    estimate: float
    std_error: float
    df: float | None
    statistic: float
    p_value: float
    conf_low: float
    conf_high: float
    n: int
    n_clusters: int | None
    n_dropped: int
    vcov: str
    method: Method
    estimand: Literal["ITT", "CACE"]
    outcome: str
    treatment: str
    control: str
    treated: str
    alpha: float
    adjustment: str
    hedges_g: dict[str, float] | None
    reps: int | None = None
    seed: int | None = None
    enumerated: bool | None = None
    first_stage_f: float | None = None
    warnings: list[str] = field(default_factory=list)
    family: str = "gaussian"
    ratio: dict[str, Any] | None = None
    risk_difference: dict[str, float] | None = None
    diagnostics: dict[str, Any] | None = None
    moderators: list[dict[str, Any]] | None = None
    sites: dict[str, Any] | None = None
    imputation: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict; an unbounded interval end (here or in ``ratio``) is ``null``."""

        def finite(v: Any) -> Any:
            return None if isinstance(v, float) and not np.isfinite(v) else v

        out = {k: finite(v) for k, v in asdict(self).items()}
        if self.ratio is not None:
            out["ratio"] = {k: finite(v) for k, v in self.ratio.items()}
        return out


def as_method(value: str) -> Method:
    """Validate a ``--method`` value."""
    return one_of(value, METHODS, "method")


def as_vcov(value: str | None) -> VcovType | None:
    """Validate a ``--vcov`` value (``None`` means the default)."""
    return None if value is None else one_of(value, VCOV_TYPES, "variance estimator")


def _rows(mask: pd.Series) -> str:
    """The spreadsheet rows (header is row 1) where ``mask`` holds: up to five, then "..."."""
    rows = np.flatnonzero(mask.to_numpy()) + 2
    return ", ".join(map(str, rows[:5])) + (", ..." if len(rows) > 5 else "")


def read_table(path: Path, as_text: bool = False) -> pd.DataFrame:
    """Read a data file by its extension; ``as_text`` keeps a CSV's cells exactly as written
    (blank cells stay blank), so that they can be written back unchanged."""
    if not path.is_file():
        raise NotFound(f"no file at {path}")
    kind = READERS.get(path.suffix.lower())
    if kind is None:
        raise DataError(
            f"{path.name}: unknown file type {path.suffix!r}; use " + ", ".join(sorted(READERS))
        )
    try:
        if kind == "CSV":
            sep = delimiter_of(path)
            if as_text:
                return pd.read_csv(
                    path, sep=sep, encoding="utf-8-sig", dtype=str, keep_default_na=False
                )
            return pd.read_csv(path, sep=sep, encoding="utf-8-sig")
        if kind == "Excel":
            return pd.read_excel(path)
        if kind == "Parquet":
            return pd.read_parquet(path)
        return pd.read_stata(path)
    except Exception as exc:  # every reader has its own errors; all mean "unreadable"
        raise DataError(f"{path.name} could not be read as {kind}: {exc}") from None


def _column(data: pd.DataFrame, name: str, role: str) -> str:
    if name in data.columns:
        return name
    columns = [str(c) for c in data.columns]
    close = difflib.get_close_matches(name, columns, n=1, cutoff=0.6)
    lowered = {c.lower(): c for c in columns}
    guess = close[0] if close else lowered.get(name.lower())
    hint = f"; did you mean {guess!r}?" if guess else f"; columns are {', '.join(columns)}"
    raise DataError(f"no {role} column {name!r}{hint}")


def _numeric(data: pd.DataFrame, name: str, role: str) -> pd.Series:
    values = pd.to_numeric(data[name], errors="coerce")
    bad = data[name].notna() & values.isna()
    if bad.any():
        example = data.loc[bad, name].iloc[0]
        raise DataError(
            f"the {role} {name!r} must be numeric, but has {example!r} (rows {_rows(bad)})"
        )
    return values


def _arms(values: pd.Series, name: str, control: str | None) -> tuple[list[str], str, str]:
    labels = sorted(values.dropna().astype(str).unique())
    as_numbers = pd.to_numeric(values.dropna(), errors="coerce")
    if as_numbers.notna().all():
        numbers = sorted(as_numbers.unique())
        if len(numbers) == 2 and set(numbers) <= {0.0, 1.0} and control is None:
            numeric = pd.to_numeric(values, errors="coerce")
            coded = pd.Series(np.where(numeric == 1, "1", "0"), index=values.index, dtype=object)
            return list(coded.where(values.notna(), values)), "0", "1"
    if len(labels) != 2:
        raise DataError(
            f"the treatment {name!r} must be 0/1 or two labelled arms, but has "
            f"{len(labels)} values: {', '.join(labels[:6])}"
        )
    chosen = control if control is not None else ("control" if "control" in labels else None)
    if chosen is None or chosen not in labels:
        raise DataError(
            f"say which arm of {name!r} is the control with --control: "
            f"{labels[0]!r} or {labels[1]!r}"
        )
    treated = labels[1] if labels[0] == chosen else labels[0]
    return list(values.astype(str).where(values.notna(), values)), chosen, treated


def analyse_table(
    data: pd.DataFrame,
    outcome: str | None,
    treatment: str,
    covariates: Sequence[str] = (),
    cluster: str | None = None,
    strata: str | None = None,
    vcov: VcovType | None = None,
    uptake: str | None = None,
    method: Method = "analytic",
    reps: int = 9999,
    seed: int | None = None,
    weights: str | None = None,
    lin: bool = False,
    control: str | None = None,
    alpha: float = 0.05,
    family: str = "gaussian",
    exposure: str | None = None,
    time: str | None = None,
    event: str | None = None,
    moderators: Sequence[str] = (),
    pre_registered: bool = False,
    by_site: str | None = None,
    impute: int | None = None,
) -> StandaloneResult:
    """Analyse one outcome against one treatment in ``data`` (see :class:`StandaloneResult`).

    ``impute``: multiply impute missing outcomes and covariates that many times
    (:mod:`hearten.analysis.imputed_table`) instead of dropping their rows.
    """
    method = as_method(method)
    vcov = as_vcov(vcov)
    family = one_of(family, FAMILIES, "family")
    survival = time is not None or event is not None
    if survival and (time is None or event is None):
        raise DataError("time to event needs both --time (days) and --event (1 left, 0 not)")
    if survival == (outcome is not None):
        raise DataError("give --outcome, or --time and --event for time to event, not both")
    if family in ("poisson", "negbin") and exposure is None:
        raise DataError(f"the {family} family needs --exposure (e.g. FTE × days employed)")
    if exposure is not None and family not in ("poisson", "negbin"):
        raise DataError("--exposure goes with --family poisson or negbin")
    special = survival or family != "gaussian"
    # Counts and time to event: randomisation inference, or the wild score bootstrap.
    ratio_ri = method != "analytic" and (survival or family in ("poisson", "negbin"))
    if special and (uptake or (method != "analytic" and not ratio_ri) or weights or lin or vcov):
        raise DataError(
            "count, binary and time-to-event models take --covariate, --cluster "
            "and --strata only (no --uptake, --weights, --lin or --vcov; --method ri or wild "
            "for counts and time to event)"
        )
    if method != "analytic" and seed is None:
        raise DataError(f"--method {method} draws at random: give --seed N so it can be repeated")
    if method != "analytic" and uptake is not None:
        raise DataError("--uptake (the CACE) uses analytic inference: drop --method")
    if method != "analytic" and weights is not None:
        raise DataError("--weights works with analytic inference only: drop --method")
    if moderators and (special or uptake):
        raise DataError("--moderator works with the ITT of a continuous outcome")
    if by_site and (special or uptake or method != "analytic"):
        raise DataError("--by-site works with the analytic ITT of a continuous outcome")
    if impute is not None and (
        special or uptake or weights or method != "analytic" or moderators or by_site
    ):
        raise DataError(
            "--impute works with the analytic ITT of a continuous outcome (no --family, "
            "--time, --uptake, --weights, --method, --moderator or --by-site)"
        )
    if impute is not None and seed is None:
        raise DataError("--impute draws at random: give --seed N so it can be repeated")
    if impute is not None and not 2 <= impute <= 1000:
        raise DataError("--impute takes the number of imputations, from 2 to 1000 (e.g. 50)")
    roles = {treatment: "treatment"}
    roles.update({c: "covariate" for c in covariates})
    roles.update({m: "moderator" for m in moderators})
    for name, role in (
        (outcome, "outcome"),
        (cluster, "cluster"),
        (strata, "strata"),
        (uptake, "uptake"),
        (weights, "weights"),
        (exposure, "exposure"),
        (time, "time"),
        (event, "event"),
        (by_site, "site"),
    ):
        if name is not None:
            roles[name] = role
    used = [_column(data, name, role) for name, role in roles.items()]
    numeric = {
        c: _numeric(data, c, roles[c])
        for c in used
        if roles[c] in ("outcome", "covariate", "uptake", "weights", "exposure", "time", "event")
    }
    if time is not None and event is not None:
        left_untimed = (numeric[event] == 1) & numeric[time].isna()
        if left_untimed.any():
            raise DataError(
                f"some people left (event = 1) but have no time in {time!r} (rows "
                f"{_rows(left_untimed)}): give the day they left, or they would be dropped "
                "unseen"
            )
    frame = data[used].copy()
    for c, v in numeric.items():
        frame[c] = v
    if impute is not None:
        from hearten.analysis.imputed_table import analyse_imputed

        assert outcome is not None
        assert seed is not None
        return analyse_imputed(
            frame, outcome, treatment, covariates, cluster, strata, vcov, lin, control, alpha,
            impute, seed,
        )  # fmt: skip
    complete = frame.dropna()
    n_dropped = len(frame) - len(complete)
    if len(complete) < 4:
        raise DataError(f"only {len(complete)} rows have every column used; check the columns")
    arm, control_label, treated_label = _arms(complete[treatment], treatment, control)
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
    covs = {c: complete[c].to_numpy(dtype=float) for c in covariates}
    clusters = complete[cluster].to_numpy() if cluster else None
    if special:
        return _non_linear(
            complete,
            outcome,
            treatment,
            arm,
            control_label,
            treated_label,
            covs,
            stratum,
            clusters,
            n_dropped,
            alpha,
            family,
            exposure,
            time,
            event,
            (reps, seed, method) if ratio_ri else None,
        )
    assert outcome is not None
    y = complete[outcome].to_numpy(dtype=float)
    w = complete[weights].to_numpy(dtype=float) if weights else None
    warnings: list[str] = []
    first_stage = None
    adjustment: Adjustment = "ancova" if covs else "none"
    if uptake is not None:
        if lin:
            raise DataError("--lin is for the ITT; the CACE adjusts covariates in both stages")
        d = complete[uptake].to_numpy(dtype=float)
        from hearten.stats.compliance import estimate_cace

        cace = estimate_cace(
            y, arm, d, control_label, covs or None, stratum, clusters, vcov, alpha, w
        )
        term: TermEstimate = cace.effects[0]
        first_stage = cace.first_stage_f
        if cace.warning:
            warnings.append(cace.warning)
    else:
        if lin:
            adjustment = "lin"
        itt = estimate_itt(
            y, arm, control_label, covs or None, stratum, clusters, vcov, alpha, w, adjustment
        )
        term = itt.effects[0]
    effect = _effect_size(term, y, arm, control_label, clusters, alpha)
    result: dict[str, Any] = {
        "estimate": term.estimate,
        "std_error": term.std_error,
        "df": term.df,
        "statistic": term.statistic,
        "p_value": term.p_value,
        "conf_low": term.conf_low,
        "conf_high": term.conf_high,
        "n": term.n,
        "n_clusters": term.n_clusters,
        "n_dropped": n_dropped,
        "vcov": term.vcov_type,
        "method": method,
        "estimand": "CACE" if uptake else "ITT",
        "outcome": outcome,
        "treatment": treatment,
        "control": control_label,
        "treated": treated_label,
        "alpha": alpha,
        "adjustment": adjustment,
        "hedges_g": g_summary(effect),
        "first_stage_f": first_stage,
        "warnings": warnings,
    }
    if method != "analytic":
        assert seed is not None
        t = (np.asarray(arm) == treated_label).astype(float)
        if method == "wild":
            if clusters is None:
                raise DataError("--method wild needs --cluster (the randomised unit)")
            X, names = design_matrix(len(t), {"treatment": t}, covs or None, stratum)
            from hearten.stats.inference import wild_cluster_bootstrap

            test = wild_cluster_bootstrap(
                y, X, names, "treatment", clusters, reps, seed, alpha=alpha
            )
        else:
            cov_matrix = np.column_stack(list(covs.values())) if covs else None
            from hearten.stats.inference import randomisation_inference

            test = randomisation_inference(
                y, t, cov_matrix, stratum, clusters, reps, seed, alpha=alpha
            )
        result.update(
            p_value=test.p_value,
            conf_low=test.conf_low,
            conf_high=test.conf_high,
            reps=test.reps,
            seed=test.seed,
            enumerated=test.enumerated,
        )
    if by_site:
        from hearten.stats.meta import pool_sites

        found = pool_sites(
            y,
            arm,
            control_label,
            complete[by_site].astype(str).tolist(),
            covs or None,
            clusters,
            vcov,
            alpha,
        )
        per_site, pooled = found.effects, found.pooled
        result["sites"] = {
            "effects": [{"site": e.site, **asdict(e.effect)} for e in per_site],
            "pooled": asdict(pooled),
        }
    if moderators:
        from hearten.stats.moderators import estimate_moderators

        terms = estimate_moderators(
            y,
            arm,
            control_label,
            {m: complete[m].to_numpy() for m in moderators},
            set(moderators) if pre_registered else set(),
            covs or None,
            stratum,
            clusters,
            vcov,
            alpha,
        )
        result["moderators"] = [asdict(t) for t in terms]
    return StandaloneResult(**result)


def _non_linear(
    complete: pd.DataFrame,
    outcome: str | None,
    treatment: str,
    arm: list[str],
    control: str,
    treated: str,
    covs: dict[str, np.ndarray],
    stratum: list[str] | None,
    clusters: np.ndarray | None,
    n_dropped: int,
    alpha: float,
    family: Family,
    exposure: str | None,
    time: str | None,
    event: str | None,
    randomisation: tuple[int, int | None, Method] | None = None,
) -> StandaloneResult:
    """Binary, count and time-to-event models of one treatment (z tests, ratio scale; with
    ``randomisation = (reps, seed, method)``, counts and time to event by randomisation
    inference or, with ``wild``, the wild score bootstrap)."""
    risk_difference = None
    diagnostics: dict[str, Any] | None = None
    if time is not None and event is not None:
        from hearten.stats.survival import estimate_cox, kaplan_meier

        cox = estimate_cox(
            complete[time], complete[event], arm, control, covs or None, stratum, clusters, alpha
        )
        hr = cox.effects[0]
        coef, se, p = hr.log_hr, hr.std_error, hr.p_value
        ratio = {
            "name": "hazard_ratio",
            "value": hr.hazard_ratio,
            "conf_low": hr.conf_low,
            "conf_high": hr.conf_high,
        }
        label, kind = f"time {time}, event {event}", "cox"
        n, n_clusters = cox.n, cox.n_clusters
        horizon = float(complete[time].max())
        days = [d for d in (90.0, 180.0, 270.0, 365.0) if d <= horizon] or [horizon]
        curves = kaplan_meier(complete[time], complete[event], arm, days)
        diagnostics = {"events": cox.events, "kaplan_meier": [asdict(c) for c in curves]}
    elif family == "binomial":
        assert outcome is not None
        from hearten.stats.binary import estimate_binary

        b = estimate_binary(complete[outcome], arm, control, covs or None, stratum, clusters, alpha)
        e = b.effects[0]
        coef, se, p = e.log_odds, e.std_error, e.p_value
        ratio = {
            "name": "odds_ratio",
            "value": e.odds_ratio,
            "conf_low": e.or_conf_low,
            "conf_high": e.or_conf_high,
        }
        risk_difference = {
            "estimate": e.risk_difference,
            "std_error": e.rd_std_error,
            "conf_low": e.rd_conf_low,
            "conf_high": e.rd_conf_high,
            "p_value": e.rd_p_value,
        }
        label, kind = outcome, "binomial"
        n, n_clusters = b.n, b.n_clusters
        diagnostics = {"control_risk": b.control_risk}
    else:
        assert outcome is not None
        assert exposure is not None
        from hearten.stats.counts import estimate_counts

        c = estimate_counts(
            complete[outcome],
            arm,
            control,
            complete[exposure],
            covs or None,
            stratum,
            clusters,
            "poisson" if family == "poisson" else "negbin",
            alpha,
        )
        rr = c.effects[0]
        coef, se, p = rr.log_rr, rr.std_error, rr.p_value
        ratio = {
            "name": "rate_ratio",
            "value": rr.rate_ratio,
            "conf_low": rr.conf_low,
            "conf_high": rr.conf_high,
        }
        label, kind = outcome, c.family
        n, n_clusters = c.n, c.n_clusters
        diagnostics = {
            "theta": c.theta,
            "theta_se": c.theta_se,
            "note": c.note,
            "pearson_dispersion": c.pearson_dispersion,
            "zeros_observed": c.zeros_observed,
            "zeros_expected": c.zeros_expected,
        }
    z = float(special.ndtri(1 - alpha / 2))
    low, high = coef - z * se, coef + z * se
    warnings: list[str] = []
    resampled: dict[str, Any] = {}
    if randomisation is not None:
        test = _ratio_ri(
            complete, outcome, arm, control, covs, stratum, clusters, alpha, kind, exposure,
            time, event, coef, se, randomisation,
        )  # fmt: skip
        p, low, high = test.p_value, test.conf_low, test.conf_high
        assert ratio is not None
        # An unbounded end stays unbounded on the ratio scale (0 would read as a bound).
        ratio.update(
            conf_low=float(np.exp(low)) if np.isfinite(low) else -np.inf,
            conf_high=float(np.exp(high)),
        )
        resampled = {"reps": test.reps, "seed": test.seed, "enumerated": test.enumerated}
    elif n_clusters is not None and n_clusters < _ri_below_clusters() and kind != "binomial":
        warnings.append(
            f"only {n_clusters} clusters: the cluster-robust normal test is too ready to "
            "find a difference; add --method ri --seed N for a randomisation test"
        )
    return StandaloneResult(
        estimate=coef,
        std_error=se,
        df=None,
        statistic=coef / se,
        p_value=p,
        conf_low=low,
        conf_high=high,
        method=randomisation[2] if randomisation is not None else "analytic",
        warnings=warnings,
        **resampled,
        n=n,
        n_clusters=n_clusters,
        n_dropped=n_dropped,
        vcov="cluster-robust" if n_clusters else "HC0",
        estimand="ITT",
        outcome=label,
        treatment=treatment,
        control=control,
        treated=treated,
        alpha=alpha,
        adjustment="ancova" if covs else "none",
        hedges_g=None,
        family=kind,
        ratio=ratio,
        risk_difference=risk_difference,
        diagnostics=diagnostics,
    )


def _ri_below_clusters() -> int:
    """Below how many clusters a ratio's normal test is flagged (imported when needed: the
    module imports statsmodels)."""
    from hearten.stats.ratio_inference import RI_BELOW_CLUSTERS

    return RI_BELOW_CLUSTERS


def _ratio_ri(
    complete: pd.DataFrame,
    outcome: str | None,
    arm: list[str],
    control: str,
    covs: dict[str, np.ndarray],
    stratum: list[str] | None,
    clusters: np.ndarray | None,
    alpha: float,
    kind: str,
    exposure: str | None,
    time: str | None,
    event: str | None,
    estimate: float,
    std_error: float,
    randomisation: tuple[int, int | None, Method],
) -> ResamplingTest:
    """The randomisation test of a count or Cox model (:mod:`hearten.stats.ratio_inference`),
    or with ``wild`` the wild score bootstrap (:mod:`hearten.stats.score_bootstrap`)."""
    from hearten.stats.ratio_inference import (
        count_residuals,
        cox_residuals,
        ratio_randomisation_test,
    )

    reps, seed, method = randomisation
    if method == "wild":
        treat = (np.asarray(arm) != control).astype(float)
        return _wild_score(
            complete, outcome, treat, covs, stratum, clusters, alpha, kind, exposure, time,
            event, estimate, std_error, reps, seed or 0,
        )  # fmt: skip
    treat = (np.asarray(arm) != control).astype(float)
    n = len(treat)
    x = np.column_stack(list(covs.values())) if covs else None
    s_codes = (
        pd.factorize(pd.Series(stratum), sort=True)[0].astype(np.int64)
        if stratum is not None
        else np.zeros(n, dtype=np.int64)
    )
    if time is not None and event is not None:
        residuals = cox_residuals(complete[time], complete[event], treat, x, s_codes)
    else:
        assert outcome is not None
        assert exposure is not None
        family: Literal["poisson", "negbin"] = "poisson" if kind == "poisson" else "negbin"
        residuals = count_residuals(
            complete[outcome], treat, complete[exposure], x, s_codes, family
        )
    return ratio_randomisation_test(
        residuals, treat, estimate, std_error, stratum, clusters, reps, seed or 0, alpha
    )


def _wild_score(
    complete: pd.DataFrame,
    outcome: str | None,
    treat: np.ndarray,
    covs: dict[str, np.ndarray],
    stratum: list[str] | None,
    clusters: np.ndarray | None,
    alpha: float,
    kind: str,
    exposure: str | None,
    time: str | None,
    event: str | None,
    estimate: float,
    std_error: float,
    reps: int,
    seed: int,
) -> ResamplingTest:
    """The wild score bootstrap of a count or Cox model by cluster."""
    from hearten.stats.score_bootstrap import count_scores, cox_scores, wild_score_test

    if clusters is None:
        raise DataError("--method wild needs --cluster (the randomised unit)")
    x = np.column_stack(list(covs.values())) if covs else None
    if time is not None and event is not None:
        scores = cox_scores(complete[time], complete[event], treat, x, stratum)
    else:
        assert outcome is not None
        assert exposure is not None
        family: Literal["poisson", "negbin"] = "poisson" if kind == "poisson" else "negbin"
        scores = count_scores(complete[outcome], treat, complete[exposure], x, stratum, family)
    return wild_score_test(scores, clusters, estimate, std_error, reps, seed, alpha)


def _effect_size(
    term: TermEstimate,
    y: np.ndarray,
    arm: list[str],
    control: str,
    clusters: np.ndarray | None,
    alpha: float,
) -> EffectSize | None:
    """Hedges' g of ``term`` (:func:`hearten.stats.effect_size.standardised_effect`), with
    the model's standard error and interval on g's scale, as the trial report gives it
    (:func:`hearten.stats.effect_size.on_planned_interval`)."""
    try:
        g = standardised_effect(term.estimate, y, arm, control, clusters, alpha)
    except EstimationError:
        return None  # no spread, or too few clusters: the raw-scale result still stands
    return on_planned_interval(g, term.std_error, term.conf_low, term.conf_high)


def g_summary(effect: EffectSize | None) -> dict[str, float] | None:
    """Hedges' g as a result reports it (``None`` where it could not be computed)."""
    if effect is None:
        return None
    return {
        "g": effect.g,
        "std_error": effect.std_error,
        "conf_low": effect.conf_low,
        "conf_high": effect.conf_high,
        "icc": effect.icc,
    }


def pool_table(
    data: pd.DataFrame,
    estimate: str,
    std_error: str,
    label: str | None,
    method: str,
    hartung_knapp: bool,
    alpha: float,
) -> MetaAnalysis:
    """Pool one row per site or trial; every row needs an estimate and a standard error."""
    from hearten.stats.meta import TAU2_METHODS, meta_analyse

    tau2_method = one_of(method, TAU2_METHODS, "method")
    cols = [_column(data, estimate, "estimate"), _column(data, std_error, "standard error")]
    if label is not None:
        cols.append(_column(data, label, "label"))
    y = _numeric(data, estimate, "estimate")
    se = _numeric(data, std_error, "standard error")

    def which(mask: pd.Series) -> str:
        """The sites at fault by name (with --label) and by line of the file."""
        lines = np.flatnonzero(mask.to_numpy()) + 2
        named = [
            f"{data[label].iloc[i - 2]!s} (line {i})" if label is not None else f"line {i}"
            for i in lines[:5]
        ]
        return ", ".join(named) + (", ..." if len(lines) > 5 else "")

    missing = y.isna() | se.isna()
    if missing.any():
        raise DataError(
            f"every row needs an estimate and a standard error; missing at {which(missing)} "
            "of the file (the header is line 1)"
        )
    zero, negative = se == 0, se < 0
    if zero.any() or negative.any():
        faults = [f"0 at {which(zero)}"] if zero.any() else []
        faults += [f"negative at {which(negative)}"] if negative.any() else []
        raise DataError(
            f"{std_error!r} must be positive: {'; '.join(faults)} of the file (the header is "
            "line 1): a site with no spread cannot be weighted; check how its estimate was made"
        )
    names = (
        data[label].astype(str).tolist()
        if label is not None
        else [f"row {i + 2}" for i in range(len(data))]
    )
    return meta_analyse(
        y.to_numpy(),
        se.to_numpy(),
        names,
        tau2_method,
        hartung_knapp,
        alpha,
    )


def resolve_column(data: pd.DataFrame, name: str, role: str) -> str:
    """``name`` if it is a column of ``data``; otherwise an error suggesting the nearest."""
    return _column(data, name, role)


def numeric_column(data: pd.DataFrame, name: str, role: str) -> pd.Series:
    """A numeric column, or an error naming the rows that are not numbers."""
    return _numeric(data, name, role)
