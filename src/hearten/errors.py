"""The error tree. Every error a user can cause is a ``HeartenError``.

Each error carries a message that says what was wrong and how to fix it; the CLI and the
web app show that message and never a traceback.

::

    HeartenError
    ├── DesignError          a design file or design argument is invalid
    ├── DataError            an input data set cannot be used as given (columns, values)
    │   └── ImportRejected   an import was refused; ``problems`` lists every row at fault
    ├── StateError           the action does not fit the trial's state (e.g. randomise twice)
    ├── NotFound             a named trial, wave or file does not exist
    ├── EstimationError      a model cannot be estimated (collinear, one cluster, ...)
    └── SettingsError        a setting in the environment is invalid (also a ValueError)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

Choice = TypeVar("Choice", bound=str)


class HeartenError(Exception):
    """Base of every error Hearten reports to a user."""


class DesignError(HeartenError):
    """A design file or design argument is invalid."""


class DataError(HeartenError):
    """An input data set cannot be used as given."""


class ImportRejected(DataError):
    """An import was refused as a whole; nothing was written.

    ``problems`` holds one human-readable line per problem, each naming its row.
    """

    def __init__(self, summary: str, problems: list[str]) -> None:
        self.summary = summary
        self.problems = list(problems)
        shown = "\n".join(f"  - {p}" for p in self.problems[:50])
        more = len(self.problems) - 50
        tail = f"\n  ... and {more} more" if more > 0 else ""
        super().__init__(f"{summary}\n{shown}{tail}\nNothing was imported.")


class StateError(HeartenError):
    """The action does not fit the current state of the trial."""


class NotFound(HeartenError):
    """A named object does not exist."""


class EstimationError(HeartenError):
    """A model cannot be estimated from the data given."""


class SettingsError(HeartenError, ValueError):
    """A setting in the environment (``HEARTEN_*``, ``DATABASE_URL``) is invalid; raised
    while the settings are read, so a command says it in one line before doing anything."""


def one_of(
    value: str | None,
    allowed: Sequence[Choice],
    what: str,
    error: type[HeartenError] = DataError,
) -> Choice:
    """``value`` as one of the closed choices ``allowed``, or ``error`` listing them."""
    for choice in allowed:
        if value == choice:
            return choice
    raise error(f"unknown {what} {value!r}: choose {', '.join(allowed)}")
