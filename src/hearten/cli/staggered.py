"""``hearten trial staggered`` and ``hearten staggered FILE``: an observational comparison of a
change teams adopted at different times by decision (Callaway and Sant'Anna 2021); the output
calls it that, never a trial."""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from hearten.cli.output import Table, check_figure_path, out

if TYPE_CHECKING:
    from hearten.analysis.staggered import StaggeredComparison

Comparison = Annotated[
    str,
    typer.Option(
        help="not-yet-treated (teams that have not adopted yet, the default) or never-treated"
    ),
]
Anticipation = Annotated[
    int, typer.Option(help="months before adoption in which teams may already have changed")
]
Seed = Annotated[
    int | None, typer.Option(help="the bootstrap's seed (default: drawn now and printed)")
]
Draws = Annotated[int, typer.Option(help="multiplier bootstrap draws for the uniform bands")]
Figure = Annotated[
    Path | None, typer.Option(help="write the event-study figure here (.svg or .png)")
]
AsJson = Annotated[bool, typer.Option("--json", help="print one JSON object")]


def _seed(seed: int | None) -> int:
    return seed if seed is not None else secrets.randbelow(2**31 - 1) + 1


def _print(result: StaggeredComparison, figure: Path | None, as_json: bool) -> None:
    fit = result.fit
    if figure is not None:
        from hearten.reports.figures import save
        from hearten.reports.staggered import event_study

        dyn = fit.dynamic
        save(event_study(dyn.labels, dyn.estimates, dyn.lower, dyn.upper, result.label),
             str(figure))  # fmt: skip
    if as_json:
        print(json.dumps(result.to_json(), indent=2, allow_nan=False))
        return
    out.print(
        f"Observational comparison (teams chose when to adopt): {result.label}, "
        f"{result.months[0]} to {result.months[-1]}, {fit.n_units} teams, "
        f"comparison {fit.comparison.value}."
    )
    g = fit.group
    out.print(
        f"Average effect of adopting (by adoption month, weighted by teams): {g.overall:.3f} "
        f"({100 * (1 - fit.alpha):.0f}% CI {g.overall_lower:.3f} to {g.overall_upper:.3f})."
    )
    test = fit.pre_trend
    if test.p_value is not None and test.statistic is not None:
        out.print(f"Pre-trend check: chi2 = {test.statistic:.2f} on {test.df} df, "
                  f"p = {test.p_value:.3f}.")  # fmt: skip
    if fit.pre_average is not None:
        a = fit.pre_average
        out.print(f"Mean difference over the {a.periods} event times before adoption: "
                  f"{a.estimate:.3f} (p = {a.p_value:.3f}).")  # fmt: skip
    table = Table("months since adoption", "effect", "band from", "band to",
                  title="Event study (uniform bands)")  # fmt: skip
    for e, est, lo, hi in zip(fit.dynamic.labels, fit.dynamic.estimates, fit.dynamic.lower,
                              fit.dynamic.upper, strict=True):  # fmt: skip
        table.add_row(str(e), f"{est:.3f}", f"{lo:.3f}", f"{hi:.3f}")
    out.print(table)
    for note in result.notes:
        out.print(note)
    out.print(f"Bootstrap seed {fit.seed}, {fit.draws} draws.")
    if figure is not None:
        out.print(f"Event-study figure written to {figure}.")


def trial_staggered(
    trial: Annotated[str, typer.Argument(help="the trial's slug, e.g. caseload-2026")],
    outcome: Annotated[str, typer.Option(help="absence-rate, leaving or caseload")],
    adoption: Annotated[
        Path, typer.Option(help="CSV with columns team and adopted (YYYY-MM, blank if not)")
    ],
    first: Annotated[str, typer.Option("--from", help="the panel's first month, YYYY-MM")],
    last: Annotated[str, typer.Option("--to", help="the panel's last month, YYYY-MM")],
    change: Annotated[
        str, typer.Option(help="what the teams adopted, for the page")
    ] = "the change",
    comparison: Comparison = "not-yet-treated",
    anticipation: Anticipation = 0,
    seed: Seed = None,
    draws: Draws = 999,
    figure: Figure = None,
    as_json: AsJson = False,
) -> None:
    """Compare teams' monthly HR outcomes before and after they adopted a change at times
    chosen by decision (observational; writes a page beside the trial's report)."""
    from django.utils import timezone

    check_figure_path(figure)
    from hearten.cli.bootstrap import require_database

    require_database()
    from hearten.analysis.staggered import HrOutcome, month_of, parse_choice, read_adoption
    from hearten.analysis.staggered_hr import staggered_for_trial
    from hearten.analysis.table_file import read_table
    from hearten.reports.staggered import write_page
    from hearten.stats.staggered import Comparison as Group
    from hearten.trials.lifecycle import get_trial

    kind = parse_choice(HrOutcome, outcome, "outcome")
    group = parse_choice(Group, comparison, "comparison")
    start, end = month_of(first, "--from"), month_of(last, "--to")
    teams = read_adoption(read_table(adoption, as_text=True))
    t = get_trial(trial)
    result = staggered_for_trial(
        t, kind, teams, start, end, comparison=group, anticipation=anticipation,
        seed=_seed(seed), draws=draws,
    )  # fmt: skip
    path = write_page(t, result, change, now=timezone.now())
    _print(result, figure, as_json)
    if not as_json:
        out.print(f"Page written to {path}.")


def staggered_file(
    file: Annotated[Path, typer.Argument(help="a panel: CSV, Excel, Parquet or Stata file")],
    outcome: Annotated[str, typer.Option(help="the outcome column")],
    unit: Annotated[str, typer.Option(help="the team (unit) column")] = "team",
    time: Annotated[str, typer.Option(help="the month column (YYYY-MM)")] = "month",
    adopted: Annotated[
        str, typer.Option(help="the column of each team's adoption month (YYYY-MM, blank: not)")
    ] = "adopted",
    comparison: Comparison = "not-yet-treated",
    anticipation: Anticipation = 0,
    seed: Seed = None,
    draws: Draws = 999,
    figure: Figure = None,
    as_json: AsJson = False,
) -> None:
    """Staggered adoption on your own monthly panel, without a database (observational:
    Callaway and Sant'Anna 2021 with not-yet-adopted comparison teams)."""
    check_figure_path(figure)
    from hearten.analysis.staggered import compare_file, parse_choice
    from hearten.analysis.table_file import read_table
    from hearten.stats.staggered import Comparison as Group

    result = compare_file(
        read_table(file, as_text=True), outcome=outcome, unit=unit, time=time, adopted=adopted,
        comparison=parse_choice(Group, comparison, "comparison"), anticipation=anticipation,
        seed=_seed(seed), draws=draws,
    )  # fmt: skip
    _print(result, figure, as_json)
