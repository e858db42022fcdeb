"""The demo's progress: one labelled line per trial and step.

Each step prints one line when it is done, naming its trial, what it did (with a count, when
it has one) and how long it took (wall-clock), whether the output is a terminal or a file.
In a terminal, the step under way also shows a live bar, which the line then replaces.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

#: Advance the step's count by ``n`` (1 when left out).
Advance = Callable[..., None]


class Steps:
    """Report the demo's steps on ``console`` (nothing at all when it is ``None``)."""

    def __init__(self, console: Console | None) -> None:
        self.console = console
        self.width = 16

    @contextmanager
    def step(self, trial: str, what: str, total: int | None = None) -> Iterator[Advance]:
        """Run one step of ``trial``'s build; yields a function that advances its count."""
        started = time.monotonic()
        done = 0

        if self.console is None or not self.console.is_terminal:

            def count(n: int = 1) -> None:
                nonlocal done
                done += n

            yield count
            self._done(trial, what, done if total else None, started)
            return
        label = f"{trial:<{self.width}} {what}"
        columns = (
            TextColumn(escape(label)),
            BarColumn(),
            MofNCompleteColumn() if total else TextColumn(""),
            TimeElapsedColumn(),
        )
        with Progress(*columns, console=self.console, transient=True) as bar:
            task = bar.add_task(label, total=total)

            def advance(n: int = 1) -> None:
                nonlocal done
                done += n
                bar.advance(task, n)

            yield advance
        self._done(trial, what, done if total else None, started)

    def _done(self, trial: str, what: str, count: int | None, started: float) -> None:
        if self.console is None:
            return
        counted = f" ({count:,})" if count is not None else ""
        self.console.print(
            f"  {escape(trial):<{self.width}} {escape(what)}{counted}: "
            f"{time.monotonic() - started:.1f} s",
            highlight=False,
        )
