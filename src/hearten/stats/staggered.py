"""Staggered adoption that was not randomised: group-time average effects by Callaway and
Sant'Anna (2021), their pre-trend check and their aggregation to one effect.

Units (teams) adopt a change at different times by decision and stay treated. A unit's
*group* ``g`` is the first period it is treated (0: never in the data). For each group and
period ``t`` the group-time average effect ``ATT(g,t)`` compares the change in the outcome of
group ``g`` from its base period to ``t`` with the same change among the comparison units:
the never-treated, or (the default here, as teams rarely agree to a group that never gets a
change) the not-yet-treated, those whose own adoption lies after ``max(t, base)`` plus any
anticipation periods. With no covariates this is the 2 × 2 difference in differences of
means; with covariates the doubly robust estimator of Sant'Anna and Zhao (2020) is the
default, as in R's ``did``. Base periods are *varying*, as in ``did``: a pre-period cell
(``t < g``) compares ``t`` with ``t − 1`` so the pre-period effects test parallel trends
period by period; a post-period cell compares ``t`` with ``g − 1 − anticipation``.

The estimator is the maintained Python port ``csdid`` (d2cml-ai), which reproduces R
``did``'s published ``mpdta`` results (ATT(g,t), never-treated and not-yet-treated, and the
simple, dynamic and group aggregations; ``tests/stats/test_staggered_mpdta.py``). Hand-written
in :mod:`hearten.stats.staggered_inference`, and why:

* the multiplier bootstrap for uniform (simultaneous) bands, because csdid draws from
  numpy's global random state; ours takes an explicit seed, recorded in the result, and
  follows ``did``'s ``mboot`` (Mammen weights on cluster-mean influence functions, bootstrap
  standard errors from the interquartile range, the sup-t critical value);
* clustered analytic standard errors and the pre-trend Wald test (``n · θ' V⁻¹ θ`` over the
  pre-period cells with ``V`` from the influence functions summed by cluster, χ² with as
  many degrees of freedom as cells), so the cluster can be the team when units are people.

Few clusters. Every inference here is asymptotic in the number of clusters. Below
:data:`FEW_CLUSTERS` the result says so in ``notes``: the normal approximation and the
multiplier bootstrap can be anti-conservative with a dozen teams, and the effect should be
read as a description, with the pre-trend check weak.

When the pre-period cells outnumber the clusters (a year of months before adoption and a
dozen teams) the joint test cannot be computed, so a 1-df check on the mean pre-adoption
event-study effect is reported beside it (``pre_average``, hand-written: ``did`` has none).

``differences`` 0.3.0 and ``diff-diff`` 3.13 reproduce the published ATT(g,t) too; csdid is
used because it ports ``did``'s Wald pre-test and returns the influence functions of every
aggregation, which the clustered bands and checks here need.

Unbalanced panels are refused: every unit must be observed in every period (``did`` by
default drops such units silently; we name them so the evaluator decides).
"""

from __future__ import annotations

import contextlib
import io
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import stats

from hearten.errors import DataError, EstimationError
from hearten.stats.staggered_inference import (
    PreAverage,
    PreTrendTest,
    clustered_covariance,
    multiplier_bootstrap,
    pre_average_test,
    pre_trend_test,
)

FEW_CLUSTERS = 30
"""Below this many clusters the result carries a warning that inference is approximate."""


class Comparison(StrEnum):
    """Which units serve as the comparison for a group in a period."""

    NOT_YET_TREATED = "not-yet-treated"
    NEVER_TREATED = "never-treated"


class Method(StrEnum):
    """The 2 × 2 estimator within each cell (identical when there are no covariates)."""

    DOUBLY_ROBUST = "dr"
    OUTCOME_REGRESSION = "reg"
    INVERSE_PROBABILITY = "ipw"


class Aggregation(StrEnum):
    """How the group-time effects are averaged: all post cells weighted by group size
    (``simple``), by time since adoption (``dynamic``, the event study) or by group."""

    SIMPLE = "simple"
    DYNAMIC = "dynamic"
    GROUP = "group"


@dataclass(frozen=True, slots=True)
class GroupTimeEffect:
    """``ATT(g,t)`` for group ``group`` (first treated period) in period ``time``;
    ``pre`` when ``time < group`` (a placebo for the pre-trend check); ``se`` the clustered
    analytic standard error, ``boot_se`` the bootstrap one; ``lower``/``upper`` the
    uniform band over all cells (``boot_se`` times the sup-t critical value)."""

    group: int
    time: int
    att: float
    se: float
    boot_se: float
    lower: float
    upper: float
    pre: bool


@dataclass(frozen=True, slots=True)
class AggregateEffect:
    """An aggregation of the group-time effects.

    ``overall`` is the single effect (for ``dynamic``, the mean over event times ≥ 0; for
    ``group``, the mean of the group effects weighted by group size), with its analytic
    ``overall_se`` and pointwise ``overall_lower``/``overall_upper``. ``labels`` are the
    event times (``dynamic``) or groups (``group``), empty for ``simple``; ``estimates``,
    ``ses`` (analytic), ``boot_ses`` and the uniform band ``lower``/``upper`` follow them.
    """

    kind: Aggregation
    overall: float
    overall_se: float
    overall_lower: float
    overall_upper: float
    labels: tuple[int, ...]
    estimates: tuple[float, ...]
    ses: tuple[float, ...]
    boot_ses: tuple[float, ...]
    lower: tuple[float, ...]
    upper: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class StaggeredFit:
    """Group-time effects, the pre-trend check and the aggregations.

    ``cells`` in (group, time) order; ``simple``, ``dynamic``, ``group`` the aggregations;
    ``n_units`` units, ``n_clusters`` clusters (``few_clusters`` when below
    :data:`FEW_CLUSTERS`); ``seed`` and ``draws`` of the multiplier bootstrap;
    ``critical_value`` the sup-t value of the cells' uniform band at level ``1 − alpha``;
    ``pre_trend`` the joint Wald test of the pre-period cells (as ``did``), ``pre_average``
    the 1-df check on the mean pre-adoption event-study effect (``None`` with no pre-periods);
    ``notes`` plain sentences a report must show (few clusters, dropped cells).
    """

    cells: tuple[GroupTimeEffect, ...]
    pre_trend: PreTrendTest
    pre_average: PreAverage | None
    simple: AggregateEffect
    dynamic: AggregateEffect
    group: AggregateEffect
    comparison: Comparison
    method: Method
    anticipation: int
    n_units: int
    n_clusters: int
    few_clusters: bool
    seed: int
    draws: int
    alpha: float
    critical_value: float
    notes: tuple[str, ...]

    def tidy(self) -> pd.DataFrame:
        """One row per group-time cell."""
        return pd.DataFrame(
            [
                {
                    "group": c.group,
                    "time": c.time,
                    "att": c.att,
                    "se": c.se,
                    "boot_se": c.boot_se,
                    "lower": c.lower,
                    "upper": c.upper,
                    "pre": c.pre,
                }
                for c in self.cells
            ]
        )


def _panel(
    data: pd.DataFrame, outcome: str, unit: str, time: str, first_treated: str, cluster: str
) -> pd.DataFrame:
    for column in {outcome, unit, time, first_treated, cluster}:
        if column not in data.columns:
            raise DataError(f"the panel has no column {column!r}")
    if data[[outcome, unit, time, first_treated]].isna().any().any():
        raise DataError(
            f"the panel has empty cells in {outcome}, {unit}, {time} or {first_treated}"
        )
    if data.duplicated([unit, time]).any():
        raise DataError(f"each {unit} must appear once in each {time}")
    periods = data[time].nunique()
    counts = data.groupby(unit)[time].nunique()
    short = counts[counts < periods]
    if len(short):
        names = ", ".join(map(str, short.index[:5]))
        raise DataError(
            f"the panel is unbalanced: {len(short)} unit(s) ({names}) are missing some "
            f"periods; give every unit a row in every period (or leave those units out)"
        )
    if (data.groupby(unit)[first_treated].nunique() > 1).any():
        raise DataError(f"{first_treated} must be the same in every row of a unit")
    if (data.groupby(unit)[cluster].nunique() > 1).any():
        raise DataError(f"each {unit} must belong to one {cluster}")
    return data


def fit_staggered(
    data: pd.DataFrame,
    *,
    outcome: str,
    unit: str,
    time: str,
    first_treated: str,
    seed: int,
    cluster: str | None = None,
    covariates: Sequence[str] = (),
    comparison: Comparison = Comparison.NOT_YET_TREATED,
    method: Method = Method.DOUBLY_ROBUST,
    anticipation: int = 0,
    draws: int = 999,
    alpha: float = 0.05,
) -> StaggeredFit:
    """Estimate ``ATT(g,t)`` on a balanced panel (one row per unit and period; integer
    periods; ``first_treated`` the first treated period, 0 for never treated) and aggregate.

    ``cluster`` names the column the inference clusters on (default: the unit); ``seed``
    fixes the multiplier bootstrap. Defaults are ``did``'s (doubly robust, varying base,
    no anticipation), except the comparison group: not-yet-treated, because a council
    rarely keeps teams that never get the change.
    """
    from csdid.att_gt import ATTgt

    cluster_col = cluster or unit
    _panel(data, outcome, unit, time, first_treated, cluster_col)
    if anticipation < 0:
        raise DataError("anticipation must be zero or a positive number of periods")
    frame = data[
        list(dict.fromkeys([outcome, unit, time, first_treated, cluster_col, *covariates]))
    ]
    if not pd.api.types.is_integer_dtype(frame[time]) or not pd.api.types.is_numeric_dtype(
        frame[first_treated]
    ):
        raise DataError(f"{time} and {first_treated} must be whole-number periods (0: never)")
    frame = frame.assign(**{unit: pd.factorize(frame[unit], sort=True)[0] + 1})
    frame = frame.sort_values([unit, time]).reset_index(drop=True)
    groups = sorted(int(g) for g in frame[first_treated].unique() if g != 0)
    if not groups:
        raise DataError("no unit adopts the change inside the panel: nothing to estimate")
    never = frame.loc[frame[first_treated] == 0, unit].nunique()
    if comparison is Comparison.NEVER_TREATED and never < len(covariates) + 5:
        raise DataError(
            f"{never} never-treated unit(s) are too few to compare with (did needs "
            f"{len(covariates) + 5}): use the not-yet-treated comparison"
        )
    formula = f"{outcome}~" + ("+".join(covariates) if covariates else "1")
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        try:
            model = ATTgt(
                yname=outcome,
                tname=time,
                idname=unit,
                gname=first_treated,
                data=frame,
                control_group=(
                    "notyettreated" if comparison is Comparison.NOT_YET_TREATED else "nevertreated"
                ),
                xformla=formula if covariates else None,
                anticipation=anticipation,
                cband=False,
                alp=alpha,
            ).fit(est_method=method.value, base_period="varying", bstrap=False)
        except (ValueError, np.linalg.LinAlgError) as error:
            raise EstimationError(
                f"the group-time effects could not be estimated: {error}"
            ) from error
        aggregates = {}
        for kind in Aggregation:
            model.aggte(typec=kind.value, bstrap=False, na_rm=True)
            aggregates[kind] = model.atte
    result = model.results
    influence = np.asarray(model.MP["inffunc"]["inffunc"], dtype=np.float64)
    # The influence functions have a row per unit csdid kept (in its order): a group with
    # no base period (adopting in the first period, or within the anticipation) is dropped.
    kept = model.dp["data"]
    kept_units = kept.loc[kept[time] == kept[time].min(), unit].to_numpy()
    labels = kept_units
    if cluster_col != unit:
        labels = frame.groupby(unit)[cluster_col].first().loc[kept_units].to_numpy()
    cluster_codes = np.unique(labels, return_inverse=True)[1]
    n_units = kept_units.size
    n_clusters = int(cluster_codes.max()) + 1
    lost = sorted(set(groups) - {int(g) for g in result["group"]})
    rng = np.random.default_rng(seed)
    att = np.asarray(result["att"], dtype=np.float64)
    gs = np.asarray(result["group"]).astype(int)
    ts = np.asarray(result["year"]).astype(int)
    cov = clustered_covariance(influence, cluster_codes)
    se = np.sqrt(np.diag(cov))
    valid = np.isfinite(att) & np.isfinite(se) & (se > 0)
    boot = multiplier_bootstrap(
        influence[:, valid], cluster_codes, rng=rng, draws=draws, alpha=alpha
    )
    boot_se = np.full(att.size, np.nan)
    boot_se[valid] = boot.ses
    crit = boot.critical_value
    cells = tuple(
        GroupTimeEffect(
            group=int(g),
            time=int(t),
            att=float(a),
            se=float(s),
            boot_se=float(b),
            lower=float(a - crit * b),
            upper=float(a + crit * b),
            pre=bool(t < g),
        )
        for g, t, a, s, b in zip(gs, ts, att, se, boot_se, strict=True)
    )
    pre = (ts < gs) & valid
    test = pre_trend_test(att[pre], cov[np.ix_(pre, pre)], n_clusters)
    z = float(stats.norm.ppf(1 - alpha / 2))
    dyn = aggregates[Aggregation.DYNAMIC]
    event_times = np.asarray(dyn["egt"]).ravel()
    before = event_times < 0
    average = pre_average_test(
        np.asarray(dyn["att_egt"], dtype=np.float64).ravel()[before],
        np.asarray(dyn["inf_function"]["dynamic_inf_func_e"], dtype=np.float64)[:, before],
        cluster_codes,
    )
    summaries = {
        kind: _aggregate(kind, aggregates[kind], cluster_codes, rng, draws, alpha, z)
        for kind in Aggregation
    }
    notes = []
    few = n_clusters < FEW_CLUSTERS
    if few:
        notes.append(
            f"Only {n_clusters} clusters: the standard errors, bands and pre-trend test rely "
            f"on many clusters and may be too narrow; read the effects as descriptive."
        )
    if lost:
        notes.append(
            f"Units first treated in period(s) {', '.join(map(str, lost))} have no period "
            "before adoption to compare from and were left out."
        )
    dropped = int((~valid).sum())
    if dropped:
        notes.append(f"{dropped} group-time cell(s) had no comparison units and were left out.")
    if test.statistic is None:
        notes.append(f"No pre-trend test: {test.reason}.")
    return StaggeredFit(
        cells=cells,
        pre_trend=test,
        pre_average=average,
        simple=summaries[Aggregation.SIMPLE],
        dynamic=summaries[Aggregation.DYNAMIC],
        group=summaries[Aggregation.GROUP],
        comparison=comparison,
        method=method,
        anticipation=anticipation,
        n_units=n_units,
        n_clusters=n_clusters,
        few_clusters=few,
        seed=seed,
        draws=draws,
        alpha=alpha,
        critical_value=crit,
        notes=tuple(notes),
    )


_INFLUENCE_KEYS = {
    Aggregation.SIMPLE: ("simple_att", None),
    Aggregation.DYNAMIC: ("dynamic_inf_func", "dynamic_inf_func_e"),
    Aggregation.GROUP: ("selective_inf_func", "selective_inf_func_g"),
}


def _aggregate(
    kind: Aggregation,
    atte: dict[str, object],
    clusters: NDArray[np.int64],
    rng: np.random.Generator,
    draws: int,
    alpha: float,
    z: float,
) -> AggregateEffect:
    overall_key, each_key = _INFLUENCE_KEYS[kind]
    functions = atte["inf_function"]
    assert isinstance(functions, dict)
    overall_if = np.asarray(functions[overall_key], dtype=np.float64).reshape(-1, 1)
    overall = float(np.asarray(atte["overall_att"], dtype=np.float64).ravel()[0])
    overall_se = float(np.sqrt(clustered_covariance(overall_if, clusters)[0, 0]))
    if each_key is None:
        labels: tuple[int, ...] = ()
        est = ses = bses = lo = hi = np.zeros(0)
    else:
        labels = tuple(int(e) for e in np.asarray(atte["egt"]).ravel())
        est = np.asarray(atte["att_egt"], dtype=np.float64).ravel()
        each_if = np.asarray(functions[each_key], dtype=np.float64)
        ses = np.sqrt(np.diag(clustered_covariance(each_if, clusters)))
        boot = multiplier_bootstrap(each_if, clusters, rng=rng, draws=draws, alpha=alpha)
        bses = boot.ses
        lo = est - boot.critical_value * bses
        hi = est + boot.critical_value * bses
    return AggregateEffect(
        kind=kind,
        overall=overall,
        overall_se=overall_se,
        overall_lower=overall - z * overall_se,
        overall_upper=overall + z * overall_se,
        labels=labels,
        estimates=tuple(map(float, est)),
        ses=tuple(map(float, ses)),
        boot_ses=tuple(map(float, bses)),
        lower=tuple(map(float, lo)),
        upper=tuple(map(float, hi)),
    )
