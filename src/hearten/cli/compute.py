"""Where heavy resampling runs: local threads by default, or a Dask cluster by address."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from hearten.stats import chunks

Scheduler = Annotated[
    str | None,
    typer.Option(
        help="a Dask scheduler's address, e.g. tcp://10.0.0.5:8786, to run simulation, "
        "bootstrap and randomisation draws on its workers (same answer for the same seed)"
    ),
]
Workers = Annotated[int | None, typer.Option(help="local threads (default: every core)")]


def runner(scheduler: str | None, workers: int | None) -> chunks.Runner:
    """The runner the options ask for."""
    from hearten.stats import chunks

    if scheduler:
        return chunks.dask(scheduler)
    return chunks.threads(workers or os.cpu_count() or 1)
