"""Shared console objects for the CLI.

Both consoles soft-wrap: Rich never breaks a printed line, so a path, a survey link or an
``otpauth://`` key stays whole and copyable wherever the output goes (a terminal wraps long
lines only on screen; a file or pipe gets them intact). Tables are laid out to the width of a
terminal; a file or pipe gets each table at its natural width, so no number or name in it is
cut short with an ellipsis (a pipe has no width to fit: Rich would assume 80 columns).

Rich is imported when something is first printed, not when the command line starts: its
console, markup and table modules cost about a third of ``hearten --help``'s CPU, and help
and usage errors are printed by Typer without it. ``Table`` and ``escape`` are Rich's, imported
on first call.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path

    from rich.console import Console
    from rich.table import Table as RichTable


class LazyConsole:
    """A soft-wrapping Rich ``Console`` made on first use (module docstring)."""

    def __init__(self, *, stderr: bool = False) -> None:
        self._stderr = stderr
        self._console: Console | None = None

    @property
    def rich(self) -> Console:
        """The Rich console itself (for Rich objects that take a ``console``)."""
        if self._console is None:
            from rich.console import Console

            self._console = Console(stderr=self._stderr, soft_wrap=True)
        return self._console

    def print(self, *objects: Any, **options: Any) -> None:
        if not self.rich.is_terminal:
            for o in objects:
                _natural_width(self.rich, o)
        self.rich.print(*objects, **options)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.rich, name)


def _natural_width(console: Console, table: object) -> None:
    """Widen ``table`` (if it is a Rich table of no set width) to fit every cell whole."""
    from rich.measure import Measurement
    from rich.table import Table as RichTable

    if not isinstance(table, RichTable) or table.width is not None:
        return
    widest = Measurement.get(console, console.options.update_width(_UNBOUNDED), table).maximum
    if widest > console.width:
        table.width = widest


#: Wide enough for any table the CLI prints; Rich measures a table within a width.
_UNBOUNDED = 100_000

out = LazyConsole()
err = LazyConsole(stderr=True)


def Table(*args: Any, **kwargs: Any) -> RichTable:  # noqa: N802 (stands in for Rich's class)
    """A Rich ``Table`` (Rich imported on first call)."""
    from rich.table import Table as RichTable

    return RichTable(*args, **kwargs)


def escape(markup: str) -> str:
    """Rich's ``escape``: ``markup`` with its square brackets made literal."""
    from rich.markup import escape as rich_escape

    return rich_escape(markup)


def check_figure_path(path: Path | None) -> None:
    """Refuse a ``--figure`` file that cannot be written as SVG or PNG, before any work is
    done or recorded (matplotlib would otherwise fail with a traceback after it)."""
    from hearten.errors import DataError

    if path is None:
        return
    if path.suffix.lower() not in (".svg", ".png"):
        raise DataError(f"--figure {path}: name a .svg or .png file")
    if not path.parent.is_dir():
        raise DataError(
            f"--figure {path}: the folder {path.parent} does not exist; create it first"
        )
