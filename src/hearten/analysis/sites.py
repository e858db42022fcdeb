"""Each site's own effect on the primary outcome, and their random-effects pool."""

from __future__ import annotations

from dataclasses import asdict

from hearten.analysis.outcomes import OutcomeFit, adjusters
from hearten.analysis.sites_result import SitesResult
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
        return SitesResult.from_json({"note": str(exc)})
    return SitesResult.from_json(
        {
            "effects": [{"site": e.site, **asdict(e.effect)} for e in effects],
            "pooled": {k: v for k, v in asdict(pooled).items() if k != "studies"},
            "weights": [st.weight for st in pooled.studies],
        }
    )
