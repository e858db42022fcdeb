"""Text cells made safe to open in a spreadsheet (CSV and Excel formula injection).

Site and team names come from rosters and HR files, and free text from people outside the
evaluation team. A cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
is read by Excel and LibreOffice as a formula (``=HYPERLINK(...)`` can send data away), so
every CSV Hearten writes passes its text through :func:`neutral`, which puts an apostrophe
before such a cell, as OWASP's guidance on CSV injection recommends; spreadsheets show the
text as written. Numbers, and text that is a plain number such as ``-3``, are left alone.
Written by hand: it is one rule, and the CSV libraries leave it to the caller.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import pandas as pd

#: What a formula may start with.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
#: One sentence for codebooks and guides.
NOTICE = (
    "In CSV files, a text cell starting with =, +, -, @, a tab or a carriage return is "
    "written with an apostrophe in front (') so that a spreadsheet shows it as text, not as "
    "a formula; remove the apostrophe to get the value as it was given."
)


def neutral(value: Any) -> Any:
    """``value`` with an apostrophe before it when it is text a spreadsheet would run."""
    if isinstance(value, str) and value.startswith(FORMULA_START) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def neutral_row(row: Iterable[Any]) -> list[Any]:
    """A row for ``csv.writer`` with every text cell neutralised."""
    return [neutral(v) for v in row]


def neutral_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with every text cell (and text column name) neutralised."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column].dtype):
            out[column] = out[column].map(neutral)
    out.columns = [neutral(c) for c in out.columns]
    return out
