"""The codebook: codes with definitions in a hierarchy; the codes at the top are themes."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from django.db import transaction

from hearten.errors import DataError, ImportRejected, NotFound
from hearten.process.models import Code
from hearten.trials.models import Trial


@dataclass(frozen=True, slots=True)
class Entry:
    """A code as the codebook lists it: ``depth`` 0 for a theme, ``path`` from the theme
    down (``"Barriers / Time"``)."""

    id: int
    name: str
    definition: str
    depth: int
    path: str
    theme: str


@transaction.atomic
def add_code(trial: Trial, name: str, definition: str = "", parent: str | None = None) -> Code:
    """Add a code (under ``parent``, a code already in the codebook)."""
    name = " ".join(name.split())
    if not name:
        raise DataError("a code needs a name")
    if Code.objects.filter(trial=trial, name=name).exists():
        raise DataError(f"the codebook of {trial.slug} already has a code {name!r}")
    above = None
    if parent:
        above = Code.objects.filter(trial=trial, name=parent).first()
        if above is None:
            raise NotFound(f"no code {parent!r} in the codebook of {trial.slug}: add it first")
    position = Code.objects.filter(trial=trial).count()
    return Code.objects.create(
        trial=trial, name=name, definition=definition.strip(), parent=above, position=position
    )


@transaction.atomic
def load_codebook(trial: Trial, text: str) -> list[Code]:
    """Add every code of a CSV with columns ``code``, ``parent`` and ``definition`` (parents
    before their children), or none of them."""
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames is None or not {"code", "parent", "definition"} <= set(reader.fieldnames):
        raise DataError("the codebook needs a header row with code, parent and definition")
    rows = list(reader)
    problems = []
    known = set(Code.objects.filter(trial=trial).values_list("name", flat=True))
    for line, row in enumerate(rows, start=2):
        name = " ".join((row["code"] or "").split())
        parent = (row["parent"] or "").strip()
        if not name:
            problems.append(f"row {line}: the code has no name")
        elif name in known:
            problems.append(f"row {line}: {name!r} is already in the codebook")
        elif parent and parent not in known:
            problems.append(f"row {line}: its parent {parent!r} is not above it")
        known.add(name)
    if problems:
        raise ImportRejected("The codebook was refused.", problems)
    return [
        add_code(trial, row["code"], row["definition"] or "", (row["parent"] or "").strip() or None)
        for row in rows
    ]


def entries(trial: Trial) -> list[Entry]:
    """The codebook in reading order: each theme followed by the codes beneath it."""
    codes = list(Code.objects.filter(trial=trial))
    children: dict[int | None, list[Code]] = {}
    for c in codes:
        children.setdefault(c.parent_id, []).append(c)
    out: list[Entry] = []

    def walk(parent: int | None, depth: int, path: str, theme: str) -> None:
        for c in children.get(parent, []):
            here = f"{path} / {c.name}" if path else c.name
            top = theme or c.name
            out.append(Entry(c.id, c.name, c.definition, depth, here, top))
            walk(c.id, depth + 1, here, top)

    walk(None, 0, "", "")
    return out


def theme_of(trial: Trial) -> dict[int, str]:
    """Each code's theme (its top ancestor), by code id."""
    return {e.id: e.theme for e in entries(trial)}
