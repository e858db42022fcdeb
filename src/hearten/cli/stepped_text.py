"""What the trial commands print about a stepped-wedge trial beyond the parallel trials': its
absence and leaving by period (`trial analyse`, read from the stored run's ``hr``,
:mod:`hearten.analysis.stepped_hr`, never recomputed, so the terminal and the report say the
same), and the warning that the planned model does not fit the design's correlation
(`trial create`, `lock-plan`, `amend-plan`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hearten.cli.output import Table, escape, out

if TYPE_CHECKING:
    from hearten.analysis.stepped_result import SteppedResult

#: Each HR outcome's row label and the name of its ratio.
HR_LABELS = {
    "absence": ("sickness absence (days per FTE-year)", "rate ratio"),
    "leaving": ("leaving (leavers per person-year)", "hazard ratio"),
}


def print_period_hr(r: SteppedResult) -> None:
    """Absence and leaving by period from the stored result ``r``: the rates with and without
    the change, the ratio with its interval, the model's p-value and the re-drawn sequences'
    (the one to read below the plan's cluster threshold, said in words); or why they are not
    analysed yet. Prints nothing when the plan asks for no HR outcomes."""
    from hearten.reports.effect_tables import p_text

    hr = r.hr
    if hr is None:
        return
    unit = r.model.cluster
    first, last = hr.periods[0][0], hr.periods[-1][1]
    if hr.not_run:
        out.print(f"Absence and leaving by period: not analysed yet: {hr.not_run}.")
        return
    level = r.level
    table = Table(
        "outcome",
        "without the change",
        "with the change",
        f"ratio ({level}% CI)",
        "p (model)",
        "p (re-drawn sequences)",
        title=f"Absence and leaving by period, {first} to {last} ({len(hr.periods)} periods)",
    )
    notes: list[str] = [str(n) for n in hr.notes]
    leads: list[str] = []
    for key, x in hr.outcomes():
        label, kind = HR_LABELS[key]
        ratio, ri = x.ratio, x.randomisation
        table.add_row(
            label,
            f"{x.rate_control:.2f}",
            f"{x.rate_change:.2f}",
            f"{kind} {ratio.rate_ratio:.2f} ({ratio.conf_low:.2f} to {ratio.conf_high:.2f})"
            if ratio
            else "–",
            p_text(ratio.p_value if ratio else None),
            p_text(ri.p_value if ri else None),
        )
        if x.leads:
            leads.append(key)
        if x.note:
            notes.append(f"{key}: {x.note}")
    out.print(table)
    if leads:
        out.print(
            f"With {hr.clusters} {unit}s (fewer than {hr.ri_below_clusters}) the model's "
            f"normal tests are too optimistic: read the re-drawn sequences' p-value for "
            f"{' and '.join(leads)}."
        )
    for note in notes:
        out.print(f"Note: {note}.")


def print_model_warning(trial: Any, locked: bool) -> None:
    """Warn when the stored design's correlation needs more than the planned model's cluster
    intercepts (:func:`hearten.trials.stepped_wedge.model_advice`); nothing otherwise."""
    from hearten.trials.lifecycle import design_of
    from hearten.trials.stepped_wedge import model_advice

    advice = model_advice(design_of(trial).stepped_wedge, trial.unit, locked)
    if advice:
        out.print(f"[bold yellow]Warning:[/] {escape(advice[0].upper() + advice[1:])}")
