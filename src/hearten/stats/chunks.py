"""Heavy resampling in chunks: in this process, on local threads, or on a Dask cluster.

Simulation, randomisation inference and the wild bootstrap split their draws into chunks of a
fixed size, each with its own seed spawned from the one recorded seed
(``numpy.random.SeedSequence(seed).spawn``). The chunks depend only on the number of draws
and the seed, never on where or in what order they run, so one seed gives the same answer in
one process, on eight threads or on forty Dask workers.

A :data:`Runner` runs ``fn(shared, *task)`` for each task and yields the results as they
finish, in any order; callers put them back in task order. ``shared`` is what every task
needs (the data), sent once to each worker. Functions take a ``runner`` argument; when it is
left out they use the one set by :func:`using` (so a whole analysis run can be sent to a
cluster without passing it down every call), and otherwise run here. :func:`dask` imports
``distributed`` only when used, so the statistics core needs no cluster to import.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

import numpy as np

from hearten.errors import HeartenError

T = TypeVar("T")
Task = tuple[Any, ...]
#: ``runner(fn, shared, tasks)`` yields ``fn(shared, *task)`` for every task, in any order.
Runner = Callable[[Callable[..., Any], Any, Sequence[Task]], Iterable[Any]]


class ClusterError(HeartenError):
    """The Dask cluster cannot be reached or used."""


def seeded_chunks(reps: int, size: int, seed: int) -> list[tuple[int, int, np.random.SeedSequence]]:
    """``(index, count, seed)`` for chunks of ``size`` covering ``reps`` draws."""
    counts = [min(size, reps - start) for start in range(0, reps, size)]
    seeds = np.random.SeedSequence(seed).spawn(len(counts))
    return [(i, c, sq) for i, (c, sq) in enumerate(zip(counts, seeds, strict=True))]


def in_process(fn: Callable[..., T], shared: Any, tasks: Sequence[Task]) -> Iterator[T]:
    """Run the tasks one after another here."""
    for task in tasks:
        yield fn(shared, *task)


def threads(workers: int) -> Runner:
    """Run the tasks on ``workers`` threads (numpy releases the GIL in the heavy work)."""

    def run(fn: Callable[..., T], shared: Any, tasks: Sequence[Task]) -> Iterator[T]:
        with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            futures = [pool.submit(fn, shared, *task) for task in tasks]
            for future in as_completed(futures):
                yield future.result()

    return run


def dask(address: str) -> Runner:
    """Run the tasks on the Dask distributed scheduler at ``address`` (``tcp://host:8786``).

    Connects on first use and keeps the connection for later calls; the shared data are
    scattered to every worker once per call. Every worker needs Hearten installed.
    """
    clients: list[Any] = []

    def client() -> Any:
        if not clients:
            from distributed import Client

            try:
                clients.append(Client(address, timeout="10s"))  # type: ignore[no-untyped-call]
            except OSError as exc:
                raise ClusterError(
                    f"cannot reach the Dask scheduler at {address}: {exc} (start one with "
                    "`dask scheduler` and `dask worker ADDRESS`, or leave out --scheduler)"
                ) from None
        return clients[0]

    def run(fn: Callable[..., T], shared: Any, tasks: Sequence[Task]) -> Iterator[T]:
        from distributed import as_completed as dask_completed

        c = client()
        data = c.scatter(shared, broadcast=True, hash=False)
        futures = [c.submit(fn, data, *task, pure=False) for task in tasks]
        try:
            for future in dask_completed(futures):  # type: ignore[no-untyped-call]
                yield future.result()
        finally:
            c.cancel([*futures, data])

    return run


def ordered(results: Iterable[tuple[int, T]]) -> list[T]:
    """Results tagged with their chunk index, back in chunk order."""
    return [value for _, value in sorted(results, key=lambda r: r[0])]


_current: ContextVar[Runner | None] = ContextVar("hearten_runner", default=None)


def current() -> Runner:
    """The runner set by :func:`using`, or :func:`in_process`."""
    return _current.get() or in_process


@contextmanager
def using(runner: Runner) -> Iterator[None]:
    """Run every chunked computation inside the ``with`` block on ``runner``."""
    token = _current.set(runner)
    try:
        yield
    finally:
        _current.reset(token)
