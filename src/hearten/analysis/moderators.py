"""The plan's pre-registered moderators of the primary effect."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from hearten.analysis.moderation import ModeratorEffect
from hearten.analysis.outcomes import OutcomeFit, adjusters
from hearten.errors import EstimationError
from hearten.stats.moderators import estimate_moderators
from hearten.stats.vcov import VcovType


def moderators(
    primary: OutcomeFit,
    data: pd.DataFrame,
    control: str,
    planned: Sequence[str],
    vcov: VcovType,
    alpha: float,
    stratified: bool,
) -> tuple[ModeratorEffect, ...]:
    """The plan's pre-registered moderators of the primary effect, adjusted by Holm (one
    holding only a ``note`` when they cannot be estimated)."""
    if not planned:
        return ()
    used = primary.used
    rows = data.loc[used.index]
    try:
        terms = estimate_moderators(
            used["y"].to_numpy(),
            used["arm"].tolist(),
            control,
            {m: rows[m].to_numpy() for m in planned},
            set(planned),
            adjusters(used) or None,
            used["stratum"].tolist() if stratified else None,
            used["cluster"].to_numpy() if vcov == "CR2" else None,
            vcov,
            alpha,
        )
    except EstimationError as exc:
        return (ModeratorEffect(note=str(exc)).storing("note"),)
    return tuple(
        ModeratorEffect(
            moderator=t.moderator,
            level=t.level,
            arm=t.arm,
            estimate=t.estimate,
            std_error=t.std_error,
            df=t.df,
            p_value=t.p_value,
            conf_low=t.conf_low,
            conf_high=t.conf_high,
            adjusted_p=t.adjusted_p,
            pre_registered=t.pre_registered,
        ).without("note")
        for t in terms
    )
