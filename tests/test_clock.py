"""Time is an input (issue 27, item 2): the shared services take the clock from their caller,
and only the edges (commands, pages, the API's request, the worker, the demo) read it."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import pytest


def _shared() -> list[tuple[Callable[..., Any], str]]:
    from hearten.analysis.retention import purge_trial
    from hearten.analysis.run import run_analysis
    from hearten.analysis.stepped_wedge import run_stepped_wedge
    from hearten.interventions.goals import enrol
    from hearten.process.sampling import record
    from hearten.trials.allocation import commit_seed, randomise_trial
    from hearten.trials.erasures import record_erasure, record_purge
    from hearten.trials.privacy import erase_participant, purge_identifiable
    from hearten.web.api.limits import take
    from hearten.web.api.tokens import check_token, create_token, revoke_token, state_of

    return [
        (run_analysis, "now"),
        (run_stepped_wedge, "now"),
        (commit_seed, "now"),
        (randomise_trial, "now"),
        (purge_trial, "now"),
        (enrol, "starts"),
        (record, "at"),
        (create_token, "now"),
        (revoke_token, "now"),
        (state_of, "now"),
        (check_token, "now"),
        (take, "now"),
        (erase_participant, "now"),
        (purge_identifiable, "now"),
        (record_erasure, "now"),
        (record_purge, "now"),
    ]


@pytest.mark.parametrize(("service", "clock"), _shared(), ids=lambda x: getattr(x, "__name__", x))
def test_a_shared_service_requires_its_clock(service: Callable[..., Any], clock: str) -> None:
    parameter = inspect.signature(service).parameters[clock]
    assert parameter.default is inspect.Parameter.empty, (
        f"{service.__module__}.{service.__name__} reads the present when {clock!r} is left out: "
        "the caller (an edge) reads the clock once and passes it down"
    )
