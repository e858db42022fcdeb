"""A trial's monthly HR panel for an observational staggered comparison: one row per team
and month, from the HR records (:func:`hearten.hr.outcomes.derive` for each month).

* ``absence-rate``: sickness absence days in the month per 100 FTE-days of employment;
* ``leaving``: leavers in the month per 100 staff employed in it;
* ``caseload``: the mean of each person's latest caseload on or before the month's first day.

Everyone on the trial's roster counts in the months they were employed (as for the
stepped-wedge HR outcomes); a team with nobody employed in a month has no figure for it, and
the estimator then names it (the panel must be balanced).
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

from hearten.analysis.staggered import (
    HrOutcome,
    StaggeredComparison,
    cohorts,
    compare,
    months_between,
)
from hearten.errors import DataError
from hearten.stats.staggered import Comparison
from hearten.trials.models import Participant, Team, Trial


def _month_end(first: date) -> date:
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return following - timedelta(days=1)


def team_month_panel(trial: Trial, outcome: HrOutcome, months: list[date]) -> pd.DataFrame:
    """Columns ``team`` (code), ``month`` (1 for the first month), ``y``, ``people``."""
    from hearten.hr.outcomes import derive

    team_of = dict(Participant.objects.filter(trial=trial).values_list("pseudonym", "team__code"))
    frames = []
    for k, first in enumerate(months, start=1):
        d = derive(trial, first, _month_end(first))
        d = d[d["in_window"] == 1].copy()
        d["team"] = d["pseudonym"].map(team_of)
        groups = d.groupby("team")
        if outcome is HrOutcome.ABSENCE_RATE:
            sums = groups[["absence_days", "exposure"]].sum()
            sums = sums[sums["exposure"] > 0]
            y = 100 * sums["absence_days"] / sums["exposure"]
        elif outcome is HrOutcome.LEAVING:
            y = 100 * groups["left"].mean()
        else:
            y = groups["caseload_baseline"].mean().dropna()
        frames.append(
            pd.DataFrame({"team": y.index, "month": k, "y": y.to_numpy(dtype=float),
                          "people": groups.size().reindex(y.index).to_numpy()})
        )  # fmt: skip
    return pd.concat(frames, ignore_index=True)


def staggered_for_trial(
    trial: Trial,
    outcome: HrOutcome,
    adoption: dict[str, date | None],
    first: date,
    last: date,
    *,
    comparison: Comparison,
    anticipation: int,
    seed: int,
    draws: int,
) -> StaggeredComparison:
    """The observational comparison of ``outcome`` over the months ``first``…``last``, with
    each team's adoption month from ``adoption`` (team code to month, ``None``: not adopted).
    """
    codes = set(Team.objects.filter(trial=trial).values_list("code", flat=True))
    unknown = sorted(set(adoption) - codes)
    if unknown:
        raise DataError(
            f"the adoption file names team(s) not in trial {trial.slug}: "
            f"{', '.join(unknown[:5])}; use the team codes from the roster"
        )
    months = months_between(first, last)
    if len(months) < 2:
        raise DataError("the panel needs at least two months")
    panel = team_month_panel(trial, outcome, months)
    if panel.empty:
        raise DataError("no HR records fall in those months")
    return compare(
        panel, outcome.value, outcome.label, months, cohorts(adoption, first, last),
        comparison=comparison, anticipation=anticipation, seed=seed, draws=draws,
    )  # fmt: skip
