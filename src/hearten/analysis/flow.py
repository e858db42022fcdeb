"""Participant flow (CONSORT): how many were randomised, consented, responded, analysed."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import pandas as pd

from hearten.analysis.dataset import build_dataset
from hearten.trials.models import Trial


@dataclass(frozen=True, slots=True)
class FlowRow:
    """Counts for one arm. ``analysed`` needs consent, an outcome and, if planned, a baseline."""

    arm: str
    units: int
    randomised: int
    consented: int
    declined_or_silent: int
    responded: int
    analysed: int


def flow_from_dataset(data: pd.DataFrame, arms: list[str], needs_baseline: bool) -> list[FlowRow]:
    rows = []
    for arm in arms:
        d = data[data["arm"] == arm]
        consented = d[d["consented"]]
        responded = consented[consented["outcome"].notna()]
        analysed = responded[responded["baseline"].notna()] if needs_baseline else responded
        rows.append(
            FlowRow(
                arm=arm,
                units=int(d["cluster"].nunique()),
                randomised=len(d),
                consented=len(consented),
                declined_or_silent=len(d) - len(consented),
                responded=len(responded),
                analysed=len(analysed),
            )
        )
    return rows


def participant_flow(trial: Trial) -> list[dict[str, Any]]:
    """The trial's flow now, one dict per arm (empty before randomisation)."""
    data = build_dataset(trial)
    if data.empty:
        return []
    labels = dict(trial.arms.order_by("position").values_list("name", "label"))
    needs_baseline = bool(trial.design["analysis"].get("baseline_wave"))
    rows = flow_from_dataset(data, list(labels), needs_baseline)
    return [{**asdict(r), "label": labels[r.arm]} for r in rows]
