"""Participant flow (CONSORT): how many were randomised, consented, responded, analysed.

:func:`flow_from_dataset` counts each arm as a run holds it
(:class:`~hearten.analysis.flow_counts.ArmFlow`); :func:`participant_flow` gives the trial's
flow now to the staff pages and the API, whose rows :class:`FlowRow` declares."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from hearten.analysis.dataset import build_dataset
from hearten.analysis.flow_counts import ArmFlow
from hearten.trials.models import Trial


@dataclass(frozen=True, slots=True)
class FlowRow:
    """Counts for one arm (CONSORT for cluster trials: units and people at each stage), as
    the API's flow endpoint declares them: the counts of
    :class:`~hearten.analysis.flow_counts.ArmFlow` in its order, each required except
    ``received``.

    ``analysed`` needs consent, an outcome and, if planned, a baseline. Of those randomised
    and not analysed: ``withdrawn`` withdrew; ``declined_or_silent`` (withdrawn included) did
    not consent; ``no_follow_up`` consented but gave no outcome answer; ``no_baseline``
    answered the outcome but not the planned baseline. ``received`` is how many took part by
    the plan's compliance rule (``None`` when the plan has none).
    """

    arm: str
    sites: int
    units: int
    randomised: int
    consented: int
    declined_or_silent: int
    withdrawn: int
    responded: int
    no_follow_up: int
    no_baseline: int
    analysed: int
    units_analysed: int
    received: int | None = None


def flow_from_dataset(
    data: pd.DataFrame,
    arms: list[str],
    needs_baseline: bool,
    took_part: pd.Series | None = None,
) -> tuple[ArmFlow, ...]:
    """Each arm's flow; ``took_part`` is 0/1 by row of ``data`` under the compliance rule."""
    rows = []
    for arm in arms:
        d = data[data["arm"] == arm]
        consented = d[d["consented"]]
        responded = consented[consented["outcome"].notna()]
        analysed = responded[responded["baseline"].notna()] if needs_baseline else responded
        rows.append(
            ArmFlow(
                arm=arm,
                sites=int(d["site"].nunique()),
                units=int(d["cluster"].nunique()),
                randomised=len(d),
                consented=len(consented),
                declined_or_silent=len(d) - len(consented),
                withdrawn=int(d["withdrawn"].sum()),
                responded=len(responded),
                no_follow_up=len(consented) - len(responded),
                no_baseline=len(responded) - len(analysed),
                analysed=len(analysed),
                units_analysed=int(analysed["cluster"].nunique()),
                received=None if took_part is None else int(took_part[d.index].sum()),
            )
        )
    return tuple(rows)


def participant_flow(trial: Trial) -> list[dict[str, Any]]:
    """The trial's flow now, one dict per arm (empty before randomisation)."""
    data = build_dataset(trial)
    if data.empty:
        return []
    labels = dict(trial.arms.order_by("position").values_list("name", "label"))
    needs_baseline = bool(trial.design["analysis"].get("baseline_wave"))
    rows = flow_from_dataset(data, list(labels), needs_baseline)
    return [{**r.to_json(), "label": labels[r.arm]} for r in rows]
