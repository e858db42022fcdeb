"""The frozen, typed result of a staggered-adoption estimate
(:func:`hearten.stats.staggered.estimate`): the group-time effects, their aggregations, the
pre-trend checks and what was asked, and its JSON form.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from hearten.stats.staggered_inference import PreAverage, PreTrendTest
from hearten.stats.staggered_spec import Aggregation, Comparison, Method

if TYPE_CHECKING:
    import pandas as pd


def json_safe(value: dict[str, Any]) -> dict[str, Any]:
    """``value`` as JSON reads it back, with NaN and infinities as ``None`` (tuples become
    lists, choices their values)."""
    return dict(json.loads(json.dumps(value), parse_constant=lambda _: None))


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
    ``comparison``, ``method`` and ``anticipation`` as the specification asked; ``n_units``
    units, ``n_clusters`` clusters (``few_clusters`` when below
    :data:`~hearten.stats.staggered.FEW_CLUSTERS`); ``seed`` and ``draws`` of the multiplier
    bootstrap; ``critical_value`` the sup-t value of the cells' uniform band at level
    ``1 − alpha``; ``pre_trend`` the joint Wald test of the pre-period cells (as ``did``),
    ``pre_average`` the 1-df check on the mean pre-adoption event-study effect (``None`` with
    no pre-periods); ``notes`` plain sentences a report must show (few clusters, dropped
    cells).
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
        import pandas as pd

        return pd.DataFrame([asdict(c) for c in self.cells])

    def to_json(self) -> dict[str, Any]:
        """The fields as a JSON object, in declaration order (NaN and infinities ``None``)."""
        return json_safe(asdict(self))
