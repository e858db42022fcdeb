"""The framework matrix: themes against arm, site, uptake stage and respondent, with counts and
an exemplar quote in each cell, within the disclosure rules.

A column is the set of transcripts whose interviewee has that arm (site, stage, role); a cell
counts the column's transcripts in which any coder tagged the theme or a code beneath it; its
quote is the one most coders tagged, then the fullest.
Columns are the parts of a total (every transcript), so the small-cell rule of the monitoring
tables applies as it is (``hearten.stats.disclosure.suppress`` with the trial's
``monitoring.min_group``): a column of fewer interviewees is hidden, with a partner where it
could be worked out by subtraction, and a hidden column shows neither counts nor quotes.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from hearten.process.codebook import entries
from hearten.process.models import Excerpt, Transcript
from hearten.process.stages import describe
from hearten.stats.disclosure import Group, suppress
from hearten.trials.lifecycle import design_of
from hearten.trials.models import Trial

DIMENSIONS = ("arm", "site", "stage", "respondent")
#: Exemplar quotes longer than this are cut at a word boundary with an ellipsis.
QUOTE_LENGTH = 300


@dataclass(frozen=True, slots=True)
class Cell:
    """One theme in one column: ``mentioning`` of ``interviewees`` transcripts, and a quote;
    all ``None`` with ``hidden`` saying why when the column is suppressed."""

    interviewees: int | None
    mentioning: int | None
    quote: str | None
    hidden: str | None


@dataclass(frozen=True, slots=True)
class Matrix:
    """Themes (rows) by the columns of one dimension; ``cells[theme][column]``."""

    dimension: str
    themes: list[str]
    columns: list[str]
    cells: dict[str, dict[str, Cell]]
    min_group: int
    transcripts: int


def _short(text: str) -> str:
    text = " ".join(text.split())
    if len(text) <= QUOTE_LENGTH:
        return text
    return text[:QUOTE_LENGTH].rsplit(" ", 1)[0] + " …"


def _columns(trial: Trial, dimension: str) -> dict[int, str]:
    """Each transcript's column in ``dimension`` (transcripts without an interviewee from the
    trial have none, except by respondent)."""
    transcripts = list(Transcript.objects.filter(trial=trial).select_related("participant__site"))
    if dimension == "respondent":
        return {t.id: t.respondent for t in transcripts}
    people = [t.participant for t in transcripts if t.participant is not None]
    about = describe(trial, people)
    return {
        t.id: about[t.participant.id][dimension] for t in transcripts if t.participant is not None
    }


def matrix(trial: Trial, dimension: str) -> Matrix:
    """The framework matrix of ``trial``'s themes by ``dimension`` (``arm``, ``site``,
    ``stage`` or ``respondent``)."""
    if dimension not in DIMENSIONS:
        raise ValueError(f"unknown dimension {dimension!r}: choose {', '.join(DIMENSIONS)}")
    k = design_of(trial).monitoring.min_group
    column_of = _columns(trial, dimension)
    columns = sorted(set(column_of.values()))
    book = entries(trial)
    themes = [e.name for e in book if e.depth == 0]
    theme_by_code = {e.id: e.theme for e in book}
    size: dict[str, int] = defaultdict(int)
    for col in column_of.values():
        size[col] += 1
    hits: dict[tuple[str, str], set[int]] = defaultdict(set)
    best: dict[tuple[str, str], tuple[int, int, int, str]] = {}
    excerpts = [
        ex
        for ex in Excerpt.objects.filter(transcript__trial=trial).select_related("transcript")
        if ex.transcript_id in column_of
    ]
    # how many coders tagged an overlapping span of the same theme: quotes the coders agree
    # on are chosen before those only one coder saw
    spans: dict[tuple[int, str], list[tuple[int, int, int]]] = defaultdict(list)
    for ex in excerpts:
        spans[(ex.transcript_id, theme_by_code[ex.code_id])].append((ex.start, ex.end, ex.coder_id))
    for ex in excerpts:
        theme = theme_by_code[ex.code_id]
        key = (theme, column_of[ex.transcript_id])
        hits[key].add(ex.transcript_id)
        agree = len(
            {c for s, e, c in spans[(ex.transcript_id, theme)] if s < ex.end and ex.start < e}
        )
        length = ex.end - ex.start
        rank = (-agree, -min(length, QUOTE_LENGTH), ex.id)  # agreed, fullest, earliest
        if key not in best or rank < best[key][:3]:
            best[key] = (*rank, ex.text)
    cells: dict[str, dict[str, Cell]] = {}
    for theme in themes:
        shown = suppress(
            [Group(c, None, size[c], len(hits[(theme, c)])) for c in columns], min_size=k
        )
        cells[theme] = {
            c.key: Cell(None, None, None, c.hidden)
            if c.hidden
            else Cell(
                c.people,
                c.answered,
                _short(best[(theme, c.key)][3]) if (theme, c.key) in best else None,
                None,
            )
            for c in shown
        }
    return Matrix(dimension, themes, columns, cells, k, len(column_of))
