"""Working conditions beside the effect: caseload, supervision and vacancies (structural
stressors) and their association with the baseline score."""

from __future__ import annotations

import pandas as pd

from hearten.analysis.associations import StressorAssociation
from hearten.analysis.outcomes import OutcomeFit
from hearten.errors import EstimationError
from hearten.stats.stressors import stressor_associations
from hearten.stats.vcov import VcovType
from hearten.trials.models import Participant, Trial

#: Working conditions beside the effect: caseload from the roster; supervision sessions in
#: the 90 days before randomisation and the team's vacancy rate over the three months before
#: it, when HR records bring them.
STRESSORS = ("caseload", "supervision sessions (90 days)", "team vacancy rate (%)")


def with_working_conditions(trial: Trial, data: pd.DataFrame) -> pd.DataFrame:
    """``data`` with the HR working conditions added as columns, where any were imported."""
    from datetime import timedelta

    from hearten.hr.models import Supervision, TeamRate

    randomised = trial.allocation.randomised_on
    ids = dict(Participant.objects.filter(trial=trial).values_list("pseudonym", "id"))
    held = Supervision.objects.filter(
        participant__trial=trial,
        held_on__gt=randomised - timedelta(days=90),
        held_on__lte=randomised,
    ).values_list("participant_id", flat=True)
    if Supervision.objects.filter(participant__trial=trial).exists():
        counts = pd.Series(list(held), dtype=object).value_counts()
        data = data.assign(
            **{
                STRESSORS[1]: data["pseudonym"].map(
                    lambda code: float(counts.get(ids.get(code), 0))
                )
            }
        )
    rates = TeamRate.objects.filter(
        trial=trial, month__gt=randomised - timedelta(days=92), month__lte=randomised
    ).values_list("team__code", "vacancy_rate")
    if rates:
        frame = pd.DataFrame(list(rates), columns=["team", "rate"])
        by_team = 100 * frame.groupby("team")["rate"].mean()
        data = data.assign(**{STRESSORS[2]: data["team"].map(by_team)})
    return data


def stressors(
    trial: Trial,
    data: pd.DataFrame,
    primary: OutcomeFit,
    alpha: float,
    vcov: VcovType,
    stratified: bool,
) -> tuple[tuple[StressorAssociation, ...], str | None]:
    """Each working condition's association with the baseline score, beside the effect, and
    why there are none when there could have been (the report keeps the section, saying so)."""
    if "baseline" not in data:
        return (), None  # the plan names no baseline survey: nothing to relate them to
    if data["baseline"].notna().sum() < 10:
        return (), "fewer than 10 people have a baseline score to relate working conditions to"
    data = with_working_conditions(trial, data)
    effect = primary.effects[0].estimate if len(primary.effects) == 1 else None
    present = {
        s: data[s].to_numpy(dtype=float)
        for s in STRESSORS
        if s in data and data[s].notna().sum() >= 10 and data[s].nunique() > 1
    }
    if not present:
        return (), (
            "no working condition (caseload, supervision, vacancies) is recorded for 10 or more "
            "people with differing values"
        )
    try:
        found = stressor_associations(
            data["baseline"].to_numpy(dtype=float),
            present,
            data["stratum"].tolist() if stratified else None,
            # People of one team share its conditions (its vacancy rate, its manager, its
            # office), so their errors are clustered by team at least, even when people were
            # randomised one by one; HC2 would make the associations look too precise.
            (data["cluster"] if vcov == "CR2" else data["team"]).to_numpy(),
            effect,
            alpha,
        )
    except EstimationError as exc:
        return (), f"the associations could not be estimated: {exc}"
    return tuple(StressorAssociation.of(a) for a in found), None
