"""A trial's stored analysis runs: stored once, read without the analysis machinery.

The reports render what :func:`hearten.analysis.run.run_analysis` (parallel trials) and
:func:`hearten.analysis.stepped_wedge.run_stepped_wedge` stored; importing those modules would
bring statsmodels and the whole statistics core into ``hearten trial report`` for one query
(about a fifth of the report's CPU), so the query lives here, beside the one way both store a
run (:func:`store_run`). :func:`read_result` and :func:`latest_result` give a parallel trial's
stored run back typed (:class:`~hearten.analysis.result.AnalysisResult`), old runs included;
:func:`read_stepped` a stepped-wedge trial's
(:class:`~hearten.analysis.stepped_result.SteppedResult`); :func:`read_typed` either, by the
run's design.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction

import hearten
from hearten.analysis.models import AnalysisRun
from hearten.analysis.result import STEPPED_WEDGE, AnalysisResult
from hearten.analysis.stepped_result import SteppedResult
from hearten.errors import StateError
from hearten.trials import audit
from hearten.trials.choices import TrialStatus
from hearten.trials.models import Trial


def store_run(
    trial: Trial, result: dict[str, Any], dataset_sha256: str, at: datetime
) -> AnalysisRun:
    """Store ``result`` (made JSON-safe) as the trial's newest run, stamped ``at`` (the run's
    clock, read once by its caller), mark the trial analysed and audit it, all in one
    transaction."""
    with transaction.atomic():
        run = AnalysisRun.objects.create(
            trial=trial,
            software_version=hearten.__version__,
            dataset_sha256=dataset_sha256,
            result=json_safe(result),
            created_at=at,
        )
        trial.status = TrialStatus.ANALYSED
        trial.save(update_fields=["status"])
        audit.record(trial, "analysed", {"run": run.id, "dataset_sha256": dataset_sha256}, at=at)
    return run


def json_safe(value: Any) -> Any:
    """JSON-safe copy: NaN and infinities become ``None``; numpy scalars and tuples plain.

    numpy is imported here, not at the top: the report's readers import this module and never
    store a run."""
    import numpy as np

    def safe(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: safe(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [safe(v) for v in value]
        if isinstance(value, np.generic):
            value = value.item()
        if isinstance(value, float) and not np.isfinite(value):
            return None
        return value

    return safe(value)


def latest_run(trial: Trial) -> AnalysisRun:
    """The trial's latest analysis run, or a :class:`StateError` saying how to make one."""
    run = trial.analysis_runs.first()
    if run is None:
        raise StateError(
            f"trial {trial.slug!r} has not been analysed: run `hearten trial "
            f"analyse {trial.slug}` first"
        )
    return run


def is_stepped_wedge(run: AnalysisRun) -> bool:
    """Whether ``run`` is a stepped-wedge trial's (its result has its own shape)."""
    return bool(run.result.get("design") == STEPPED_WEDGE)


def read_result(run: AnalysisRun) -> AnalysisResult:
    """A parallel trial's stored run, typed (runs stored by any earlier version read back)."""
    if is_stepped_wedge(run):
        raise StateError(
            f"analysis run {run.id} is a stepped-wedge trial's: read it with "
            "read_stepped, not as a parallel trial's result"
        )
    return AnalysisResult.from_json(run.result)


def read_stepped(run: AnalysisRun) -> SteppedResult:
    """A stepped-wedge trial's stored run, typed (runs stored by any earlier version read
    back)."""
    if not is_stepped_wedge(run):
        raise StateError(
            f"analysis run {run.id} is a parallel trial's: read it with read_result, not as a "
            "stepped-wedge trial's result"
        )
    return SteppedResult.from_json(run.result)


def read_typed(run: AnalysisRun) -> AnalysisResult | SteppedResult:
    """A stored run of either design, typed: :func:`read_stepped` or :func:`read_result`."""
    return read_stepped(run) if is_stepped_wedge(run) else read_result(run)


def latest_result(trial: Trial) -> AnalysisResult:
    """The trial's latest run, typed (:func:`latest_run`, :func:`read_result`)."""
    return read_result(latest_run(trial))
