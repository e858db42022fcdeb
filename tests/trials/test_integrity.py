"""Allocation integrity in the platform: commit–reveal, schemes from the design, late joiners,
re-derivation, and tampering with any audit row detected."""

from __future__ import annotations

import hashlib
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from django.db import DatabaseError, transaction

from hearten.errors import DesignError, StateError
from hearten.trials.allocation import (
    arms_by_participant,
    commit_seed,
    randomise_trial,
    snapshot_sha256,
)
from hearten.trials.models import AllocatedUnit, AuditEvent, Participant, SeedCommitment
from hearten.trials.verify import verify_trial
from tests.conftest import CLOCK, ROSTER_HEADER, append_only_lifted, roster_text

pytestmark = pytest.mark.django_db


def _ok(trial: Any, anchor: str | None = None) -> dict[str, bool]:
    return {c.name: c.ok for c in verify_trial(trial, anchor)}


def _trial_with(design_file: Path, tmp_path: Path, extra: str, roster: str | None = None) -> Any:
    from hearten.trials.design import parse_design
    from hearten.trials.lifecycle import create_trial
    from hearten.trials.roster import import_roster

    text = design_file.read_text().replace("letters-test", "variant") + extra
    t = create_trial(parse_design(text), now=CLOCK)
    path = tmp_path / "variant.csv"
    path.write_text(roster or roster_text(teams_per_site=6))
    import_roster(t, path, now=CLOCK)
    return t


def test_the_committed_seed_is_used_revealed_and_checks_out(trial: Any) -> None:
    c = commit_seed(trial, now=CLOCK)
    # The commitment is an independent SHA-256 of the documented string.
    text = f"hearten-seed:v1:{trial.slug}:{c.seed}:{c.salt}:{c.roster_sha256}"
    assert c.commitment == hashlib.sha256(text.encode()).hexdigest()
    assert c.roster_sha256 == snapshot_sha256(c.snapshot)
    assert AuditEvent.objects.get(action="seed-committed").detail["commitment"] == c.commitment
    assert "seed" not in AuditEvent.objects.get(action="seed-committed").detail
    with pytest.raises(StateError, match="leave out --seed"):
        randomise_trial(trial, c.seed + 1, now=CLOCK)
    summary = randomise_trial(trial, now=CLOCK)
    assert summary.seed == c.seed
    revealed = AuditEvent.objects.get(action="randomised").detail
    assert (revealed["seed"], revealed["salt"]) == (c.seed, c.salt)
    assert all(_ok(trial).values()), verify_trial(trial)
    with pytest.raises(StateError, match="randomised already"):
        commit_seed(trial, now=CLOCK)


def test_a_commitment_is_never_replaced_and_a_seed_is_needed_without_one(trial: Any) -> None:
    with pytest.raises(DesignError, match="commit one first"):
        randomise_trial(trial, now=CLOCK)
    commit_seed(trial, seed=5, now=CLOCK)
    with pytest.raises(StateError, match="never replaced"):
        commit_seed(trial, seed=6, now=CLOCK)


def test_units_added_after_the_commitment_join_late(
    trial: Any, write_roster: Any, tmp_path: Path
) -> None:
    from hearten.trials.roster import import_roster

    c = commit_seed(trial, seed=11, now=CLOCK)
    path = tmp_path / "more.csv"
    path.write_text(
        ROSTER_HEADER + "N1,Dudley,DU-new,Social worker,1.0,2021-03-01,12,\n"
        "N2,Dudley,DU-0,Social worker,1.0,2021-03-01,14,\n"
    )
    import_roster(trial, path, now=CLOCK)
    summary = randomise_trial(trial, now=CLOCK)
    assert summary.late_units == 1
    assert sum(summary.units_by_arm.values()) == 9
    units = {u.unit_key: u for u in trial.allocation.units.all()}
    assert units["DU-new"].method == "blocked"
    assert units["DU-new"].sequence == 0
    assert trial.allocation.roster_sha256 == c.roster_sha256
    assert all(_ok(trial).values())


def test_staff_joining_after_randomisation_share_their_team_or_are_allocated(
    trial: Any, tmp_path: Path
) -> None:
    from hearten.trials.roster import import_roster

    randomise_trial(trial, 3, now=CLOCK)
    arms = arms_by_participant(trial)
    team_arm = {
        p.team.code: arms[p.id]
        for p in Participant.objects.filter(trial=trial).select_related("team")
    }
    path = tmp_path / "joiners.csv"
    path.write_text(
        ROSTER_HEADER
        + "J1,Dudley,DU-1,Social worker,1.0,2026-09-01,9,\n"
        + "".join(
            f"J{i},Shropshire,SH-new{i},Social worker,1.0,2026-09-01,9,\n" for i in range(2, 6)
        )
    )
    result = import_roster(trial, path, now=CLOCK)
    assert result.late
    assert result.new_units_allocated == 4
    joined = arms_by_participant(trial)
    j1 = Participant.objects.get(identity__staff_id="J1")
    assert j1.late
    assert joined[j1.id] == team_arm["DU-1"]
    new = AllocatedUnit.objects.filter(allocation__trial=trial, method="blocked").order_by(
        "sequence"
    )
    assert [u.sequence for u in new] == [0, 1, 2, 3]
    # Permuted blocks of two in Shropshire: the four new teams split two and two.
    assert Counter(u.arm.name for u in new) == {"control": 2, "letters": 2}
    assert all(_ok(trial).values())
    assert AuditEvent.objects.filter(action="late-joiners-allocated").count() == 1


def test_minimisation_for_late_joiners_replays(design_file: Path, tmp_path: Path) -> None:
    from hearten.trials.roster import import_roster

    t = _trial_with(design_file, tmp_path, '\n[randomisation]\nlate_joiners = "minimisation"\n')
    randomise_trial(t, 8, now=CLOCK)
    path = tmp_path / "late.csv"
    path.write_text(
        ROSTER_HEADER
        + "".join(f"L{i},Dudley,DU-late{i},Social worker,1.0,2026-09-01,9,\n" for i in range(5))
    )
    import_roster(t, path, now=CLOCK)
    late = list(AllocatedUnit.objects.filter(allocation__trial=t, method="minimisation"))
    assert len(late) == 5
    assert {round(u.probability, 3) for u in late} <= {0.2, 0.5, 0.8}
    assert all(_ok(t).values())


def test_rerandomisation_from_the_design(design_file: Path, tmp_path: Path) -> None:
    t = _trial_with(
        design_file,
        tmp_path,
        '\n[randomisation]\nscheme = "rerandomised"\nbalance_on = ["caseload"]\nacceptance = 0.2\n',
    )
    summary = randomise_trial(t, 21, now=CLOCK)
    a = t.allocation
    assert a.scheme == "rerandomised"
    assert a.parameters["distance"] <= a.parameters["threshold"]
    assert summary.details["balance_on"] == ["caseload"]
    assert all(_ok(t).values())


def test_matched_pairs_of_teams_from_the_design(design_file: Path, tmp_path: Path) -> None:
    t = _trial_with(
        design_file,
        tmp_path,
        '\n[randomisation]\nscheme = "matched-pairs"\npairs_by = "caseload"\n',
    )
    randomise_trial(t, 2, now=CLOCK)
    assert t.allocation.scheme == "matched-pairs"
    assert {u.probability for u in t.allocation.units.all()} == {0.5}
    assert all(_ok(t).values())


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ('[randomisation]\nscheme = "matched-pairs"\n', "needs pairs_by"),
        ('[randomisation]\nbalance_on = ["caseload"]\n', "only for scheme 'rerandomised'"),
        ('[randomisation]\nminimisation_factors = ["role"]\n', "minimisation by role"),
    ],
)
def test_impossible_randomisation_designs_are_refused(
    design_file: Path, extra: str, message: str
) -> None:
    from hearten.trials.design import parse_design

    with pytest.raises(DesignError, match=message):
        parse_design(design_file.read_text() + "\n" + extra)


def test_balance_on_a_missing_covariate_is_refused(design_file: Path, tmp_path: Path) -> None:
    roster = ROSTER_HEADER + "".join(
        f"S{i},{'Dudley' if i < 6 else 'Shropshire'},T{i},SW,1,2020-01-01,,\n" for i in range(12)
    )
    t = _trial_with(
        design_file,
        tmp_path,
        '\n[randomisation]\nscheme = "rerandomised"\nbalance_on = ["caseload"]\n',
        roster,
    )
    with pytest.raises(DesignError, match="caseload is missing for 12 team"):
        randomise_trial(t, 1, now=CLOCK)


# Tampering: every kind is caught.


def test_an_allocation_changed_in_the_database_no_longer_re_derives(trial: Any) -> None:
    randomise_trial(trial, 4, now=CLOCK)
    unit = AllocatedUnit.objects.filter(allocation__trial=trial).first()
    assert unit is not None
    other = trial.arms.exclude(pk=unit.arm_id).get()
    AllocatedUnit.objects.filter(pk=unit.pk).update(arm=other)
    checks = _ok(trial)
    assert not checks["allocation re-derived"]
    assert checks["audit chain"]


def test_a_seed_changed_after_commitment_is_caught(trial: Any) -> None:
    commit_seed(trial, seed=5, now=CLOCK)
    randomise_trial(trial, now=CLOCK)
    SeedCommitment.objects.filter(trial=trial).update(seed=6)
    checks = _ok(trial)
    assert not checks["seed commitment"]
    assert not checks["allocation used the committed seed"]


def test_the_audit_table_refuses_edits_and_deletions(trial: Any) -> None:
    randomise_trial(trial, 1, now=CLOCK)
    event = AuditEvent.objects.get(action="randomised")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="something-else")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.filter(pk=event.pk, action="randomised").exists()


def test_an_allocation_refuses_a_new_time_seed_or_scheme(trial: Any) -> None:
    """Its time starts the HR follow-up window: the database refuses to move it, as it
    refuses to edit the audit log."""
    from datetime import timedelta

    from hearten.trials.models import Allocation

    randomise_trial(trial, 1, now=CLOCK)
    drawn = Allocation.objects.get(trial=trial)
    for change in (
        {"created_at": drawn.created_at - timedelta(days=200)},
        {"seed": 2},
        {"scheme": "complete"},
    ):
        with pytest.raises(DatabaseError, match="never changed"), transaction.atomic():
            Allocation.objects.filter(pk=drawn.pk).update(**change)
    assert Allocation.objects.get(pk=drawn.pk).created_at == drawn.created_at


def test_the_randomisation_time_is_verified_against_its_audit_event(trial: Any) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from hearten.trials.models import Allocation

    then = timezone.now() - timedelta(days=30)
    randomise_trial(trial, 1, now=then)
    drawn = Allocation.objects.get(trial=trial)
    assert drawn.created_at == then
    event = AuditEvent.objects.get(action="randomised")
    assert event.detail["randomised_at"] == then.isoformat()
    checks = _ok(trial)
    assert checks["randomisation time"]
    with append_only_lifted():  # someone with full rights to the database moves it
        Allocation.objects.filter(pk=drawn.pk).update(created_at=then - timedelta(days=200))
    checks = _ok(trial)
    assert not checks["randomisation time"]
    assert checks["audit chain"]


@pytest.mark.parametrize("how", ["edit", "delete", "reorder", "truncate"])
def test_any_tampering_with_the_audit_log_is_detected(trial: Any, how: str) -> None:
    randomise_trial(trial, 2, now=CLOCK)
    events = list(AuditEvent.objects.order_by("id"))
    assert len(events) >= 3
    anchor = events[-1].digest
    assert all(_ok(trial, anchor).values())
    with append_only_lifted():
        if how == "edit":
            AuditEvent.objects.filter(pk=events[1].pk).update(detail={"rows": 999})
        elif how == "delete":
            AuditEvent.objects.filter(pk=events[1].pk).delete()
        elif how == "reorder":
            a, b = events[0], events[1]
            AuditEvent.objects.filter(pk=a.pk).update(digest="swap", action=b.action)
            AuditEvent.objects.filter(pk=b.pk).update(digest=a.digest, action=a.action)
            AuditEvent.objects.filter(pk=a.pk).update(digest=b.digest)
        else:
            AuditEvent.objects.filter(pk=events[-1].pk).delete()
    checks = _ok(trial, anchor)
    if how == "truncate":  # the remaining chain is intact: only the published anchor shows it
        assert checks["audit chain"]
        assert not checks["published anchor"]
    else:
        assert not checks["audit chain"]
