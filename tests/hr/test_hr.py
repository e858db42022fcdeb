"""HR records: mapped, checked whole, pseudonymised, idempotent; outcomes worked by hand."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from hearten.errors import ImportRejected
from hearten.hr.imports import import_hr
from hearten.hr.models import AbsenceSpell, Leaver
from hearten.hr.outcomes import derive
from hearten.trials.models import AuditEvent, Participant
from tests.conftest import CLOCK

pytestmark = pytest.mark.django_db
MAP = {"staff_id": "Employee No", "start": "First Day", "end": "Last Day", "reason": "Category"}


def _csv(tmp_path: Path, text: str, name: str = "absence.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_absence_is_mapped_pseudonymised_and_reimported_without_change(
    trial: Any, tmp_path: Path
) -> None:
    path = _csv(
        tmp_path,
        "Employee No,First Day,Last Day,Category\n"
        "S0001,2026-01-05,2026-01-09,Stress\nS0002,12/01/2026,14/01/2026,Musculoskeletal\n",
    )
    first = import_hr(trial, "absence", path, MAP, now=CLOCK)
    assert (first.added, first.unchanged) == (2, 0)
    spell = AbsenceSpell.objects.get(participant__identity__staff_id="S0001")
    assert (spell.starts_on, spell.ends_on, spell.reason) == (
        date(2026, 1, 5), date(2026, 1, 9), "Stress",
    )  # fmt: skip
    assert "staff_id" not in {f.name for f in AbsenceSpell._meta.get_fields()}
    again = import_hr(trial, "absence", path, MAP, now=CLOCK)
    assert (again.added, again.unchanged) == (0, 2)
    assert AbsenceSpell.objects.count() == 2
    assert AuditEvent.objects.filter(action="hr-imported").count() == 2


def test_every_problem_is_listed_and_nothing_is_written(trial: Any, tmp_path: Path) -> None:
    path = _csv(
        tmp_path,
        "Employee No,First Day,Last Day,Category\n"
        "S9999,2026-01-05,2026-01-09,\n"  # row 2: unknown person
        "S0001,2026-01-09,2026-01-05,\n"  # row 3: ends before it starts
        "S0002,2019-06-01,2019-06-03,\n"  # row 4: before starting in post (2020-01-15)
        "S0003,2026-02-01,2026-02-10,\n"  # row 5
        "S0003,2026-02-08,2026-02-12,\n"  # row 6: overlaps row 5
        "S0004,2026-03-01,2026-03-02,\n"  # row 7
        "S0004,2026-03-01,2026-03-02,\n"  # row 8: repeats row 7
        "S0005,soon,2026-03-02,\n",  # row 9: not a date
    )
    with pytest.raises(ImportRejected) as caught:
        import_hr(trial, "absence", path, MAP, now=CLOCK)
    problems = "\n".join(caught.value.problems)
    for expected in (
        "row 2: staff number 'S9999' is not in the trial",
        "row 3: the spell ends (2026-01-05) before it starts (2026-01-09)",
        "row 4: 2019-06-01 is before this person started in post (2020-01-15)",
        "row 8: repeats row 7",
        "row 9: start 'soon' is not a date",
    ):
        assert expected in problems
    assert AbsenceSpell.objects.count() == 0
    overlap = _csv(
        tmp_path,
        "Employee No,First Day,Last Day,Category\n"
        "S0003,2026-02-01,2026-02-10,\nS0003,2026-02-08,2026-02-12,\n",
        "overlap.csv",
    )
    with pytest.raises(ImportRejected, match="problem") as caught:
        import_hr(trial, "absence", overlap, MAP, now=CLOCK)
    assert "row 2: the spell 2026-02-01 to 2026-02-10 overlaps row 3" in caught.value.problems


def test_nothing_after_leaving_and_an_excel_export_reads(trial: Any, tmp_path: Path) -> None:
    leavers = tmp_path / "leavers.xlsx"
    pd.DataFrame(
        {"Staff": ["S0001"], "Leaving date": [pd.Timestamp("2026-02-28")], "Why": ["Moved LA"]}
    ).to_excel(leavers, index=False)
    result = import_hr(
        trial,
        "leavers",
        leavers,
        {"staff_id": "Staff", "date": "Leaving date", "reason": "Why"},
        now=CLOCK,
    )
    assert result.added == 1
    assert Leaver.objects.get().reason == "Moved LA"
    late = _csv(tmp_path, "Employee No,First Day,Last Day,Category\nS0001,2026-03-02,2026-03-04,\n")
    with pytest.raises(ImportRejected) as caught:
        import_hr(trial, "absence", late, MAP, now=CLOCK)
    assert caught.value.problems == ["row 2: 2026-03-04 is after this person left (2026-02-28)"]


def test_outcomes_over_the_follow_up_window_worked_by_hand(trial: Any, tmp_path: Path) -> None:
    import_hr(trial, "absence", _csv(tmp_path, (
        "staff_id,start,end\n"
        "S0001,2025-12-30,2026-01-03\n"  # 3 days inside a window from 1 January
        "S0001,2026-02-02,2026-02-06\n"  # 5 days
        "S0002,2026-07-01,2026-07-10\n"  # outside the window
    )), {}, now=CLOCK)  # fmt: skip
    import_hr(trial, "contracts", _csv(tmp_path, "staff_id,date,fte\nS0001,2026-01-11,0.5\n",
                                       "contracts.csv"), {}, now=CLOCK)  # fmt: skip
    import_hr(
        trial,
        "leavers",
        _csv(tmp_path, "staff_id,date\nS0003,2026-01-20\n", "left.csv"),
        {},
        now=CLOCK,
    )
    import_hr(trial, "caseload", _csv(tmp_path, "staff_id,date,caseload\nS0004,2025-12-01,23\n"
                                      "S0004,2026-02-01,30\n", "caseload.csv"), {},
              now=CLOCK)  # fmt: skip
    out = derive(trial, date(2026, 1, 1), date(2026, 3, 31)).set_index("pseudonym")
    code = dict(Participant.objects.values_list("identity__staff_id", "pseudonym"))
    one, three, four = out.loc[code["S0001"]], out.loc[code["S0003"]], out.loc[code["S0004"]]
    assert (one["absence_days"], one["absence_spells"]) == (8, 2)
    # FTE 1.0 for 1–10 January (10 days), 0.5 from 11 January to 31 March (80 days).
    assert one["exposure"] == pytest.approx(10 + 0.5 * 80)
    assert (one["left"], one["days_to_leaving"]) == (0, 89)  # censored at the window's end
    assert (three["left"], three["days_to_leaving"]) == (1, 19)
    assert three["exposure"] == pytest.approx(20)  # employed 1–20 January at FTE 1.0
    assert four["caseload_baseline"] == 23  # the snapshot before the window, not after
    assert out.loc[code["S0005"], "caseload_baseline"] == 10 + 5 % 15  # the roster's


def test_the_command_maps_columns_and_explains_mistakes(
    hearten: Callable[..., Any], trial: Any, tmp_path: Path
) -> None:
    path = _csv(tmp_path, "Employee No,First Day,Last Day\nS0001,2026-01-05,2026-01-09\n")
    maps = ["staff_id=Employee No", "start=First Day", "end=Last Day"]
    r = hearten("hr", "import", trial.slug, "absence", str(path), *[
        part for m in maps for part in ("--map", m)
    ])  # fmt: skip
    assert r.code == 0, r.err
    assert "1 added" in r.out
    bad = hearten("hr", "import", trial.slug, "absence", str(path), "--map",
                  "staff_id=Employee Number")  # fmt: skip
    assert bad.code == 2
    assert "no column 'Employee Number' for staff_id (did you mean 'Employee No'?)" in bad.err
    kind = hearten("hr", "import", trial.slug, "sickness", str(path))
    assert kind.code == 2
    assert "unknown kind of HR record 'sickness'" in kind.err


def test_hr_cells_are_checked_as_the_rosters_are(trial: Any, tmp_path: Path) -> None:
    path = _csv(
        tmp_path,
        "Employee No,First Day,Last Day,Category\n"
        f"S0001,2026-01-05,2026-01-09,{'Stress' * 14}\n"  # row 2: reason of 84 characters
        "S0002,2026-01-05,2026-01-09,Str\x00ess\n",  # row 3: NUL
    )
    with pytest.raises(ImportRejected) as caught:
        import_hr(trial, "absence", path, MAP, now=CLOCK)
    assert caught.value.problems == [
        "row 2: reason is 84 characters long; at most 80 fit: shorten it",
        "row 3: reason contains a control character (U+0000); remove it and try again",
    ]
    caseloads = _csv(tmp_path, "staff_id,date,caseload\nS0001,2026-01-05,40000\n"
                     "S0002,2026-01-05,NaN\n", "caseload.csv")  # fmt: skip
    with pytest.raises(ImportRejected) as caught:
        import_hr(trial, "caseload", caseloads, {}, now=CLOCK)
    assert caught.value.problems == [
        "row 2: caseload 40000 is out of range: give a whole number from 0 to 32767",
        "row 3: caseload 'NaN' is not a number",
    ]
    assert AbsenceSpell.objects.count() == 0


def test_an_hr_file_naming_a_column_twice_is_refused(trial: Any, tmp_path: Path) -> None:
    path = _csv(tmp_path, "staff_id,date,reason,date\nS0001,2026-02-28,Moved,2026-03-31\n")
    with pytest.raises(ImportRejected) as caught:
        import_hr(trial, "leavers", path, {}, now=CLOCK)
    assert caught.value.problems == ["column 'date' appears more than once: keep one"]
    assert Leaver.objects.count() == 0


def test_someone_who_left_before_the_window_is_not_followed_in_it(
    trial: Any, tmp_path: Path
) -> None:
    """Issue 28: a leaver file read before the window (here: before its start) once made a
    person who had already left come out as having stayed, followed 89 days with no exposure.
    They are not at risk in the window: not followed at all, whatever the order of imports."""
    import_hr(
        trial,
        "leavers",
        _csv(tmp_path, "staff_id,date\nS0003,2025-12-15\n", "left.csv"),
        {},
        now=CLOCK,
    )
    out = derive(trial, date(2026, 1, 1), date(2026, 3, 31)).set_index("pseudonym")
    code = dict(Participant.objects.values_list("identity__staff_id", "pseudonym"))
    gone, stayed = out.loc[code["S0003"]], out.loc[code["S0001"]]
    assert (gone["in_window"], gone["left"], gone["days_to_leaving"]) == (0, 0, 0)
    assert gone["exposure"] == 0
    assert (stayed["in_window"], stayed["left"], stayed["days_to_leaving"]) == (1, 0, 89)
