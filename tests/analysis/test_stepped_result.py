"""A stepped-wedge run read back typed (:class:`SteppedResult`) and written back byte for byte,
for runs made now and runs stored before keys were added; readers get the typed result for
either design from :mod:`hearten.analysis.stored` (issue 27)."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from hearten.analysis.arm_effect import ArmEffect
from hearten.analysis.plan_status import PlanStatus
from hearten.analysis.result import AnalysisResult
from hearten.analysis.run import run_analysis
from hearten.analysis.stepped_result import HrOutcome, SteppedResult
from hearten.analysis.stored import read_result, read_typed
from hearten.analysis.stored import read_stepped as read_stepped_run
from hearten.errors import StateError
from hearten.reports.stepped_consort import SW_CONSORT
from hearten.reports.stepped_items import SOURCES
from tests.analysis.test_stepped_wedge import (
    HR_OPTIONS,
    answer_every_period,
    design_text,
    make_trial,
)
from tests.analysis.test_stepped_wedge_outputs import write_hr
from tests.conftest import CLOCK

pytestmark = pytest.mark.django_db


def _older(r: dict[str, Any]) -> dict[str, Any]:
    """The run as the first stepped-wedge version stored it: no exposure time, model note,
    HR, ``as_of``, cluster-by-period variance, or g's ICC, scale and correction."""
    old = copy.deepcopy(r)
    for key in ("exposure_time", "exposure_note", "model_note", "hr", "as_of"):
        del old[key]
    del old["model"]["gamma2"]
    del old["model_fit"]["random_effects"], old["model_fit"]["gamma2"]
    for key in ("icc", "scale", "correction"):
        del old["effects"][0]["hedges_g"][key]
    return old


def _round_trips(stored: dict[str, Any]) -> SteppedResult:
    typed = SteppedResult.from_json(stored)
    assert json.dumps(typed.to_json()) == json.dumps(stored)
    return typed


@pytest.fixture
def hr_run(write_roster: Callable[[str], Path], tmp_path: Path) -> Any:
    from django.utils import timezone

    before = timezone.make_aware(timezone.datetime(2025, 5, 19))
    t = make_trial(write_roster, design_text(options=HR_OPTIONS, analysis="[analysis.hr]"), before)
    answer_every_period(t, effect=1)
    write_hr(t, tmp_path)
    return run_analysis(t, now=timezone.make_aware(timezone.datetime(2026, 3, 30, 9)))


def test_a_run_with_hr_outcomes_reads_typed_and_writes_back_byte_for_byte(hr_run: Any) -> None:
    r = hr_run.result
    typed = _round_trips(r)
    assert typed.design == "stepped-wedge"
    assert typed.model.alpha == r["model"]["alpha"]
    assert typed.model.cluster == "team"
    assert typed.level == 95
    assert isinstance(typed.effect, ArmEffect)
    assert typed.effect.estimate == r["effects"][0]["estimate"]
    g = typed.effect.hedges_g
    assert g is not None
    assert g.g == r["effects"][0]["hedges_g"]["g"]
    assert g.beside("sd") == r["effects"][0]["hedges_g"]["sd"]  # kept beside the known keys
    assert typed.labels == {a["name"]: a["label"] for a in r["arms"]}
    assert [x.unit for x in typed.schedule.rows] == [x["unit"] for x in r["schedule"]["rows"]]
    assert typed.people() == sum(f["people"] for f in r["flow"] if f["period"] == 0)
    assert typed.hr is not None
    assert [k for k, _ in typed.hr.outcomes()] == ["absence", "leaving"]
    absence = typed.hr.absence
    assert isinstance(absence, HrOutcome)
    assert absence.ratio is not None
    assert absence.ratio.rate_ratio == r["hr"]["absence"]["ratio"]["rate_ratio"]
    assert absence.randomisation is not None
    assert absence.randomisation.exact is True
    assert typed.hr.periods[-1] == ("2026-02-02", "2026-03-29")  # a tuple, stored as a list
    assert typed.allocation.seed == r["allocation"]["seed"]
    assert typed.as_of == r["as_of"]
    assert typed.primary_label == "exploratory"
    assert isinstance(typed.plan, PlanStatus)
    assert typed.plan.locked is False


def test_an_older_layout_reads_with_defaults_and_writes_back_without_the_new_keys(
    hr_run: Any,
) -> None:
    old = _older(hr_run.result)
    typed = _round_trips(old)
    assert typed.hr is None
    assert typed.exposure_time is None
    assert typed.model_note is None
    assert typed.as_of is None
    assert typed.model.gamma2 is None
    assert typed.model_fit is not None
    assert typed.model_fit.random_effects == "cluster"
    g = typed.effect.hedges_g
    assert g is not None
    assert g.scale is None
    out = typed.to_json()
    assert "as_of" not in out
    assert "gamma2" not in out["model"]
    assert "scale" not in out["effects"][0]["hedges_g"]


def test_unknown_keys_are_kept_in_order_and_a_missing_required_key_is_named(
    hr_run: Any,
) -> None:
    later = copy.deepcopy(hr_run.result)
    later["model"]["new_in_a_later_version"] = [1, 2]
    later["a_later_section"] = {"x": 1}
    typed = _round_trips(later)
    assert typed.model.beside("new_in_a_later_version") == (1, 2)  # held frozen
    assert typed.beside("a_later_section") == {"x": 1}
    broken = copy.deepcopy(hr_run.result)
    del broken["schedule"]
    with pytest.raises(KeyError, match="schedule"):
        SteppedResult.from_json(broken)


def test_exposure_time_and_team_by_period_effects_round_trip(
    write_roster: Callable[[str], Path],
) -> None:
    options = 'random_effects = "cluster-period"\nexposure_time = true\n'
    t = make_trial(write_roster, design_text(options=options))
    answer_every_period(t, effect=1, cell_shifts=True)
    r = run_analysis(t, CLOCK).result
    typed = _round_trips(r)
    assert typed.model.random_effects == "cluster-period"
    assert typed.model.gamma2 == r["model"]["gamma2"]
    assert typed.exposure_time is not None
    assert [e.name for e in typed.exposure_time.effects] == [
        e["name"] for e in r["exposure_time"]["effects"]
    ]
    assert typed.exposure_time.average.estimate == r["exposure_time"]["average"]["estimate"]
    assert typed.randomisation is not None
    assert typed.randomisation.p_value == r["randomisation"]["p_value"]


def test_stored_gives_the_typed_result_for_either_design(hr_run: Any, trial: Any) -> None:
    from tests.analysis.test_plan import _ready

    assert isinstance(read_typed(hr_run), SteppedResult)
    assert read_stepped_run(hr_run).to_json() == hr_run.result
    with pytest.raises(StateError, match="stepped-wedge"):
        read_result(hr_run)
    _ready(trial)
    parallel = run_analysis(trial, CLOCK)
    assert isinstance(read_typed(parallel), AnalysisResult)
    with pytest.raises(StateError, match="parallel trial's"):
        read_stepped_run(parallel)
    with pytest.raises(ValueError, match="a parallel run has its own result"):
        SteppedResult.from_json(parallel.result)
    with pytest.raises(ValueError, match="a stepped-wedge run has its own result"):
        AnalysisResult.from_json(hr_run.result)


def test_every_checklist_item_has_one_source_in_order() -> None:
    assert [n for n, _ in SOURCES] == [n for n, _, _ in SW_CONSORT]
