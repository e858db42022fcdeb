"""HR rows checked against what is already held, in any order of imports (issue 28, item 3)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from hearten.errors import ImportRejected
from hearten.hr.imports import import_hr
from hearten.hr.models import AbsenceSpell, CaseloadSnapshot, ContractChange, Leaver
from hearten.trials.models import AuditEvent
from tests.conftest import CLOCK

pytestmark = pytest.mark.django_db


def _csv(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("kind", "first", "second", "problem"),
    [
        ("leavers", "staff_id,date\nS0001,2026-02-28\n", "staff_id,date\nS0001,2026-03-31\n",
         "row 2: date 2026-03-31 contradicts the record already held for"),
        ("contracts", "staff_id,date,fte\nS0001,2026-02-01,0.5\n",
         "staff_id,date,fte\nS0001,2026-02-01,0.8\n",
         "row 2: fte 0.8 contradicts the record already held for"),
        ("caseload", "staff_id,date,caseload\nS0001,2026-02-01,12\n",
         "staff_id,date,caseload\nS0001,2026-02-01,19\n",
         "row 2: caseload 19 contradicts the record already held for"),
        ("absence", "staff_id,start,end\nS0001,2026-02-01,2026-02-03\n",
         "staff_id,start,end\nS0001,2026-02-01,2026-02-09\n",
         "row 2: end 2026-02-09 contradicts the record already held for"),
    ],
)  # fmt: skip
def test_a_row_contradicting_a_held_record_is_refused_with_its_row_number(
    trial: Any, tmp_path: Path, kind: Any, first: str, second: str, problem: str
) -> None:
    import_hr(trial, kind, _csv(tmp_path, "first.csv", first), {}, now=CLOCK)
    with pytest.raises(ImportRejected) as caught:
        import_hr(trial, kind, _csv(tmp_path, "second.csv", second), {}, now=CLOCK)
    assert len(caught.value.problems) == 1
    assert caught.value.problems[0].startswith(problem)
    assert "--correct" in caught.value.problems[0]


def test_a_correction_changes_the_record_and_the_audit_log_says_how(
    trial: Any, tmp_path: Path, hearten: Callable[..., Any]
) -> None:
    held = "staff_id,date,caseload\nS0001,2026-02-01,12\nS0002,2026-02-01,14\n"
    import_hr(trial, "caseload", _csv(tmp_path, "a.csv", held), {}, now=CLOCK)
    fix = _csv(tmp_path, "fix.csv", "staff_id,date,caseload\nS0001,2026-02-01,19\n"
               "S0002,2026-02-01,14\nS0003,2026-02-01,9\n")  # fmt: skip
    r = hearten("hr", "import", trial.slug, "caseload", str(fix))
    assert r.code != 0
    assert "row 2: caseload 19 contradicts" in r.out + r.err
    r = hearten("hr", "import", trial.slug, "caseload", str(fix), "--correct")
    assert r.code == 0, r.err
    assert "1 added, 1 already held, 1 corrected" in r.out
    now = dict(CaseloadSnapshot.objects.values_list("participant__identity__staff_id",
                                                     "caseload"))  # fmt: skip
    assert now == {"S0001": 19, "S0002": 14, "S0003": 9}
    event = AuditEvent.objects.get(action="hr-corrected")
    (change,) = event.detail["changes"]
    assert (change["row"], change["field"]) == (2, "caseload")
    assert (change["was"], change["now"]) == ("12", "19")


def test_a_leaver_is_checked_against_records_imported_before_it(trial: Any, tmp_path: Path) -> None:
    import_hr(trial, "absence", _csv(tmp_path, "a.csv", "staff_id,start,end\n"
                                     "S0001,2026-03-02,2026-03-04\n"), {}, now=CLOCK)  # fmt: skip
    import_hr(trial, "contracts", _csv(tmp_path, "c.csv", "staff_id,date,fte\n"
                                       "S0001,2026-03-10,0.5\n"), {}, now=CLOCK)  # fmt: skip
    with pytest.raises(ImportRejected) as caught:
        import_hr(trial, "leavers", _csv(tmp_path, "l.csv", "staff_id,date\nS0001,2026-02-28\n"),
                  {}, now=CLOCK)  # fmt: skip
    assert caught.value.problems == [
        "row 2: left on 2026-02-28, but an absence spell to 2026-03-04 is already held",
        "row 2: left on 2026-02-28, but a contract change on 2026-03-10 is already held",
    ]
    assert not Leaver.objects.exists()


def test_a_leaver_before_randomisation_is_refused(trial: Any, tmp_path: Path) -> None:
    from hearten.trials.allocation import randomise_trial

    randomise_trial(trial, 5, now=CLOCK)
    trial.refresh_from_db()
    randomised = trial.allocation.randomised_on
    before = randomised.replace(year=randomised.year - 1)
    with pytest.raises(ImportRejected) as caught:
        import_hr(trial, "leavers", _csv(tmp_path, "l.csv", f"staff_id,date\nS0001,{before}\n"),
                  {}, now=CLOCK)  # fmt: skip
    assert caught.value.problems == [
        f"row 2: {before} is before the trial was randomised ({randomised}), so this person "
        "cannot be followed: check the date"
    ]


def test_every_overlap_is_reported_in_the_first_pass_with_the_other_problems(
    trial: Any, tmp_path: Path
) -> None:
    import_hr(trial, "absence", _csv(tmp_path, "held.csv", "staff_id,start,end\n"
                                     "S0002,2026-04-01,2026-04-05\n"), {}, now=CLOCK)  # fmt: skip
    path = _csv(tmp_path, "b.csv", "staff_id,start,end\n"
                "S9999,2026-01-05,2026-01-09\n"  # row 2: unknown person
                "S0003,2026-02-01,2026-02-10\n"  # row 3
                "S0003,2026-02-08,2026-02-12\n"  # row 4: overlaps row 3
                "S0002,2026-04-03,2026-04-07\n")  # row 5: overlaps the held spell  # fmt: skip
    with pytest.raises(ImportRejected) as caught:
        import_hr(trial, "absence", path, {}, now=CLOCK)
    problems = caught.value.problems
    assert "row 2: staff number 'S9999' is not in the trial" in problems
    assert "row 3: the spell 2026-02-01 to 2026-02-10 overlaps row 4" in problems
    assert any(p.startswith("row 5: the spell 2026-04-03 to 2026-04-07 overlaps an imported")
               for p in problems)  # fmt: skip
    assert AbsenceSpell.objects.count() == 1


def test_excel_date_serials_are_read_as_dates(trial: Any, tmp_path: Path) -> None:
    # 46054 is 2026-02-01 in Excel's 1900 date system; as text in a CSV and as a number.
    import_hr(trial, "contracts", _csv(tmp_path, "c.csv", "staff_id,date,fte\nS0001,46054,0.5\n"),
              {}, now=CLOCK)  # fmt: skip
    assert ContractChange.objects.get().changed_on == date(2026, 2, 1)
    book = tmp_path / "absence.xlsx"
    pd.DataFrame({"staff_id": ["S0002"], "start": [46054], "end": [46056]}).to_excel(
        book, index=False
    )
    import_hr(trial, "absence", book, {}, now=CLOCK)
    spell = AbsenceSpell.objects.get()
    assert (spell.starts_on, spell.ends_on) == (date(2026, 2, 1), date(2026, 2, 3))
