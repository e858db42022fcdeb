"""The analysis dataset: one pseudonymous row per randomised participant."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from hearten.surveys.models import Response
from hearten.trials.allocation import arms_by_participant
from hearten.trials.choices import Consent, Unit
from hearten.trials.lifecycle import design_of
from hearten.trials.models import Participant, Trial

COLUMNS = (
    "pseudonym",
    "arm",
    "stratum",
    "cluster",
    "site",
    "team",
    "role",
    "fte",
    "caseload",
    "years_in_post",
    "consented",
    "late",
    "withdrawn",
    "baseline",
    "outcome",
)


def _scores(trial: Trial, wave: str | None, instrument: str, score: str) -> dict[int, float]:
    if wave is None:
        return {}
    rows = Response.objects.filter(
        invitation__wave__trial=trial, invitation__wave__name=wave, instrument=instrument
    ).values_list("invitation__participant_id", "scores")
    return {pid: float(s[score]) for pid, s in rows}


def build_dataset(trial: Trial) -> pd.DataFrame:
    """Randomised participants with arm, design variables, covariates and scores.

    Carries pseudonyms only: no staff number, name or e-mail. ``outcome`` and ``baseline``
    are the primary outcome and its baseline; each secondary outcome ``name`` adds
    ``outcome:name`` and ``baseline:name``. Scores are NaN where no response was given;
    ``cluster`` is the randomised unit.
    """
    design = design_of(trial)
    arms = arms_by_participant(trial)
    randomised_on = trial.allocation.randomised_on if arms else None
    planned = design.planned_outcomes()
    scores = {
        o.name: (
            _scores(trial, o.wave, o.instrument, o.score),
            _scores(trial, o.baseline_wave, o.instrument, o.score),
        )
        for o in planned
    }
    outcome, baseline = scores["primary"]
    people = Participant.objects.filter(trial=trial, id__in=list(arms)).select_related(
        "site", "team", "office"
    )
    records = []
    for p in people.order_by("pseudonym"):
        cluster = {Unit.TEAM: p.team.code, Unit.OFFICE: p.office.code if p.office else None}
        records.append(
            {
                "pseudonym": p.pseudonym,
                "arm": arms[p.id],
                "stratum": p.site.code if trial.strata == "site" else "all",
                "cluster": cluster.get(Unit(trial.unit), p.pseudonym),
                "site": p.site.code,
                "team": p.team.code,
                "role": p.role,
                "fte": float(p.fte),
                "caseload": float(p.caseload) if p.caseload is not None else np.nan,
                "years_in_post": (
                    (randomised_on - p.start_date).days / 365.25 if randomised_on else np.nan
                ),
                "consented": p.consent == Consent.CONSENTED,
                "late": p.late,
                "withdrawn": p.withdrawn_at is not None,
                "baseline": baseline.get(p.id, np.nan),
                "outcome": outcome.get(p.id, np.nan),
                **{
                    f"{kind}:{o.name}": values.get(p.id, np.nan)
                    for o in planned[1:]
                    for kind, values in zip(("outcome", "baseline"), scores[o.name], strict=True)
                },
            }
        )
    extra = [f"{kind}:{o.name}" for o in planned[1:] for kind in ("outcome", "baseline")]
    return pd.DataFrame.from_records(records, columns=[*COLUMNS, *extra])


def dataset_digest(data: pd.DataFrame) -> str:
    """SHA-256 of the dataset as CSV, recorded with every analysis run."""
    return hashlib.sha256(data.to_csv(index=False).encode()).hexdigest()
