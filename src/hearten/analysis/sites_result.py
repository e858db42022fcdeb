"""Each site's own effect on the primary outcome and their random-effects pool, typed, as a
parallel trial's run stores them (:func:`hearten.analysis.sites.by_site`, from
:func:`hearten.stats.meta.pool_sites`). Read from and written back to the stored JSON
exactly (:class:`~.keyed.Keyed`). A run makes them from the statistics' own with one function
each (:meth:`SiteEffect.of_site`, :meth:`PooledSites.of_pooled`), which read every stored key
by name; the stored keys are the statistics' fields (a test pins them). This module imports
nothing heavy."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from hearten.analysis.keyed import Keyed, many, one

if TYPE_CHECKING:
    from hearten.stats import meta


@dataclass(frozen=True, slots=True)
class SiteEffect(Keyed):
    """One site's own estimate of the primary effect: ``site`` and the fields of
    :class:`hearten.stats.estimate.TermEstimate`, every one stored since sites were."""

    site: str
    term: str
    estimate: float
    std_error: float
    df: float
    statistic: float
    p_value: float
    conf_low: float
    conf_high: float
    n: int
    n_clusters: int | None
    vcov_type: str
    alpha: float

    @classmethod
    def of_site(cls, found: meta.SiteEffect) -> SiteEffect:
        """One site's own estimate as a run stores it: its ``site`` and every field of its
        :class:`~hearten.stats.estimate.TermEstimate`."""
        keys = cls.keys()[1:]
        return cls(site=found.site, **{k: getattr(found.effect, k) for k in keys})


@dataclass(frozen=True, slots=True)
class PooledSites(Keyed):
    """The sites' pooled effect (:class:`hearten.stats.meta.MetaAnalysis` without its
    studies, whose weights :attr:`SitesResult.weights` keeps); every field is stored.

    Attributes:
        method, hartung_knapp: how ``τ²`` was estimated; whether the Hartung–Knapp
            interval was used.
        estimate, std_error, conf_low, conf_high, p_value, df: the pooled effect.
        tau2, tau, i2, h2, q, q_df, q_p_value: heterogeneity.
        pred_low, pred_high: the prediction interval for a new site.
        k: sites pooled; alpha: the significance level.
    """

    method: str
    hartung_knapp: bool
    estimate: float
    std_error: float
    conf_low: float
    conf_high: float
    p_value: float
    df: float | None
    tau2: float
    tau: float
    i2: float
    h2: float
    q: float
    q_df: int
    q_p_value: float
    pred_low: float | None
    pred_high: float | None
    k: int
    alpha: float

    @classmethod
    def of_pooled(cls, pooled: meta.MetaAnalysis) -> PooledSites:
        """The pool as a run stores it: every field of ``pooled`` but its studies."""
        keys = cls.keys()
        return cls(**{k: getattr(pooled, k) for k in keys})


@dataclass(frozen=True, slots=True)
class SitesResult(Keyed):
    """Each site's effect and their pool, or only a ``note`` naming a site that could not
    give its own estimate.

    Attributes:
        effects: each site's effect, in site order.
        pooled: their random-effects pool, or ``None`` with a ``note``.
        weights: each site's share of the pooled estimate (summing to 1).
        note: why there are no site-by-site estimates, or ``None``.
    """

    effects: tuple[SiteEffect, ...] = field(default=(), metadata=many(SiteEffect))
    pooled: PooledSites | None = field(default=None, metadata=one(PooledSites))
    weights: tuple[float, ...] = field(default=(), metadata=many())
    note: str | None = None
