"""A parallel run's flow, roster, balance, sample-ratio tests, allocation, arms and plan read
back typed and write back key for key, older runs' shapes included (issue 27, item 4)."""

from __future__ import annotations

import json
from dataclasses import fields, replace
from typing import Any

import pytest
from django.utils import timezone

from hearten.analysis.allocation_record import AllocationRecord, RunArm, recorded
from hearten.analysis.balance_table import BalanceRow, RandomisedBalance, SampleRatio
from hearten.analysis.flow import FlowRow
from hearten.analysis.flow_counts import ArmFlow, Assessed
from hearten.analysis.plan import lock_plan
from hearten.analysis.plan_status import PlanStatus, ResultLabel
from hearten.analysis.run import run_analysis
from hearten.analysis.stored import read_result
from hearten.errors import StateError
from tests.analysis.test_plan import _ready
from tests.conftest import CLOCK

FLOW = {"arm": "letters", "sites": 2, "units": 4, "randomised": 20, "consented": 18,
        "declined_or_silent": 2, "withdrawn": 1, "responded": 15, "no_follow_up": 3,
        "no_baseline": 1, "analysed": 14, "units_analysed": 4, "received": 9}  # fmt: skip
#: A row stored before withdrawals, the reasons and the units analysed were counted.
OLD_FLOW = {k: v for k, v in FLOW.items() if k not in {"withdrawn", "no_follow_up", "no_baseline",
                                                       "units_analysed", "received"}}  # fmt: skip
BALANCE = {"variable": "Baseline score", "std_diff": [0.12, None],
           "arms": [{"arm": "control", "n": 20, "mean": 18.5, "sd": 4.2},
                    {"arm": "letters", "n": 19, "mean": None, "sd": None}]}  # fmt: skip
RATIO = {"sample": "consented", "arms": ["control", "letters"], "observed": [20, 18],
         "expected": [19.0, 19.0], "statistic": 0.105, "df": 1, "p_value": 0.746}  # fmt: skip
UNLOCKED = {"locked": False, "sha256": "ab" * 32, "versions": [], "deviations": [],
            "labels": {"primary": {"label": "exploratory", "reason": "not locked"}}}  # fmt: skip
LOCKED = {"locked": True, "locked_at": "2026-05-01T09:00:00+00:00", "locked_sha256": "cd" * 32,
          "sha256": "ef" * 32,
          "versions": [{"number": 1, "sha256": "cd" * 32, "at": "2026-05-01T09:00:00+00:00"},
                       {"number": 2, "sha256": "ef" * 32, "at": "2026-06-01T09:00:00+00:00"}],
          "deviations": [{"version": 2, "at": "2026-06-01T09:00:00+00:00", "reason": "a reason",
                          "after_unblinding": False, "changes": ["analysis.alpha: 0.05 -> 0.1"]}],
          "labels": {"primary": {"label": "confirmatory", "reason": "as locked"},
                     "valued": {"label": "exploratory", "reason": "secondary"}}}  # fmt: skip
ALLOCATION = {"seed": 11, "scheme": "blocked", "unit": "team",
              "randomised_at": "2026-05-13T10:00:00+00:00", "parameters": {"strata": "site"},
              "units": 8, "commitment": None, "committed_at": None, "salt": None}  # fmt: skip


@pytest.mark.parametrize(
    ("kind", "stored"),
    [
        (ArmFlow, FLOW),
        (ArmFlow, OLD_FLOW),
        (Assessed, {"sites": 2, "units": 8, "people": 45}),
        (BalanceRow, BALANCE),
        (RandomisedBalance, {"people": [BALANCE], "clusters": []}),
        (SampleRatio, RATIO),
        (AllocationRecord, ALLOCATION),
        (AllocationRecord, {**ALLOCATION, "audit_head": "00" * 32, "window": "kept"}),
        (RunArm, {"name": "letters", "label": "Personal recognition letter"}),
        (PlanStatus, UNLOCKED),
        (PlanStatus, LOCKED),
        (PlanStatus, {**LOCKED, "labels": {}, "note": "a key this version does not know"}),
    ],
)
def test_each_section_writes_back_exactly_what_it_read(kind: Any, stored: dict[str, Any]) -> None:
    typed = kind.from_json(stored)
    assert json.dumps(typed.to_json()) == json.dumps(stored)
    assert kind.from_json(typed.to_json()) == typed


def test_absent_keys_read_as_the_report_read_them() -> None:
    old = ArmFlow.from_json({"arm": "control", "randomised": 20, "consented": 18,
                             "declined_or_silent": 2, "responded": 15, "analysed": 15})  # fmt: skip
    assert (old.withdrawn, old.no_follow_up, old.no_baseline) == (0, 0, 0)
    assert old.units_analysed is None
    assert old.received is None
    assert "withdrawn" not in old.to_json()
    allocation = AllocationRecord.from_json(ALLOCATION)
    assert (allocation.withdrawn, allocation.late_units, allocation.audit_head) == (0, 0, None)
    assert allocation.parameters == {"strata": "site"}
    plan = PlanStatus.from_json(UNLOCKED)
    assert plan.locked_at is None
    assert plan.deviations == ()
    assert plan.label("primary") == ResultLabel("exploratory", "not locked")
    assert plan.label("absence") is None
    locked = PlanStatus.from_json(LOCKED)
    assert locked.deviations[0].changes == ("analysis.alpha: 0.05 -> 0.1",)
    assert [v.number for v in locked.versions] == [1, 2]


def test_a_required_key_missing_is_named() -> None:
    with pytest.raises(KeyError, match="AllocationRecord lacks randomised_at"):
        AllocationRecord.from_json({k: v for k, v in ALLOCATION.items() if k != "randomised_at"})
    with pytest.raises(StateError, match="no allocation record"):
        recorded(None)


def test_the_api_flow_row_declares_the_run_s_counts_in_order() -> None:
    assert tuple(f.name for f in fields(FlowRow)) == ArmFlow.keys()


def test_each_builder_s_part_stores_the_keys_runs_always_stored() -> None:
    label = ResultLabel("exploratory", "not locked")
    unlocked = PlanStatus(locked=False, sha256="ab" * 32, labels=(("primary", label),))
    assert json.dumps(unlocked.without("locked_at", "locked_sha256").to_json()) == json.dumps(
        UNLOCKED
    )
    locked = PlanStatus.from_json(LOCKED)
    assert json.dumps(replace(locked, layout=None).to_json()) == json.dumps(LOCKED)
    assert locked.labels[1] == ("valued", ResultLabel("exploratory", "secondary"))
    assert PlanStatus.from_json({**LOCKED, "labels": {}}).label("primary") is None


@pytest.mark.django_db
def test_a_run_reads_its_sections_typed(trial: Any) -> None:
    lock_plan(trial, now=CLOCK)
    _ready(trial)
    # The real clock: the run must follow the lock, a real database timestamp.
    run = run_analysis(trial, timezone.now())
    r = read_result(run)
    stored = run.result
    assert [f.arm for f in r.flow] == ["control", "letters"]
    assert sum(f.randomised for f in r.flow) == 40
    assert r.flow[1].to_json() == stored["flow"][1]
    assert r.assessed == Assessed(sites=stored["assessed"]["sites"],
                                  units=stored["assessed"]["units"], people=40)  # fmt: skip
    assert next(b.variable for b in r.balance) == "Baseline score"
    assert [a.arm for a in r.balance[0].arms] == ["control", "letters"]
    assert r.randomisation_balance is not None
    assert len(r.randomisation_balance.clusters) == len(stored["randomisation_balance"]["clusters"])
    assert [t.sample for t in r.sample_ratio] == [t["sample"] for t in stored["sample_ratio"]]
    assert r.allocation is not None
    assert r.allocation.seed == 11
    assert r.allocation.unit == stored["allocation"]["unit"]
    assert r.arms[0] == RunArm("control", stored["arms"][0]["label"])
    assert r.plan is not None
    assert r.plan.locked
    assert r.plan.label("primary") == ResultLabel(
        "confirmatory", stored["plan"]["labels"]["primary"]["reason"]
    )
    for key in ("flow", "assessed", "balance", "randomisation_balance", "sample_ratio",
                "allocation", "arms", "plan"):  # fmt: skip
        assert json.dumps(r.to_json()[key]) == json.dumps(stored[key]), key
