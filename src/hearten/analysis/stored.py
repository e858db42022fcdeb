"""A trial's stored analysis runs, read without the analysis machinery.

The reports render what :func:`hearten.analysis.run.run_analysis` stored; importing that module
would bring statsmodels and the whole statistics core into ``hearten trial report`` for one
query (about a fifth of the report's CPU), so the query lives here.
"""

from __future__ import annotations

from hearten.analysis.models import AnalysisRun
from hearten.errors import StateError
from hearten.trials.models import Trial


def latest_run(trial: Trial) -> AnalysisRun:
    """The trial's latest analysis run, or a :class:`StateError` saying how to make one."""
    run = trial.analysis_runs.first()
    if run is None:
        raise StateError(
            f"trial {trial.slug!r} has not been analysed: run `hearten trial "
            f"analyse {trial.slug}` first"
        )
    return run
