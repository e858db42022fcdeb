"""Uptake for a parallel trial's run: the uptake page's figures, who took part under the
plan's compliance definition, and the effect on those who took part (CACE)."""

from __future__ import annotations

from datetime import date

import pandas as pd
from django.utils import timezone

from hearten.analysis.arm_effect import ArmEffect, EffectOnTakers
from hearten.analysis.follow_up import uptake_end
from hearten.analysis.outcomes import OutcomeFit, adjusters
from hearten.analysis.term_result import TermResult
from hearten.analysis.uptake_figures import ArmCost, PerkShown, UptakeFigures
from hearten.errors import EstimationError
from hearten.stats.compliance import estimate_cace
from hearten.stats.vcov import VcovType
from hearten.trials.design import AnalysisSpec
from hearten.trials.models import Participant, Trial


def uptake_figures(trial: Trial) -> UptakeFigures:
    """Uptake, fidelity and cost for the report (the uptake page's figures)."""
    from hearten.interventions.uptake import uptake
    from hearten.process.deliverers import reported_times

    u = uptake(trial, reported=reported_times(trial))
    return UptakeFigures(
        min_group=u.min_group,
        funnel=u.funnel_shown,
        letters=u.letters,
        letter_score=u.letter_score,
        perks=tuple(PerkShown.of(p) for p in u.perks),
        costs=tuple(ArmCost.of(c) for c in u.costs),
    )


def took_part_in(
    trial: Trial, data: pd.DataFrame, definition: str, wave: str, today: date
) -> pd.Series:
    """Each analysed person's uptake under the plan's compliance definition (0/1), perks
    counted from randomisation to the day the outcome's ``wave`` closed (the run's day
    ``today`` while it is open: :func:`~hearten.analysis.follow_up.uptake_end`)."""
    from hearten.interventions.goals import complied
    from hearten.interventions.models import Letter
    from hearten.interventions.perks import exposure_days

    ids = dict(Participant.objects.filter(trial=trial).values_list("pseudonym", "id"))
    if definition in ("any-module", "all-modules"):
        by_id = complied(trial, definition)  # type: ignore[arg-type]
    elif definition == "letter-delivered":
        delivered = Letter.objects.filter(trial=trial, status__in=["posted", "emailed"])
        by_id = {pid: True for pid in delivered.values_list("participant_id", flat=True)}
    else:
        start = trial.allocation.randomised_on
        w = trial.waves.get(name=wave)
        closed = timezone.localdate(w.closed_at) if w.closed_at is not None else None
        end = uptake_end(closed, w.closes_on, today)
        by_id = {pid: days > 0 for pid, days in exposure_days(trial, start, end).items()}
    return data["pseudonym"].map(lambda code: float(by_id.get(ids.get(code, -1), False)))


def cace(
    took_part: pd.Series | None,
    primary: OutcomeFit,
    control: str,
    plan: AnalysisSpec,
    vcov: VcovType,
    stratified: bool,
) -> EffectOnTakers | None:
    """The effect on those who took part (CACE), when the plan names a compliance rule;
    ``took_part`` is :func:`took_part_in` for every row of the dataset. Each arm's effect
    stores the keys of its instrumental-variables estimate only (no Hedges' g or resampling),
    and each arm's share who took part is stored control first, then in the effects' order,
    whatever the rows' order; a note alone beside the rule when it cannot be estimated."""
    if took_part is None or plan.compliance is None:
        return None
    used = primary.used
    took = took_part.loc[used.index]
    try:
        fit = estimate_cace(
            used["y"].to_numpy(),
            used["arm"].tolist(),
            took.to_numpy(),
            control,
            adjusters(used) or None,
            used["stratum"].tolist() if stratified else None,
            used["cluster"].to_numpy() if vcov == "CR2" else None,
            vcov,
            plan.alpha,
        )
    except EstimationError as exc:
        return EffectOnTakers(definition=plan.compliance, note=str(exc)).storing(
            "definition", "note"
        )
    # Control first, then the arms in their effects' order (not the rows' order), as stored.
    order = (control, *(e.term for e in fit.effects))
    share = {a: float(took[used["arm"] == a].mean()) for a in order}
    return EffectOnTakers(
        definition=plan.compliance,
        effects=tuple(ArmEffect.of_term(e).storing(*TermResult.keys()) for e in fit.effects),
        took_part=share,
    ).storing("definition", "effects", "took_part")
