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

What is asked is a :class:`~hearten.stats.staggered_spec.StaggeredSpec`, checked when it is
made; :func:`estimate` fits it to a panel and returns the frozen
:class:`~hearten.stats.staggered_result.StaggeredFit`. :func:`fit_staggered` is the same in
one call, with the specification's fields as keywords.
"""

from __future__ import annotations

import contextlib
import io
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import stats

from hearten.errors import DataError, EstimationError
from hearten.stats.staggered_inference import (
    PreAverage,
    clustered_covariance,
    multiplier_bootstrap,
    pre_average_test,
    pre_trend_test,
)
from hearten.stats.staggered_result import AggregateEffect, GroupTimeEffect, StaggeredFit
from hearten.stats.staggered_spec import Aggregation, Comparison, Method, StaggeredSpec

__all__ = [
    "FEW_CLUSTERS",
    "AggregateEffect",
    "Aggregation",
    "Comparison",
    "GroupTimeEffect",
    "Method",
    "StaggeredFit",
    "StaggeredSpec",
    "estimate",
    "fit_staggered",
]

FEW_CLUSTERS = 30
"""Below this many clusters the result carries a warning that inference is approximate."""


def check_panel(spec: StaggeredSpec, data: pd.DataFrame) -> None:
    """Refuse a panel ``spec`` cannot be estimated on: a column it names is missing, a key
    cell is empty, a unit appears twice in a period or misses one (unbalanced), or a unit's
    first treated period or cluster differs between its rows."""
    unit, time, first = spec.unit, spec.time, spec.first_treated
    for column in {spec.outcome, unit, time, first, spec.cluster_column}:
        if column not in data.columns:
            raise DataError(f"the panel has no column {column!r}")
    if data[[spec.outcome, unit, time, first]].isna().any().any():
        raise DataError(f"the panel has empty cells in {spec.outcome}, {unit}, {time} or {first}")
    if data.duplicated([unit, time]).any():
        raise DataError(f"each {unit} must appear once in each {time}")
    counts = data.groupby(unit)[time].nunique()
    short = counts[counts < data[time].nunique()]
    if len(short):
        names = ", ".join(map(str, short.index[:5]))
        raise DataError(
            f"the panel is unbalanced: {len(short)} unit(s) ({names}) are missing some "
            f"periods; give every unit a row in every period (or leave those units out)"
        )
    if (data.groupby(unit)[first].nunique() > 1).any():
        raise DataError(f"{first} must be the same in every row of a unit")
    if (data.groupby(unit)[spec.cluster_column].nunique() > 1).any():
        raise DataError(f"each {unit} must belong to one {spec.cluster_column}")


def _frame(spec: StaggeredSpec, data: pd.DataFrame) -> pd.DataFrame:
    """The checked panel's columns ``spec`` reads, units numbered 1, 2, … in sorted order
    (as ``csdid`` needs), sorted by unit and period."""
    check_panel(spec, data)
    frame = data[spec.columns]
    if not pd.api.types.is_integer_dtype(frame[spec.time]) or not pd.api.types.is_numeric_dtype(
        frame[spec.first_treated]
    ):
        raise DataError(
            f"{spec.time} and {spec.first_treated} must be whole-number periods (0: never)"
        )
    frame = frame.assign(**{spec.unit: pd.factorize(frame[spec.unit], sort=True)[0] + 1})
    return frame.sort_values([spec.unit, spec.time]).reset_index(drop=True)


def _adopting_groups(spec: StaggeredSpec, frame: pd.DataFrame) -> list[int]:
    """The first treated periods in ``frame`` (sorted), refusing a panel where nobody adopts
    or with too few never-treated units for that comparison."""
    groups = sorted(int(g) for g in frame[spec.first_treated].unique() if g != 0)
    if not groups:
        raise DataError("no unit adopts the change inside the panel: nothing to estimate")
    never = frame.loc[frame[spec.first_treated] == 0, spec.unit].nunique()
    needed = len(spec.covariates) + 5
    if spec.comparison is Comparison.NEVER_TREATED and never < needed:
        raise DataError(
            f"{never} never-treated unit(s) are too few to compare with (did needs "
            f"{needed}): use the not-yet-treated comparison"
        )
    return groups


@dataclass(frozen=True, slots=True)
class _Csdid:
    """``csdid``'s fit: its group-time table (``result``), the cells' unit influence
    functions (units × cells, units in csdid's order), its data after dropping groups with no
    base period (``kept``) and each aggregation's output."""

    result: Any
    influence: NDArray[np.float64]
    kept: pd.DataFrame
    aggregates: dict[Aggregation, Any]


def _att_gt(spec: StaggeredSpec, frame: pd.DataFrame) -> _Csdid:
    """``ATT(g,t)`` and the aggregations by ``csdid``, without its bootstrap, its printing
    or its warnings (varying base periods, as ``did``)."""
    from csdid.att_gt import ATTgt

    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        try:
            model = ATTgt(
                yname=spec.outcome,
                tname=spec.time,
                idname=spec.unit,
                gname=spec.first_treated,
                data=frame,
                control_group=spec.comparison.control_group,
                xformla=spec.formula,
                anticipation=spec.anticipation,
                cband=False,
                alp=spec.alpha,
            ).fit(est_method=spec.method.value, base_period="varying", bstrap=False)
        except (ValueError, np.linalg.LinAlgError) as error:
            raise EstimationError(
                f"the group-time effects could not be estimated: {error}"
            ) from error
        aggregates = {}
        for kind in Aggregation:
            model.aggte(typec=kind.value, bstrap=False, na_rm=True)
            aggregates[kind] = model.atte
    influence = np.asarray(model.MP["inffunc"]["inffunc"], dtype=np.float64)
    return _Csdid(model.results, influence, model.dp["data"], aggregates)


@dataclass(frozen=True, slots=True)
class _Clusters:
    """Each kept unit's cluster as a code 0, 1, … (in csdid's unit order) and the counts."""

    codes: NDArray[np.int64]
    n_units: int
    n_clusters: int


def _clusters(spec: StaggeredSpec, frame: pd.DataFrame, fitted: _Csdid) -> _Clusters:
    """The clusters of the units ``csdid`` kept: a group with no base period (adopting in
    the first period, or within the anticipation) is dropped, and the influence functions
    have a row per unit kept, in its order."""
    kept = fitted.kept
    kept_units = kept.loc[kept[spec.time] == kept[spec.time].min(), spec.unit].to_numpy()
    labels = kept_units
    if spec.cluster_column != spec.unit:
        labels = frame.groupby(spec.unit)[spec.cluster_column].first().loc[kept_units].to_numpy()
    codes = np.unique(labels, return_inverse=True)[1]
    return _Clusters(codes, kept_units.size, int(codes.max()) + 1)


@dataclass(frozen=True, slots=True)
class _Cells:
    """The group-time effects with what the checks need: the estimates, which cells are
    pre-period and estimable (``pre``), their clustered covariance, the number of cells left
    out (no comparison units) and the sup-t critical value of their uniform band."""

    effects: tuple[GroupTimeEffect, ...]
    att: NDArray[np.float64]
    pre: NDArray[np.bool_]
    covariance: NDArray[np.float64]
    dropped: int
    critical_value: float


def _cells(
    spec: StaggeredSpec, fitted: _Csdid, clusters: _Clusters, rng: np.random.Generator
) -> _Cells:
    """Each ``ATT(g,t)`` with its clustered and bootstrap standard errors and the uniform
    band over the estimable cells (the bootstrap draws first from ``rng``)."""
    att = np.asarray(fitted.result["att"], dtype=np.float64)
    gs = np.asarray(fitted.result["group"]).astype(int)
    ts = np.asarray(fitted.result["year"]).astype(int)
    cov = clustered_covariance(fitted.influence, clusters.codes)
    se = np.sqrt(np.diag(cov))
    valid = np.isfinite(att) & np.isfinite(se) & (se > 0)
    boot = multiplier_bootstrap(
        fitted.influence[:, valid], clusters.codes, rng=rng, draws=spec.draws, alpha=spec.alpha
    )
    boot_se = np.full(att.size, np.nan)
    boot_se[valid] = boot.ses
    crit = boot.critical_value
    effects = tuple(
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
    return _Cells(effects, att, (ts < gs) & valid, cov, int((~valid).sum()), crit)


def _pre_average(dynamic: Any, clusters: _Clusters) -> PreAverage | None:
    """The 1-df check on the event study's effects before adoption."""
    event_times = np.asarray(dynamic["egt"]).ravel()
    before = event_times < 0
    return pre_average_test(
        np.asarray(dynamic["att_egt"], dtype=np.float64).ravel()[before],
        np.asarray(dynamic["inf_function"]["dynamic_inf_func_e"], dtype=np.float64)[:, before],
        clusters.codes,
    )


def _notes(clusters: _Clusters, lost: list[int], cells: _Cells, untested: str | None) -> list[str]:
    """The sentences a report must show: few clusters, groups and cells left out, and why
    there is no pre-trend test (``untested``, ``None`` when there is one)."""
    notes = []
    if clusters.n_clusters < FEW_CLUSTERS:
        notes.append(
            f"Only {clusters.n_clusters} clusters: the standard errors, bands and pre-trend "
            f"test rely on many clusters and may be too narrow; read the effects as descriptive."
        )
    if lost:
        notes.append(
            f"Units first treated in period(s) {', '.join(map(str, lost))} have no period "
            "before adoption to compare from and were left out."
        )
    if cells.dropped:
        notes.append(
            f"{cells.dropped} group-time cell(s) had no comparison units and were left out."
        )
    if untested is not None:
        notes.append(f"No pre-trend test: {untested}.")
    return notes


def estimate(spec: StaggeredSpec, panel: pd.DataFrame) -> StaggeredFit:
    """Estimate ``ATT(g,t)`` on a balanced ``panel`` (one row per unit and period; integer
    periods; the first treated period, 0 for never treated) as ``spec`` asks, and aggregate.

    Defaults are ``did``'s (doubly robust, varying base, no anticipation), except the
    comparison group: not-yet-treated, because a council rarely keeps teams that never get
    the change.
    """
    frame = _frame(spec, panel)
    groups = _adopting_groups(spec, frame)
    fitted = _att_gt(spec, frame)
    clusters = _clusters(spec, frame, fitted)
    rng = np.random.default_rng(spec.seed)
    cells = _cells(spec, fitted, clusters, rng)
    pre = cells.pre
    test = pre_trend_test(cells.att[pre], cells.covariance[np.ix_(pre, pre)], clusters.n_clusters)
    average = _pre_average(fitted.aggregates[Aggregation.DYNAMIC], clusters)
    z = float(stats.norm.ppf(1 - spec.alpha / 2))
    summaries = {
        kind: _aggregate(kind, fitted.aggregates[kind], clusters.codes, rng, spec, z)
        for kind in Aggregation
    }
    lost = sorted(set(groups) - {int(g) for g in fitted.result["group"]})
    untested = test.reason if test.statistic is None else None
    return StaggeredFit(
        cells=cells.effects,
        pre_trend=test,
        pre_average=average,
        simple=summaries[Aggregation.SIMPLE],
        dynamic=summaries[Aggregation.DYNAMIC],
        group=summaries[Aggregation.GROUP],
        comparison=spec.comparison,
        method=spec.method,
        anticipation=spec.anticipation,
        n_units=clusters.n_units,
        n_clusters=clusters.n_clusters,
        few_clusters=clusters.n_clusters < FEW_CLUSTERS,
        seed=spec.seed,
        draws=spec.draws,
        alpha=spec.alpha,
        critical_value=cells.critical_value,
        notes=tuple(_notes(clusters, lost, cells, untested)),
    )


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
    """:func:`estimate` in one call: the keywords are :class:`StaggeredSpec`'s fields."""
    spec = StaggeredSpec(
        outcome=outcome, unit=unit, time=time, first_treated=first_treated, seed=seed,
        cluster=cluster, covariates=tuple(covariates), comparison=comparison, method=method,
        anticipation=anticipation, draws=draws, alpha=alpha,
    )  # fmt: skip
    return estimate(spec, data)


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
    spec: StaggeredSpec,
    z: float,
) -> AggregateEffect:
    """One aggregation: its overall effect with a pointwise interval, and (event study and
    groups) each effect with its uniform band from the bootstrap's next draws."""
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
        boot = multiplier_bootstrap(each_if, clusters, rng=rng, draws=spec.draws, alpha=spec.alpha)
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
