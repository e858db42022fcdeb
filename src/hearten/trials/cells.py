"""The cells of an imported file (a roster, an HR export), checked against what the database
can hold, so SQLite and PostgreSQL accept and refuse exactly the same files.

PostgreSQL refuses text longer than its column, a number past a small integer's range and the
NUL character, with an error mid-import; SQLite stores all three. These checks run with the
rest of an import's checks and give one row-numbered line each, so the file can be fixed.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Iterable

from django.db import models

#: The largest value a ``PositiveSmallIntegerField`` holds on every database.
SMALL_INTEGER_MAX = 32767


def max_length(model: type[models.Model], field: str) -> int:
    """The declared length of a model's text field (the one source of the limit)."""
    found = model._meta.get_field(field)
    assert isinstance(found, models.Field)
    assert found.max_length is not None
    return int(found.max_length)


def text_problem(line: int, name: str, value: str, limit: int) -> str | None:
    """Why the text ``value`` of column ``name`` in row ``line`` cannot be stored, or None."""
    bad = next((c for c in value if unicodedata.category(c) == "Cc"), None)
    if bad is not None:
        return (
            f"row {line}: {name} contains a control character (U+{ord(bad):04X}); "
            "remove it and try again"
        )
    if len(value) > limit:
        return (
            f"row {line}: {name} is {len(value):,} characters long; at most {limit} fit: shorten it"
        )
    return None


def whole_number_problem(
    line: int, name: str, value: int, top: int = SMALL_INTEGER_MAX
) -> str | None:
    """Why the whole number ``value`` cannot be stored (out of 0 to ``top``), or None."""
    if not 0 <= value <= top:
        return f"row {line}: {name} {value} is out of range: give a whole number from 0 to {top}"
    return None


def repeated_columns(header: Iterable[str]) -> list[str]:
    """Column names that appear more than once (an ambiguous header)."""
    counts = Counter(header)
    return [name for name, n in counts.items() if n > 1]
