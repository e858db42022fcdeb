"""The codebook of the analysis dataset (:func:`hearten.analysis.dataset.build_dataset`):
each column, what it means and what values it takes, read from the trial's design, so that
someone analysing the dataset elsewhere (through the API, in R or Stata) reads the same
definitions the planned analysis used."""

from __future__ import annotations

from dataclasses import dataclass

from hearten.analysis.dataset import COLUMNS
from hearten.instruments import get_instrument
from hearten.trials.lifecycle import design_of
from hearten.trials.models import Trial


@dataclass(frozen=True, slots=True)
class Variable:
    """One column of the analysis dataset: its ``name``, its ``label`` (what it means) and its
    ``values`` (the values it takes, or their kind)."""

    name: str
    label: str
    values: str


def dataset_codebook(trial: Trial) -> tuple[Variable, ...]:
    """Every column of the trial's analysis dataset, in the dataset's order."""
    design = design_of(trial)
    arms = "; ".join(
        f"{a.name}={a.label}" + (" (control)" if a.control else "") for a in design.arms
    )
    unit = trial.unit
    fixed = {
        "pseudonym": ("the participant's study code (no staff number, name or e-mail)", "P-…"),
        "arm": ("the arm the participant was randomised to", arms),
        "stratum": (
            "the randomisation stratum (the site when stratified by site)",
            "a site code, or 'all'",
        ),
        "cluster": (
            f"the randomised unit ({unit}); the participant's code when individuals "
            "were randomised",
            "a code",
        ),
        "site": ("the site (council)", "a site code from the roster"),
        "team": ("the team", "a team code from the roster"),
        "role": ("the role as on the roster", "text"),
        "fte": ("full-time equivalent on the roster", "number"),
        "caseload": ("cases held at the roster import", "number; empty when not given"),
        "years_in_post": ("years from starting in post to randomisation", "number"),
        "consented": ("consented to take part in the study", "True; False"),
        "late": ("joined after randomisation", "True; False"),
        "withdrawn": ("withdrew from the study", "True; False"),
    }
    described = dict(fixed)
    names = list(COLUMNS)
    for o in design.planned_outcomes():
        instrument = get_instrument(o.instrument)
        suffix = "" if o.name == "primary" else f":{o.name}"
        if suffix:
            names += [f"outcome{suffix}", f"baseline{suffix}"]
        what = f"{instrument.title}: {o.score} score"
        transform = "" if o.transform == "none" else f" (analysed {o.transform}-transformed)"
        described[f"outcome{suffix}"] = (
            f"{o.name} outcome: {what} at the {o.wave} wave{transform}",
            "a score; empty when not answered",
        )
        described[f"baseline{suffix}"] = (
            f"{o.name} outcome's baseline: {what} at the {o.baseline_wave} wave"
            if o.baseline_wave
            else f"{o.name} outcome's baseline: none is planned",
            "a score; empty when not answered or not planned",
        )
    return tuple(Variable(name, *described[name]) for name in names)
