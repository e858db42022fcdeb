"""Which character separates the columns of a delimited text file.

Spreadsheets save "CSV" with a semicolon where the comma is the decimal mark, and some
systems export tab-separated text; read with a comma, such a file is one column named
``staff_id;site;team…``. :func:`delimiter_of` looks at the header line: the candidate that
splits it into the most columns wins (a comma on a tie). ``csv.Sniffer`` was tried and
rejected: on a single header line without quotes it guesses letters as delimiters.
"""

from __future__ import annotations

import csv
from pathlib import Path

#: The separators tried, in order of preference on a tie.
CANDIDATES = (",", ";", "\t", "|")

NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "vertical bar"}


def delimiter_of(path: Path) -> str:
    """The separator of the file's header line (a comma if it cannot be read or is empty)."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as f:
            header = f.readline()
    except (OSError, UnicodeDecodeError):
        return ","
    best, widest = ",", 1
    for candidate in CANDIDATES:
        fields = next(csv.reader([header], delimiter=candidate), [])
        if len(fields) > widest:
            best, widest = candidate, len(fields)
    return best
