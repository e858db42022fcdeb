"""What the trial commands print about a stepped-wedge trial beyond the parallel trials': its
absence and leaving by period (`trial analyse`, read from the stored run's ``result["hr"]``,
:mod:`hearten.analysis.stepped_hr`, never recomputed, so the terminal and the report say the
same), and the warning that the planned model does not fit the design's correlation
(`trial create`, `lock-plan`, `amend-plan`)."""

from __future__ import annotations

from typing import Any

from hearten.cli.output import Table, escape, out

#: Each HR outcome's row label and the name of its ratio.
HR_LABELS = {
    "absence": ("sickness absence (days per FTE-year)", "rate ratio"),
    "leaving": ("leaving (leavers per person-year)", "hazard ratio"),
}


def _p(p: float | None) -> str:
    if p is None:
        return "–"
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def print_period_hr(r: dict[str, Any]) -> None:
    """Absence and leaving by period from the stored result ``r``: the rates with and without
    the change, the ratio with its interval, the model's p-value and the re-drawn sequences'
    (the one to read below the plan's cluster threshold, said in words); or why they are not
    analysed yet. Prints nothing when the plan asks for no HR outcomes."""
    hr = r.get("hr")
    if not hr:
        return
    unit = r["model"]["cluster"]
    first, last = hr["periods"][0][0], hr["periods"][-1][1]
    if hr.get("not_run"):
        out.print(f"Absence and leaving by period: not analysed yet: {hr['not_run']}.")
        return
    level = round(100 * (1 - r["model"]["alpha"]))
    table = Table(
        "outcome",
        "without the change",
        "with the change",
        f"ratio ({level}% CI)",
        "p (model)",
        "p (re-drawn sequences)",
        title=f"Absence and leaving by period, {first} to {last} ({len(hr['periods'])} periods)",
    )
    notes: list[str] = [str(n) for n in hr.get("notes") or []]
    leads: list[str] = []
    for key, (label, kind) in HR_LABELS.items():
        x = hr.get(key)
        if not x:
            continue
        ratio = x.get("ratio")
        ri = x.get("randomisation")
        table.add_row(
            label,
            f"{x['rate_control']:.2f}",
            f"{x['rate_change']:.2f}",
            f"{kind} {ratio['rate_ratio']:.2f} ({ratio['conf_low']:.2f} to "
            f"{ratio['conf_high']:.2f})"
            if ratio
            else "–",
            _p(ratio["p_value"] if ratio else None),
            _p(ri["p_value"] if ri else None),
        )
        if x.get("leads"):
            leads.append(key)
        if x.get("note"):
            notes.append(f"{key}: {x['note']}")
    out.print(table)
    if leads:
        out.print(
            f"With {hr['clusters']} {unit}s (fewer than {hr['ri_below_clusters']}) the model's "
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
