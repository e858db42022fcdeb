"""``hearten trial lock-plan|amend-plan|analyse|report|standards|dpia`` and ``hearten
programme report``: a trial's plan, its analysis and the reports read from it.

Registered on ``hearten trial`` and ``hearten programme`` by :mod:`hearten.cli.platform`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from hearten.cli.bootstrap import require_database
from hearten.cli.compute import Scheduler, Workers, runner
from hearten.cli.output import Table, out

if TYPE_CHECKING:
    from hearten.analysis.stepped_result import SteppedResult

TrialArg = Annotated[str, typer.Argument(help="the trial's slug, e.g. letters-2026")]


def lock_plan_cmd(trial: TrialArg) -> None:
    """Lock the analysis plan before outcome data are analysed; write the pre-registration."""
    require_database()
    from django.utils import timezone

    from hearten.reports.preregistration import lock_and_preregister
    from hearten.reports.sap import write_sap
    from hearten.trials.lifecycle import get_trial

    t = get_trial(trial)
    version, md, pdf = lock_and_preregister(t, now=timezone.now())  # the edge reads the clock
    out.print(f"The plan of {trial} is locked as version 1, SHA-256 {version.sha256}.")
    out.print(f"Pre-registration: {md} and {pdf}")
    sap_md, sap_pdf = write_sap(t, version)
    out.print(f"Statistical analysis plan (Gamble et al.): {sap_md} and {sap_pdf}")
    out.print("Publish the digest (or the PDF) on a registry (OSF, AEA) before analysing.")
    from hearten.cli.stepped_text import print_model_warning

    print_model_warning(t, locked=True)


def amend_plan_cmd(
    trial: TrialArg,
    design: Annotated[Path, typer.Argument(help="the design file with the changed plan")],
    reason: Annotated[str, typer.Option(help="why the plan changes (printed in the report)")] = "",
) -> None:
    """Change the analysis plan; once locked, as a new version with its reason."""
    require_database()
    from hearten.analysis.plan import amend_plan, differences
    from hearten.trials.design import load_design
    from hearten.trials.lifecycle import get_trial

    t = get_trial(trial)
    before = t.design
    from django.utils import timezone

    version = amend_plan(t, load_design(design), reason, now=timezone.now())  # the edge's clock
    for change in differences(before, t.design):
        out.print(f"  {change}")
    from hearten.cli.stepped_text import print_model_warning

    print_model_warning(t, locked=version is not None)
    if version is None:
        out.print(f"The draft plan of {trial} is updated (not locked yet).")
    else:
        note = " after the results were first seen" if version.after_unblinding else ""
        out.print(
            f"Plan version {version.number} of {trial} recorded{note}, SHA-256 {version.sha256}; "
            "the report lists it as a deviation."
        )
        from hearten.reports.sap import write_sap

        sap_md, _ = write_sap(t, version)
        out.print(f"Statistical analysis plan version {version.number}: {sap_md} (and .pdf)")


def analyse(trial: TrialArg, scheduler: Scheduler = None, workers: Workers = None) -> None:
    """Run the trial's analysis plan and store the result."""
    require_database()
    from django.utils import timezone

    from hearten.analysis.run import run_analysis
    from hearten.analysis.stepped_result import SteppedResult
    from hearten.analysis.stored import read_typed
    from hearten.stats import chunks
    from hearten.trials.lifecycle import get_trial

    with chunks.using(runner(scheduler, workers)):
        run = run_analysis(get_trial(trial), timezone.now())
    r = read_typed(run)
    m = r.model  # a parallel or a stepped-wedge trial's model: both have these
    level = round(100 * (1 - m.alpha))
    table = Table(
        "arm vs control",
        "estimate",
        "std. error",
        "df",
        f"{level}% CI",
        "p",
        title=f"{trial}: {m.outcome}",
    )
    for e in r.effects:
        table.add_row(
            e.term,
            f"{e.estimate:.3f}",
            f"{e.std_error:.3f}",
            f"{e.df:.1f}",
            f"{e.conf_low:.3f} to {e.conf_high:.3f}",
            f"{e.p_value:.3f}",
        )
    out.print(table)
    if isinstance(r, SteppedResult):
        _stepped_wedge_lines(r, run.id)
        return
    model = r.model
    clusters = f", {model.n_clusters} {model.cluster}s" if model.n_clusters else ""
    out.print(
        f"n = {model.n}{clusters}; {model.vcov} standard errors"
        f"{' with Satterthwaite df' if model.vcov == 'CR2' else ''}. Stored as run {run.id}."
    )


def _stepped_wedge_lines(r: SteppedResult, run_id: int) -> None:
    """What `trial analyse` adds for a stepped-wedge trial: the model, the CR2 alternative
    and the randomisation test."""
    m, cr2, ri = r.model, r.robust, r.randomisation
    out.print(
        f"n = {m.n} answers, {m.n_clusters} {m.cluster}s, {m.periods} periods; "
        f"mixed model with period fixed effects and random {m.cluster} intercepts "
        f"(REML, {m.df_method} df)."
    )
    out.print(
        f"CR2 by {m.cluster} with period fixed effects: {cr2.estimate:.3f} "
        f"({cr2.conf_low:.3f} to {cr2.conf_high:.3f}), p = {cr2.p_value:.3f}."
    )
    if ri:
        how = (
            f"exact, all {ri.allocations} allocations" if ri.exact else f"{ri.allocations} re-draws"
        )
        out.print(f"randomisation inference ({how}): p = {ri.p_value:.4f}.")
    else:
        out.print(f"randomisation inference {r.randomisation_note}.")
    from hearten.cli.stepped_text import print_period_hr

    print_period_hr(r)
    out.print(f"Stored as run {run_id}.")


def report(trial: TrialArg) -> None:
    """Write the trial's HTML report from its latest analysis."""
    require_database()
    from django.utils import timezone

    from hearten.reports.render import write_report
    from hearten.trials.lifecycle import get_trial

    path = write_report(get_trial(trial), now=timezone.now())  # the command is the edge
    out.print(f"Report written to {path} and {path.with_suffix('.pdf')}")


def standards(trial: TrialArg) -> None:
    """Write the reporting pack: CONSORT 2025 item by item (with the cluster extension),
    consent timing, TIDieR for every arm, harms, data sharing and the WHO registry items; for a
    stepped-wedge trial, the CONSORT stepped-wedge extension item by item."""
    require_database()
    from hearten.reports.standards import write_standards
    from hearten.trials.lifecycle import get_trial

    md, pdf = write_standards(get_trial(trial))
    out.print(f"Reporting pack: {md} and {pdf}")


def programme_report(
    trials: Annotated[list[str], typer.Argument(help="the programme's trials (two or more)")],
    name: Annotated[str, typer.Option(help="the programme's name")] = "Programme",
    alpha: Annotated[float, typer.Option(help="significance level")] = 0.05,
) -> None:
    """Pool the latest analyses of a programme's trials and sites (HTML and PDF)."""
    require_database()
    from django.utils import timezone

    from hearten.reports.programme import write_programme_report

    path = write_programme_report(name, trials, alpha, now=timezone.now())  # the edge
    out.print(f"Programme report written to {path} and {path.with_suffix('.pdf')}")


def dpia_cmd(trial: TrialArg) -> None:
    """Write the trial's data-protection summary for the council's DPIA (Markdown and PDF)."""
    require_database()
    from django.utils import timezone

    from hearten.reports.dpia import write_dpia
    from hearten.trials.lifecycle import get_trial
    from hearten.web.dpia_facts import access_of

    found = get_trial(trial)
    md, pdf = write_dpia(found, access_of(found, timezone.now()))
    out.print(f"Data-protection summary: {md} and {pdf}")
