"""The report of a stepped-wedge trial: the schedule (table and staircase), the CONSORT
stepped-wedge flow by sequence and period, the planned model's effect with its interval and
df method, the CR2 alternative and the sequence re-draws. Renders the stored run only."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from hearten.analysis.stepped_result import FlowCell, SteppedResult
from hearten.reports.effect_tables import p_text
from hearten.reports.figures import both, staircase

if TYPE_CHECKING:  # matplotlib is imported inside the functions
    from matplotlib.figure import Figure

MARKS = {"control": ".", "transition": "t", "change": "X"}
COLOURS = {"control": "#f3f2f1", "transition": "#ffdd00", "change": "#1d70b8"}


def flow_by_sequence(flow: Sequence[FlowCell], unit: str) -> Figure:
    """The CONSORT flow diagram for a stepped-wedge trial (Hemming et al. 2018): a row per
    sequence, a column per period, each cell the clusters and people invited, answering and
    analysed, shaded by the condition the sequence was in (the mark repeats it in text)."""
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

    sequences = sorted({int(f.sequence) for f in flow})
    periods = sorted({int(f.period) for f in flow})
    cell = {(int(f.sequence), int(f.period)): f for f in flow}
    fig = Figure(figsize=(1.9 + 1.45 * len(periods), 0.8 + 0.95 * len(sequences)))
    ax = fig.subplots()
    for row, s in enumerate(sequences):
        y = len(sequences) - 1 - row
        for p in periods:
            f = cell[(s, p)]
            ax.add_patch(
                Rectangle(
                    (p, y),
                    1,
                    1,
                    facecolor=COLOURS[f.condition],
                    edgecolor="#ffffff",
                    linewidth=2,
                )
            )
            colour = "#ffffff" if f.condition == "change" else "#0b0c0c"
            ax.text(
                p + 0.5,
                y + 0.5,
                f"{f.condition}\ninvited {f.invited}\nanswered {f.answered}\nanalysed {f.analysed}",
                ha="center",
                va="center",
                color=colour,
                fontsize=7,
            )
    ax.set_xlim(min(periods), max(periods) + 1)
    ax.set_ylim(0, len(sequences))
    ax.set_xticks([p + 0.5 for p in periods], [f"Period {p}" for p in periods])
    first = {s: cell[(s, periods[0])] for s in sequences}
    ax.set_yticks(
        [len(sequences) - 0.5 - i for i in range(len(sequences))],
        [
            f"Sequence {s}\n{first[s].clusters} {unit}s,\n{first[s].people} people"
            for s in sequences
        ],
    )
    ax.tick_params(length=0, labelsize=8)
    ax.spines[["top", "right", "left", "bottom"]].set_visible(False)
    fig.tight_layout()
    return fig


def _schedule(r: SteppedResult) -> dict[str, Any]:
    rows = r.schedule.rows
    unit = r.allocation.unit
    moved = r.moved_to()
    table = [
        {
            "unit": x.unit,
            "stratum": x.stratum,
            "start": x.start,
            "moved_to": moved.get(x.unit),
            "marks": [MARKS[c] for c in x.conditions],
        }
        for x in rows
    ]
    figure = both(
        staircase([x.unit for x in rows], [list(x.conditions) for x in rows], unit),
        summary=f"The staircase: each {unit}'s condition in each period as drawn",
        headers=[unit.capitalize(), "Site", "Starts at period"],
        rows=[[x.unit, x.stratum, x.start] for x in rows],
    )
    return {
        "schedule_rows": table,
        "staircase_figure": figure,
        "periods": list(range(r.schedule.periods)),
    }


def _flow(r: SteppedResult) -> dict[str, Any]:
    flow = r.flow
    unit = r.allocation.unit
    first = {f.sequence: f for f in reversed(flow)}  # each sequence's first cell
    sequences = sorted(first)
    clusters = sum(first[s].clusters for s in sequences)
    people = sum(first[s].people for s in sequences)
    figure = both(
        flow_by_sequence(flow, unit),
        summary=f"Stepped-wedge flow: {clusters} {unit}s and {people} people randomised to "
        f"{len(sequences)} sequences; each sequence in each period",
        headers=["Sequence and period", "Condition", "Invited", "Answered", "Analysed"],
        rows=[
            [
                f"Sequence {f.sequence}, period {f.period}",
                f.condition,
                f.invited,
                f.answered,
                f.analysed,
            ]
            for f in flow
        ],
    )
    return {
        "flow_figure": figure,
        "flow_clusters": clusters,
        "flow_people": people,
        "flow_sequences": len(sequences),
    }


#: Each HR outcome's row label in the report.
HR_LABELS = {"absence": "Sickness absence (days per FTE-year)",
             "leaving": "Leaving (leavers per person-year)"}  # fmt: skip


def _hr(r: SteppedResult) -> dict[str, Any]:
    rows = [
        {**x.to_json(), "label": HR_LABELS[key],
         "p_model": p_text(x.ratio.p_value if x.ratio else None),
         "p_ri": p_text(x.randomisation.p_value if x.randomisation else None)}
        for key, x in (r.hr.outcomes() if r.hr else ())
    ]  # fmt: skip
    return {"hr_rows": rows, "hr_leads": any(x["leads"] for x in rows)}


def stepped_wedge_context(r: SteppedResult) -> dict[str, Any]:
    """What the stepped-wedge template shows, from the stored result ``r``."""
    labels = r.labels
    e = r.effect
    ri = r.randomisation
    exposure = r.exposure_time
    rows = [*exposure.effects, exposure.average] if exposure else []
    lower, upper = e.conf_low, e.conf_high
    excludes = (lower is not None and lower > 0) or (upper is not None and upper < 0)
    return {
        "r": r,
        "labels": labels,
        "change_label": labels[e.term],
        "control_label": labels[r.control],
        "level": r.level,
        "effect": {
            **e.to_json(),
            "magnitude": abs(e.estimate),
            "p_text": p_text(e.p_value),
            "direction": "higher" if e.estimate >= 0 else "lower",
            "excludes_zero": excludes,
        },
        "robust": {**r.robust.to_json(), "p_text": p_text(r.robust.p_value)},
        "ri": {**ri.to_json(), "p_text": p_text(ri.p_value)} if ri else None,
        **_hr(r),
        "exposure_rows": [{**x.to_json(), "p_text": p_text(x.p_value)} for x in rows],
        "plan_label": r.primary_label,
        **_schedule(r),
        **_flow(r),
    }


def planned_model_words(design: Any) -> str:
    """The pre-registration's statistical model of a stepped-wedge ``design``: the planned mixed
    model with its random effects, the CR2 alternative, the sequence re-draws and the
    exposure-time option, as the analysis runs them (:mod:`hearten.analysis.stepped_wedge`:
    with transition periods it runs no re-draws), and the caution when the model's random
    effects do not fit the design's correlation."""
    from hearten.trials.stepped_wedge import model_warning

    spec = design.stepped_wedge
    unit = design.unit
    extra = (
        f" and random {unit}-by-period intercepts (Hooper et al. 2016)"
        if spec.random_effects == "cluster-period"
        else ""
    )
    words = (
        "Intention to treat by the schedule as drawn: a linear mixed model of each answer in "
        f"the period waves ({', '.join(spec.period_waves) or 'not yet named'}) on the change "
        f"and a fixed effect for each period, with random {unit} intercepts{extra} (Hussey and "
        "Hughes 2007); REML, Satterthwaite degrees of freedom"
        + (f"; the {spec.transition} transition period(s) after each start left out"
           if spec.transition else "")
        + f". Beside it: least squares with the same period effects and CR2 standard errors by "
        f"{unit}"
        + (", and no re-drawn sequences (with transition periods the re-drawn allocations "
           "would leave out different cluster-periods)" if spec.transition
           else f", and randomisation inference re-drawing which {unit}s start when")
        + ("; and the effect by time since the change (exposure time)" if spec.exposure_time
           else "")
        + "."
    )  # fmt: skip
    warning = model_warning(spec, unit)
    return words + (f" Caution: {warning}." if warning else "")
