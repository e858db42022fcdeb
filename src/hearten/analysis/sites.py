"""Each site's own effect on the primary outcome, and their random-effects pool."""

from __future__ import annotations

from hearten.analysis.outcomes import OutcomeFit, adjusters
from hearten.analysis.sites_result import PooledSites, SiteEffect, SitesResult
from hearten.errors import EstimationError
from hearten.stats.vcov import VcovType


def by_site(primary: OutcomeFit, control: str, alpha: float, vcov: VcovType) -> SitesResult | None:
    """Each site's own effect on the primary outcome, and their random-effects pool.

    Only for two-arm trials in more than one site; a site that cannot give its own estimate
    (one arm, too few people) is named in ``note`` instead.
    """
    used = primary.used
    if used["site"].nunique() < 2 or used["arm"].nunique() != 2:
        return None
    try:
        from hearten.stats.meta import pool_sites

        found = pool_sites(
            used["y"].to_numpy(),
            used["arm"].tolist(),
            control,
            used["site"].tolist(),
            adjusters(used) or None,
            used["cluster"].to_numpy() if vcov == "CR2" else None,
            vcov,
            alpha,
        )
        effects, pooled = found.effects, found.pooled
    except EstimationError as exc:
        return SitesResult(note=str(exc)).storing("note")
    return SitesResult(
        effects=tuple(SiteEffect.of_site(e) for e in effects),
        pooled=PooledSites.of_pooled(pooled),
        weights=tuple(st.weight for st in pooled.studies),
    ).storing("effects", "pooled", "weights")
