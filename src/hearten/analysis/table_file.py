"""An evaluator's own data file, read and its columns checked (``hearten analyse``,
``hearten pool``, ``hearten randomise``, ``hearten power estimate``).

Every check names the column, the row numbers a spreadsheet shows (the header is row 1) and
how to fix it, so a mistake in a file is one line, never a traceback. Nothing here imports
Django.
"""

from __future__ import annotations

import difflib
from pathlib import Path

import numpy as np
import pandas as pd

from hearten.delimited import delimiter_of
from hearten.errors import DataError, NotFound

READERS = {".csv": "CSV", ".xlsx": "Excel", ".xls": "Excel", ".parquet": "Parquet", ".dta": "Stata"}


def rows_of(mask: pd.Series) -> str:
    """The spreadsheet rows (header is row 1) where ``mask`` holds: up to five, then "..."."""
    rows = np.flatnonzero(mask.to_numpy()) + 2
    return ", ".join(map(str, rows[:5])) + (", ..." if len(rows) > 5 else "")


def read_table(path: Path, as_text: bool = False) -> pd.DataFrame:
    """Read a data file by its extension; ``as_text`` keeps a CSV's cells exactly as written
    (blank cells stay blank), so that they can be written back unchanged."""
    if not path.is_file():
        raise NotFound(f"no file at {path}")
    kind = READERS.get(path.suffix.lower())
    if kind is None:
        raise DataError(
            f"{path.name}: unknown file type {path.suffix!r}; use " + ", ".join(sorted(READERS))
        )
    try:
        if kind == "CSV":
            sep = delimiter_of(path)
            if as_text:
                return pd.read_csv(
                    path, sep=sep, encoding="utf-8-sig", dtype=str, keep_default_na=False
                )
            return pd.read_csv(path, sep=sep, encoding="utf-8-sig")
        if kind == "Excel":
            return pd.read_excel(path)
        if kind == "Parquet":
            return pd.read_parquet(path)
        return pd.read_stata(path)
    except Exception as exc:  # every reader has its own errors; all mean "unreadable"
        raise DataError(f"{path.name} could not be read as {kind}: {exc}") from None


def resolve_column(data: pd.DataFrame, name: str, role: str) -> str:
    """``name`` if it is a column of ``data``; otherwise an error suggesting the nearest."""
    if name in data.columns:
        return name
    columns = [str(c) for c in data.columns]
    close = difflib.get_close_matches(name, columns, n=1, cutoff=0.6)
    lowered = {c.lower(): c for c in columns}
    guess = close[0] if close else lowered.get(name.lower())
    hint = f"; did you mean {guess!r}?" if guess else f"; columns are {', '.join(columns)}"
    raise DataError(f"no {role} column {name!r}{hint}")


def numeric_column(data: pd.DataFrame, name: str, role: str) -> pd.Series:
    """A numeric column, or an error naming the rows that are not numbers."""
    values = pd.to_numeric(data[name], errors="coerce")
    bad = data[name].notna() & values.isna()
    if bad.any():
        example = data.loc[bad, name].iloc[0]
        raise DataError(
            f"the {role} {name!r} must be numeric, but has {example!r} (rows {rows_of(bad)})"
        )
    return values


def arms_of(values: pd.Series, name: str, control: str | None) -> tuple[list[str], str, str]:
    """Each row's arm as text, the control arm and the treated arm.

    A 0/1 column (with no ``control`` named) is read as ``"0"``/``"1"``; otherwise there must
    be two labels, and the control is ``control``, or the arm called ``control``. Missing
    values stay missing.
    """
    labels = sorted(values.dropna().astype(str).unique())
    as_numbers = pd.to_numeric(values.dropna(), errors="coerce")
    if as_numbers.notna().all():
        numbers = sorted(as_numbers.unique())
        if len(numbers) == 2 and set(numbers) <= {0.0, 1.0} and control is None:
            numeric = pd.to_numeric(values, errors="coerce")
            coded = pd.Series(np.where(numeric == 1, "1", "0"), index=values.index, dtype=object)
            return list(coded.where(values.notna(), values)), "0", "1"
    if len(labels) != 2:
        raise DataError(
            f"the treatment {name!r} must be 0/1 or two labelled arms, but has "
            f"{len(labels)} values: {', '.join(labels[:6])}"
        )
    chosen = control if control is not None else ("control" if "control" in labels else None)
    if chosen is None or chosen not in labels:
        raise DataError(
            f"say which arm of {name!r} is the control with --control: "
            f"{labels[0]!r} or {labels[1]!r}"
        )
    treated = labels[1] if labels[0] == chosen else labels[0]
    return list(values.astype(str).where(values.notna(), values)), chosen, treated
