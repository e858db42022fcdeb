"""``hearten instruments list|show`` and ``hearten score``: the scales and their scoring."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hearten.cli.output import Table, err, escape, out

instruments_app = typer.Typer(help="The validated scales Hearten knows.", no_args_is_help=True)


@instruments_app.command("list")
def list_instruments() -> None:
    """Every scale: name, items, scores and whether its wording is bundled."""
    from hearten.instruments import REGISTRY, get_instrument

    table = Table("name", "scale", "items", "scores", "minutes", "wording")
    for name in sorted(REGISTRY):
        i = get_instrument(name)
        table.add_row(
            name,
            i.title,
            str(len(i.items)),
            ", ".join(i.scores),
            f"{i.minutes:g}",
            "bundled" if i.text_bundled else "load locally",
        )
    out.print(table)


@instruments_app.command("show")
def show(name: Annotated[str, typer.Argument(help="the scale's name, e.g. swemwbs")]) -> None:
    """A scale's items, answers, scoring, missing-item rule and licence notice."""
    from hearten.instruments import get_instrument, texts_path

    i = get_instrument(name)
    out.print(f"[bold]{escape(i.title)}[/] ({i.name})", highlight=False)
    out.print(escape(i.prompt), highlight=False)
    items = Table("column", "item", "answers (value: label)", "reversed")
    for item in i.items:
        if item.kind == "number":
            answers = f"a whole number from {item.minimum} to {item.maximum}"
        else:
            answers = "; ".join(f"{o.value}: {o.label}" for o in item.options)
        items.add_row(item.key, escape(item.text), escape(answers), "yes" if item.reverse else "")
    out.print(items)
    scores = Table("score column", "how", "items", "needs")
    for s in i.scales:
        scores.add_row(
            f"{i.name}_{s.name}",
            s.method,
            ", ".join(map(str, s.items)),
            f"{s.min_items} of {len(s.items)}",
        )
    for extra in i.scores[len(i.scales) :]:
        scores.add_row(f"{i.name}_{extra}", "derived", "", "")
    out.print(scores)
    for score, bands in i.bands.items():
        out.print(f"{score} bands: " + ", ".join(f"{b.low:g}–{b.high:g} {b.label}" for b in bands))
    out.print(f"Primary score: {i.name}_{i.primary_score}. Missing items: {i.missing_rule}.")
    out.print(f"Source: {escape(i.source)}", highlight=False)
    out.print(f"Licence: {escape(i.licence)}", highlight=False)
    if not i.text_bundled:
        where = texts_path(i.name) or f"$HEARTEN_INSTRUMENT_TEXTS/{i.name}.toml"
        out.print(
            f"The wording is not bundled: put it in {where} as items = [...] (published "
            'order), optionally prompt = "..." and options = [...].'
        )


def score(
    name: Annotated[str, typer.Argument(help="the scale's name, e.g. swemwbs")],
    file: Annotated[Path, typer.Argument(help="answers: CSV, Excel, Parquet or Stata")],
    out_file: Annotated[
        Path | None, typer.Option("--out", help="write the scored CSV here (default: print it)")
    ] = None,
) -> None:
    """Score a file of answers: item columns NAME_1 ... NAME_k; adds the score columns."""
    import io

    from hearten.analysis.table_file import read_table
    from hearten.files import write_atomic
    from hearten.instruments import get_instrument
    from hearten.instruments.table import score_table
    from hearten.spreadsheet import neutral_frame

    instrument = get_instrument(name)
    scored = score_table(instrument, read_table(file, as_text=True))
    buffer = io.StringIO()
    neutral_frame(scored).to_csv(buffer, index=False, lineterminator="\n")
    problems = int((scored[f"{instrument.name}_problems"] != "").sum())
    if out_file is None:
        print(buffer.getvalue(), end="")
    else:
        write_atomic(out_file, buffer.getvalue())
        err.print(f"wrote {out_file}")
    err.print(
        f"{len(scored)} rows scored; {problems} with a score left empty (see "
        f"{instrument.name}_problems). {instrument.licence}",
        highlight=False,
    )
