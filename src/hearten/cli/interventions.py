"""``hearten letters`` and ``hearten perks``: delivering the interventions and logging it."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from hearten.cli.bootstrap import django_setup, require_database
from hearten.cli.output import Table, out

letters_app = typer.Typer(
    help="Personal recognition letters: plan, print, post, e-mail.", no_args_is_help=True
)
perks_app = typer.Typer(help="Workplace perks at offices or teams.", no_args_is_help=True)
costs_app = typer.Typer(help="What delivering each arm cost.", no_args_is_help=True)
TrialArg = Annotated[str, typer.Argument(help="the trial's slug, e.g. letters-2026")]


@letters_app.command("plan")
def plan(
    trial: TrialArg,
    arm: Annotated[str, typer.Option(help="the arm that gets letters")],
    signatory: Annotated[str, typer.Option(help="who signs, e.g. 'Jane Smith'")],
    title: Annotated[str, typer.Option(help="their title, e.g. 'Director of Children's Services'")],
    template: Annotated[
        Path | None, typer.Option(help="the fixed wording with {name}, {lines}, ... (a file)")
    ] = None,
    deadline: Annotated[
        str | None, typer.Option(help="write letters by this date, YYYY-MM-DD (managers see it)")
    ] = None,
) -> None:
    """Set which arm gets letters, who signs them, their fixed wording and deadline."""
    from django.utils import timezone

    require_database()
    from datetime import date

    from hearten.errors import DataError
    from hearten.interventions.letters import DEFAULT_TEMPLATE, set_plan
    from hearten.trials.lifecycle import get_trial

    by = None
    if deadline:
        try:
            by = date.fromisoformat(deadline)
        except ValueError:
            raise DataError(
                f"--deadline {deadline!r} is not a date: write it as YYYY-MM-DD"
            ) from None
    text = template.read_text(encoding="utf-8") if template else DEFAULT_TEMPLATE
    set_plan(get_trial(trial), arm, signatory, title, text, by, now=timezone.now())
    when = f", to be written by {by:%-d %B %Y}" if by else ""
    out.print(f"Letters in {trial} go to the {arm} arm, signed by {signatory}, {title}{when}.")


@letters_app.command("status")
def status(trial: TrialArg) -> None:
    """How many letters are at each stage, and their personalisation scores."""
    require_database()
    from django.db.models import Avg, Count

    from hearten.interventions.models import Letter
    from hearten.trials.lifecycle import get_trial

    rows = (
        Letter.objects.filter(trial=get_trial(trial))
        .values("status")
        .annotate(n=Count("id"), score=Avg("score"))
        .order_by("status")
    )
    table = Table("stage", "letters", "mean personalisation score", title=f"{trial}: letters")
    for r in rows:
        table.add_row(r["status"], str(r["n"]), f"{r['score']:.0f}")
    out.print(table)


@letters_app.command("print")
def print_cmd(
    trial: TrialArg,
    out_dir: Annotated[Path | None, typer.Option("--out", help="folder for the PDFs")] = None,
    each: Annotated[
        bool, typer.Option("--each/--combined-only", help="also one PDF per letter")
    ] = True,
) -> None:
    """Print-ready PDFs of every approved letter: one combined file, and one each."""
    require_database()
    from django.conf import settings
    from django.utils import timezone

    from hearten.interventions.letters import print_letters
    from hearten.trials.lifecycle import get_trial

    t = get_trial(trial)
    folder = out_dir or settings.HEARTEN.home / "exports" / t.slug / "letters"
    paths = print_letters(t, folder, timezone.now(), each)
    if each:
        out.print(f"{len(paths) - 1} letter(s) printed to {paths[0]} and one file each in {folder}")
    else:
        out.print(f"Letters printed to {paths[0]}")


@letters_app.command("posted")
def posted(
    trial: TrialArg,
    pseudonym: Annotated[
        list[str] | None, typer.Argument(help="study codes (default: every printed letter)")
    ] = None,
) -> None:
    """Record printed letters as posted."""
    require_database()
    from django.utils import timezone

    from hearten.interventions.letters import mark_posted
    from hearten.trials.lifecycle import get_trial

    n = mark_posted(get_trial(trial), list(pseudonym or []), now=timezone.now())
    out.print(f"{n} letter(s) recorded as posted.")


@letters_app.command("email")
def email(trial: TrialArg) -> None:
    """E-mail approved letters (as PDF) to everyone with an e-mail address."""
    require_database()
    from django.utils import timezone

    from hearten.interventions.letters import email_letters
    from hearten.trials.lifecycle import get_trial

    n = email_letters(get_trial(trial), timezone.now())
    out.print(f"{n} letter(s) e-mailed.")


@perks_app.command("add")
def perk_add(
    trial: TrialArg,
    name: Annotated[str, typer.Option(help="e.g. 'coffee machine and thank-you note'")],
    starts: Annotated[str, typer.Option(help="first day, YYYY-MM-DD")],
    ends: Annotated[str, typer.Option(help="last day, YYYY-MM-DD")],
    office: Annotated[str | None, typer.Option(help="the office it is in")] = None,
    team: Annotated[str | None, typer.Option(help="or the team it is for")] = None,
    cost: Annotated[float, typer.Option(help="what it cost, in pounds")] = 0.0,
) -> None:
    """Record a perk deployed at an office or team in an intervention arm."""
    from django.utils import timezone

    require_database()
    from hearten.interventions.perks import add_perk
    from hearten.trials.lifecycle import get_trial

    p = add_perk(
        get_trial(trial), name, _day(starts), _day(ends), office, team, cost, now=timezone.now()
    )
    out.print(f"Perk {p.pk} recorded: {name} at {office or team}, {starts} to {ends}.")


@perks_app.command("interrupt")
def perk_interrupt(
    trial: TrialArg,
    perk: Annotated[int, typer.Argument(help="the perk's number (from `perks add`)")],
    starts: Annotated[str, typer.Option(help="first day without it, YYYY-MM-DD")],
    ends: Annotated[str, typer.Option(help="last day without it, YYYY-MM-DD")],
    reason: Annotated[str, typer.Option(help="e.g. 'office closed for refurbishment'")],
) -> None:
    """Record days a perk was not there."""
    from django.utils import timezone

    require_database()
    from hearten.interventions.perks import interrupt
    from hearten.trials.lifecycle import get_trial

    interrupt(get_trial(trial), perk, _day(starts), _day(ends), reason, now=timezone.now())
    out.print(f"Perk {perk}: interruption recorded ({starts} to {ends}).")


@costs_app.command("add")
def cost_add(
    trial: TrialArg,
    arm: Annotated[str, typer.Option(help="the arm the cost belongs to")],
    item: Annotated[str, typer.Option(help="what it was, e.g. 'printing and postage'")],
    amount: Annotated[float, typer.Option(help="money spent, in pounds (per --per unit)")] = 0.0,
    minutes: Annotated[int, typer.Option(help="staff time in minutes (per --per unit)")] = 0,
    hourly_rate: Annotated[float, typer.Option(help="cost of an hour of that time")] = 0.0,
    unit_cost: Annotated[
        str, typer.Option(help="a key of the trial's unit-cost table, instead of --hourly-rate")
    ] = "",
    per: Annotated[
        str, typer.Option(help="total, letter, module, perk or participant (counted from the logs)")
    ] = "total",
    phase: Annotated[str, typer.Option(help="prerequisite, start-up or recurring")] = "recurring",
    kind: Annotated[
        str, typer.Option(help="materials, staff or participants (default: staff if minutes)")
    ] = "",
    year: Annotated[int, typer.Option(help="year of the trial it falls in, 0 = the first")] = 0,
    priced_in: Annotated[str, typer.Option(help="price year of the amount, e.g. 2024-25")] = "",
    source: Annotated[str, typer.Option(help="where the price comes from")] = "",
    minutes_from: Annotated[
        str,
        typer.Option(
            help="entered (--minutes) or deliverer-survey (per letter: the letter writers' "
            "mean minutes, read each time the trial is costed)"
        ),
    ] = "entered",
) -> None:
    """Record an ingredient of delivering an arm: money, or staff time at an hourly rate, in
    total or per letter sent, module completed, perk deployed or person randomised."""
    from django.utils import timezone

    require_database()
    from hearten.interventions.costs import add_cost
    from hearten.trials.lifecycle import get_trial

    c = add_cost(
        get_trial(trial), arm, item, amount, minutes, hourly_rate, phase=phase,
        kind=kind or None, per=per, unit_cost=unit_cost, year=year, priced_in=priced_in,
        source=source, minutes_from=minutes_from, now=timezone.now(),
    )  # fmt: skip
    each = "" if per == "total" else f" per {per}"
    if minutes_from == "deliverer-survey":
        out.print(f"Cost recorded for {arm}: {item}, £{c.total:,.2f}{each} plus the letter "
                  f"writers' reported minutes at £{c.hourly_rate:,.2f} an hour.")  # fmt: skip
    else:
        out.print(f"Cost recorded for {arm}: {item}, £{c.total:,.2f}{each}.")


@costs_app.command("basis")
def cost_basis(
    trial: TrialArg,
    price_year: Annotated[str, typer.Option(help="the year costs are reported in, e.g. 2025-26")],
    index: Annotated[
        list[str] | None,
        typer.Option(help="a price index value as YEAR=VALUE (repeat for each year used)"),
    ] = None,
    index_name: Annotated[
        str, typer.Option(help="the index and its edition, e.g. 'HM Treasury GDP deflator'")
    ] = "",
    discount_rate: Annotated[
        float, typer.Option(help="a share a year (Green Book: 0.035)")
    ] = 0.035,
    horizon_years: Annotated[int, typer.Option(help="years of costs counted")] = 1,
    case_cost: Annotated[
        float | None, typer.Option(help="cost a year of one case fewer per worker, in pounds")
    ] = None,
    case_cost_source: Annotated[str, typer.Option(help="how that cost was worked out")] = "",
    wtp: Annotated[
        list[float] | None,
        typer.Option(help="a willingness to pay per point to show (repeat)"),
    ] = None,
    published_index: Annotated[
        str,
        typer.Option(help="use an index Hearten ships, e.g. pss-pay-prices (`costs rates`)"),
    ] = "",
) -> None:
    """Set the price year and index, discount rate and horizon, and the cost of one case
    fewer per worker (for the caseload comparison)."""
    from django.utils import timezone

    require_database()
    from hearten.errors import DataError
    from hearten.interventions.costs import published_index as shipped
    from hearten.interventions.costs import set_basis
    from hearten.trials.lifecycle import get_trial

    if published_index and (index or index_name):
        raise DataError("give either --published-index or --index and --index-name, not both")
    if published_index:
        found = shipped(published_index)
        index = [f"{year}={value}" for year, value in found.values.items()]
        index_name = found.label
    values: dict[str, float] = {}
    for pair in index or []:
        year, _, value = pair.partition("=")
        try:
            values[year.strip()] = float(value)
        except ValueError:
            raise DataError(f"{pair!r} is not YEAR=VALUE, e.g. 2024-25=98.7") from None
    set_basis(get_trial(trial), price_year, values, index_name, discount_rate, horizon_years,
              case_cost, case_cost_source, list(wtp or []), now=timezone.now())  # fmt: skip
    out.print(f"Costs in {trial} are reported in {price_year} prices, discounted at "
              f"{discount_rate:.1%} a year over {horizon_years} year(s).")  # fmt: skip


@costs_app.command("rate")
def cost_rate(
    trial: TrialArg,
    key: Annotated[str, typer.Argument(help="a short name, e.g. social-worker-hour")],
    amount: Annotated[float, typer.Option(help="the price of one unit, in pounds")] = 0.0,
    description: Annotated[str, typer.Option(help="what it is the price of")] = "",
    price_year: Annotated[str, typer.Option(help="its price year, e.g. 2024-25")] = "",
    source: Annotated[str, typer.Option(help="publication, edition and table")] = "",
    unit: Annotated[str, typer.Option(help="the unit, e.g. hour")] = "hour",
    published: Annotated[
        bool, typer.Option("--published", help="copy Hearten's published value of KEY")
    ] = False,
) -> None:
    """Add a unit cost to the trial's table (with its source and price year), or copy one of
    Hearten's published ones (``hearten costs rates`` lists them)."""
    from django.utils import timezone

    require_database()
    from hearten.interventions.costs import add_unit_cost, use_published
    from hearten.trials.lifecycle import get_trial

    t = get_trial(trial)
    if published:
        row = use_published(t, key, now=timezone.now())
    else:
        row = add_unit_cost(
            t, key, description or key, amount, price_year, source, unit, now=timezone.now()
        )
    out.print(f"Unit cost {row.key}: £{row.amount:,.2f} per {row.unit} ({row.price_year} prices).")


@costs_app.command("rates")
def cost_rates() -> None:
    """List the unit costs Hearten ships, with their sources."""
    django_setup()  # the costs module sits in a Django app; no database is read
    from hearten.interventions.costs import (
        published_indices,
        published_notes,
        published_unit_costs,
    )

    for p in published_unit_costs():
        out.print(f"{p.key}: £{p.amount:,.2f} per {p.unit}, {p.price_year} prices. "
                  f"{p.description}. Source: {p.source}")  # fmt: skip
    for i in published_indices():
        years = list(i.values)
        out.print(f"Price index {i.key}: {i.name}, {years[0]} = 100 to {years[-1]} = "
                  f"{i.values[years[-1]]:.2f} (use with `costs basis --published-index "
                  f"{i.key}`). Source: {i.source}")  # fmt: skip
    for note in published_notes():
        out.print(f"Not in this table: {note}")


@costs_app.command("show")
def cost_show(trial: TrialArg) -> None:
    """Every cost line (quantity from the logs, price, cost) and each arm's total."""
    require_database()
    from hearten.interventions.ingredients import costing
    from hearten.process.deliverers import reported_times
    from hearten.trials.lifecycle import get_trial

    t = get_trial(trial)
    c = costing(t, reported_times(t))
    table = Table("arm", "item", "phase", "kind", "quantity", "price", "cost", "discounted")
    for x in c.lines:
        money = (f"£{v:,.2f}" for v in (x.unit_price, x.cost, x.discounted))
        table.add_row(x.arm, x.item, x.phase, x.kind, f"{x.quantity:g} ({x.per})", *money)
    out.print(table)
    for a in c.arms:
        each = f"£{a.per_participant:,.2f}" if a.per_participant is not None else "–"
        out.print(f"{a.arm}: £{a.total:,.2f} for {a.participants} people ({each} each)")
    for x in c.lines:
        if "deliverer survey" in x.source:
            out.print(f"{x.item} ({x.arm}): {x.source.rsplit('; ', 1)[-1]}")
    if c.outside_horizon:
        out.print("Outside the horizon: " + "; ".join(c.outside_horizon))


def _day(text: str) -> date:
    from hearten.errors import DataError

    try:
        return date.fromisoformat(text)
    except ValueError:
        raise DataError(f"{text!r} is not a date: use YYYY-MM-DD") from None


goals_app = typer.Typer(help="The six-week goals programme.", no_args_is_help=True)


@goals_app.command("check")
def goals_check(
    folder: Annotated[Path | None, typer.Argument(help="module folder (default: built in)")] = None,
) -> None:
    """Check the programme's six Markdown modules: headers, questions and links."""
    from hearten.interventions.goals import DEFAULT_CONTENT, load_modules

    for m in load_modules(folder or DEFAULT_CONTENT):
        out.print(f"{m.number}. {m.title} ({m.minutes} min, {len(m.questions)} question(s))")


@goals_app.command("enrol")
def goals_enrol(
    trial: TrialArg,
    arm: Annotated[str, typer.Option(help="the arm on the programme")],
    starts: Annotated[
        str | None, typer.Option(help="first day, YYYY-MM-DD (default today)")
    ] = None,
) -> None:
    """Give everyone in the arm a personal programme link, and schedule its e-mails."""
    require_database()
    from django.utils import timezone

    from hearten.interventions.goals import enrol
    from hearten.trials.lifecycle import get_trial

    now = timezone.now()  # the command is the edge: the one reading of the clock
    n = enrol(get_trial(trial), arm, _day(starts) if starts else timezone.localdate(now), now=now)
    out.print(f"{n} people enrolled on the goals programme; `hearten worker` sends the e-mails.")


@goals_app.command("funnel")
def goals_funnel(trial: TrialArg) -> None:
    """The uptake funnel: invited, ever opened, one module, all six."""
    require_database()
    from hearten.interventions.goals import funnel
    from hearten.trials.lifecycle import get_trial

    f = funnel(get_trial(trial))
    table = Table("stage", "people", "share of invited", title=f"{trial}: goals programme")
    for label, n in (("invited", f.invited), ("ever opened", f.opened),
                     ("completed at least one module", f.one_module),
                     ("completed all six", f.all_modules)):  # fmt: skip
        table.add_row(label, str(n), f"{100 * n / f.invited:.0f}%" if f.invited else "–")
    out.print(table)


hr_app = typer.Typer(
    help="HR records: absence, leavers, contracts, caseloads.", no_args_is_help=True
)


@hr_app.command("import")
def hr_import(
    trial: TrialArg,
    kind: Annotated[
        str,
        typer.Argument(help="absence, leavers, contracts, caseload, supervision or team-rates"),
    ],
    file: Annotated[Path, typer.Argument(help="a CSV or Excel export")],
    map_: Annotated[
        list[str] | None,
        typer.Option("--map", help="field=column, e.g. staff_id='Employee No' (repeat)"),
    ] = None,
    sheet: Annotated[str | None, typer.Option(help="the Excel sheet (default: the first)")] = None,
    correct: Annotated[
        bool,
        typer.Option(
            "--correct",
            help="the file corrects records already held: rows that differ from them change "
            "them (each change is written to the audit log) instead of being refused",
        ),
    ] = False,
) -> None:
    """Import HR records: every row checked first, all or nothing, re-import changes nothing."""
    from django.utils import timezone

    require_database()
    from hearten.errors import DataError, one_of
    from hearten.hr.imports import KINDS, import_hr
    from hearten.trials.lifecycle import get_trial

    mapping = {}
    for item in map_ or []:
        field, sep, column = item.partition("=")
        if not sep or not field.strip() or not column.strip():
            raise DataError(f"--map takes field=column, not {item!r}")
        mapping[field.strip()] = column.strip()
    chosen = one_of(kind, KINDS, "kind of HR record")
    result = import_hr(
        get_trial(trial), chosen, file, mapping, sheet, correct=correct, now=timezone.now()
    )
    fixed = f", {result.corrected} corrected (see the audit log)" if correct else ""
    out.print(
        f"{result.rows} row(s) of {kind} read: {result.added} added, "
        f"{result.unchanged} already held{fixed}. Staff numbers are replaced by study codes."
    )
