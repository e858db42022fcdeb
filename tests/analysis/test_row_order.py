"""The order a database returns rows in never changes a link, a draw or a number (issue 27).

A query without ``ORDER BY`` comes back in whatever order the database finds convenient:
on PostgreSQL that changes when a row is updated (its new version goes elsewhere in the
table). These tests give the models a default ordering, first by key and then reversed,
which every query without its own ``order_by`` follows, and check that nothing downstream
notices: the links a wave creates, the stepped-wedge analysis and its re-drawn sequences.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from django.db import models

from hearten.analysis.stepped_wedge import analyse_stepped_wedge, stepped_dataset, stepped_result
from hearten.hr.models import AbsenceSpell, CaseloadSnapshot, ContractChange, Leaver
from hearten.surveys.models import Invitation, Response, Wave
from hearten.surveys.services import invite
from hearten.trials.models import AllocatedUnit, AuditEvent, Office, Participant, Team
from tests.analysis.test_stepped_wedge import answer_every_period, design_text, make_trial

#: The clock the services are given (a fixed one: nothing here depends on the day).
NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)

pytestmark = pytest.mark.django_db

#: The models whose rows the survey links and the stepped-wedge analysis read.
READ: tuple[type[models.Model], ...] = (
    Participant, Team, Office, AllocatedUnit, AuditEvent, Wave, Invitation, Response,
    AbsenceSpell, Leaver, ContractChange, CaseloadSnapshot,
)  # fmt: skip


@contextmanager
def rows_come_back(order: str) -> Iterator[None]:
    """Every query of ``READ`` without an ``order_by`` returns its rows by ``order``
    (``"pk"`` or ``"-pk"``), as if the database had stored them that way."""
    saved = [(m, m._meta.ordering) for m in READ]
    try:
        for m in READ:
            m._meta.ordering = [order]
        yield
    finally:
        for m, ordering in saved:
            m._meta.ordering = ordering


def test_a_wave_creates_its_links_in_the_same_order_whatever_order_rows_come_back(
    write_roster: Callable[[str], Path], db: None
) -> None:
    trial = make_trial(write_roster, design_text())
    by_link = {}
    for wave, order in (("p0", "pk"), ("p1", "-pk")):
        with rows_come_back(order):
            invite(trial.waves.get(name=wave), NOW)
        links = Invitation.objects.filter(wave__trial=trial, wave__name=wave).order_by("id")
        by_link[wave] = list(links.values_list("participant_id", flat=True))
    assert len(by_link["p0"]) == 40
    # The links are numbered in the stored order (the roster's), so the two waves agree.
    assert by_link["p0"] == by_link["p1"] == sorted(by_link["p0"])


def test_the_stepped_wedge_analysis_and_its_redraws_ignore_the_order_rows_come_back(
    write_roster: Callable[[str], Path], db: None
) -> None:
    trial = make_trial(write_roster, design_text())
    answer_every_period(trial, effect=1, skip_every=4)
    results: dict[str, Any] = {}
    for order in ("pk", "-pk"):
        with rows_come_back(order):
            result, used = analyse_stepped_wedge(trial, date(2026, 11, 30))
            data, _, _ = stepped_dataset(trial)
            results[order] = (stepped_result(trial, result, NOW).to_json(), used, data)
    (one, used_one, data_one), (two, used_two, data_two) = results["pk"], results["-pk"]
    assert one["randomisation"] is not None
    assert one["randomisation"]["exact"] is True  # 4! × 4! allocations within the sites
    assert one == two  # every number, the re-drawn p-value included, exactly
    assert used_one.equals(used_two)
    assert data_one.equals(data_two)
