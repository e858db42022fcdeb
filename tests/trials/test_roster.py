"""Roster import: every row or none, and every problem listed with its row."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from hearten.errors import ImportRejected, StateError
from hearten.trials.models import IdentityKey, Participant, Team
from hearten.trials.roster import import_roster
from tests.conftest import CLOCK, ROSTER_HEADER, roster_text

pytestmark = pytest.mark.django_db


def test_a_good_roster_is_imported_with_pseudonyms(trial: Any) -> None:
    people = Participant.objects.filter(trial=trial)
    assert people.count() == 40
    assert Team.objects.filter(trial=trial).count() == 8
    p = people.first()
    assert p is not None
    assert p.pseudonym.startswith("P-")
    assert len(p.pseudonym) == 10
    assert p.identity.staff_id.startswith("S")  # the HR id lives apart, in IdentityKey
    assert p.pseudonym != p.identity.staff_id


def _new_trial(design_file: Path) -> Any:
    from hearten.trials.design import load_design
    from hearten.trials.lifecycle import create_trial

    return create_trial(load_design(design_file), now=CLOCK)


def test_problems_are_listed_by_row_and_nothing_is_imported(
    design_file: Path, write_roster: Callable[[str], Path]
) -> None:
    t = _new_trial(design_file)
    path = write_roster(
        ROSTER_HEADER
        + "S1,Dudley,D-1,Social worker,1.0,2020-01-01,12,a@example.org\n"
        + "S1,Dudley,D-1,Social worker,1.0,2020-01-01,12,b@example.org\n"
        + "S3,Dudley,,Social worker,1.0,2020-01-01,12,c@example.org\n"
        + "S4,Dudley,D-2,Social worker,two,31/02/2020,many,not-an-email\n"
        + "S5,Shropshire,D-1,Social worker,0.5,01/03/2021,,\n"
    )
    from hearten.trials.roster import import_roster

    with pytest.raises(ImportRejected) as caught:
        import_roster(t, path, now=CLOCK)
    problems = caught.value.problems
    assert "row 3: staff_id 'S1' repeats row 2" in problems
    assert "row 4: has no team" in problems
    assert "row 5: fte 'two' is not a number" in problems
    assert any(p.startswith("row 5: start_date '31/02/2020' is not a date") for p in problems)
    assert "row 5: caseload 'many' is not a whole number" in problems
    assert "row 5: email 'not-an-email' is not an e-mail address" in problems
    assert any(p.startswith("row 6: team 'D-1' is in site 'Shropshire'") for p in problems)
    assert "Nothing was imported." in str(caught.value)
    assert Participant.objects.filter(trial=t).count() == 0
    assert IdentityKey.objects.count() == 0


def test_missing_and_unknown_columns_are_named(
    design_file: Path, write_roster: Callable[[str], Path]
) -> None:
    from hearten.trials.roster import import_roster

    t = _new_trial(design_file)
    path = write_roster("staff_id,site,team,grade,fte,start_date\nS1,D,T,7,1,2020-01-01\n")
    with pytest.raises(ImportRejected) as caught:
        import_roster(t, path, now=CLOCK)
    assert "missing column 'role'" in caught.value.problems
    assert any(p.startswith("unknown column 'grade'") for p in caught.value.problems)


def test_importing_the_same_people_twice_is_refused_whole(
    trial: Any, write_roster: Callable[[str], Path]
) -> None:
    from hearten.trials.roster import import_roster

    with pytest.raises(ImportRejected, match="already in trial"):
        import_roster(trial, write_roster(roster_text()), now=CLOCK)
    assert Participant.objects.filter(trial=trial).count() == 40


def test_no_roster_import_after_analysis(trial: Any, write_roster: Callable[[str], Path]) -> None:
    from hearten.trials.choices import TrialStatus
    from hearten.trials.roster import import_roster

    trial.status = TrialStatus.ANALYSED
    trial.save()
    with pytest.raises(StateError, match="only until it is analysed"):
        import_roster(trial, write_roster(roster_text()), now=CLOCK)


def test_pseudonyms_never_repeat_one_already_in_use(trial: Any) -> None:
    from hearten.trials import roster

    taken = Participant.objects.first()
    assert taken is not None
    draws = iter([taken.pseudonym, "P-NEWTWO45", taken.pseudonym, "P-NEWTWO45", "P-NEWONE23"])
    # In the order drawn (a secure random order in use), never sorted: a sorted list given
    # out in roster order would pair the roster's order with the pseudonyms'.
    assert roster.fresh_pseudonyms(2, lambda: next(draws)) == ["P-NEWTWO45", "P-NEWONE23"]


def test_a_roster_takes_its_pseudonyms_from_the_source_it_is_given(
    design_file: Path, write_roster: Callable[[str], Path]
) -> None:
    from hearten.demo.roster import seeded_pseudonyms
    from hearten.trials.design import load_design
    from hearten.trials.lifecycle import create_trial, discard_trial

    made = []
    for _ in range(2):
        t = create_trial(load_design(design_file), now=CLOCK)
        import_roster(t, write_roster(roster_text()), now=CLOCK, pseudonyms=seeded_pseudonyms(7))
        made.append(list(t.participants.order_by("id").values_list("pseudonym", flat=True)))
        discard_trial(t, "made again", now=CLOCK)  # as the demo replaces its own trials
    assert made[0] == made[1]
    assert all(re.fullmatch(r"P-[A-HJKMNP-TV-Z2-9]{8}", p) for p in made[0])


def test_what_postgresql_cannot_store_is_refused_by_row_on_every_database(
    design_file: Path, write_roster: Callable[[str], Path]
) -> None:
    t = _new_trial(design_file)
    long = "X" * 81
    path = write_roster(
        ROSTER_HEADER
        + f"S1,Dudley,{long},Social worker,1.0,2020-01-15,12,\n"  # row 2: team too long
        + "S2,Dudley,DU-1,Social worker,1.0,2020-01-15,40000,\n"  # row 3: past a small integer
        + "S3,Dudley,DU-1,Social\x00worker,1.0,2020-01-15,12,\n"  # row 4: NUL
        + f"S4,Dudley,DU-1,Social worker,1.0,2020-01-15,12,{'a' * 250}@example.org\n"  # row 5
        + "S5,Dudley,DU-1,Social worker,1.0,2020-01-15,32767,\n"  # the largest caseload fits
    )
    with pytest.raises(ImportRejected) as caught:
        import_roster(t, path, now=CLOCK)
    assert caught.value.problems == [
        "row 2: team is 81 characters long; at most 80 fit: shorten it",
        "row 3: caseload 40000 is out of range: give a whole number from 0 to 32767",
        "row 4: role contains a control character (U+0000); remove it and try again",
        "row 5: email is 262 characters long; at most 254 fit: shorten it",
    ]
    assert Participant.objects.filter(trial=t).count() == 0


def test_a_column_named_twice_is_refused(
    design_file: Path, write_roster: Callable[[str], Path]
) -> None:
    t = _new_trial(design_file)
    path = write_roster(
        "staff_id,site,team,role,fte,start_date,site\n"
        "S1,Dudley,DU-1,Social worker,1.0,2020-01-15,B\n"
    )
    with pytest.raises(ImportRejected) as caught:
        import_roster(t, path, now=CLOCK)
    assert caught.value.problems == ["column 'site' appears more than once: keep one"]


def test_a_roster_past_sqlites_limit_on_variables_imports(
    design_file: Path, write_roster: Callable[[str], Path]
) -> None:
    import sqlite3

    from django.db import connection

    t = _new_trial(design_file)
    connection.ensure_connection()
    if connection.vendor == "sqlite":  # the limit a large roster crosses, made small
        limit = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        connection.connection.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 999)
    try:
        rows = "".join(
            f"S{n},Dudley,DU-{n % 20},Social worker,1.0,2020-01-15,12,\n" for n in range(2500)
        )
        assert import_roster(t, write_roster(ROSTER_HEADER + rows), now=CLOCK).participants == 2500
    finally:
        if connection.vendor == "sqlite":
            connection.connection.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, limit)
    assert Participant.objects.filter(trial=t).count() == 2500


def test_preferred_names_and_the_names_of_sites_and_teams_are_imported(
    design_file: Path, write_roster: Callable[[str], Path]
) -> None:
    from hearten.trials.models import Site

    t = _new_trial(design_file)
    header = ROSTER_HEADER.strip() + ",name,preferred_name,site_name,team_name\n"
    path = write_roster(
        header + "S1,DU,DU-B,Social worker,1.0,2020-01-01,12,a@example.org,Joanna Smith,Jo,Dudley "
        "Council,Brierley Hill Children's Team\n"
        + "S2,DU,DU-B,Social worker,1.0,2020-01-01,12,b@example.org,Sam Patel,,,\n"
    )
    import_roster(t, path, now=CLOCK)
    assert IdentityKey.objects.get(staff_id="S1").preferred_name == "Jo"
    assert IdentityKey.objects.get(staff_id="S2").preferred_name == ""
    assert Site.objects.get(trial=t, code="DU").name == "Dudley Council"
    assert Team.objects.get(trial=t, code="DU-B").name == "Brierley Hill Children's Team"


def test_a_team_given_two_names_is_refused(
    design_file: Path, write_roster: Callable[[str], Path]
) -> None:
    t = _new_trial(design_file)
    header = ROSTER_HEADER.strip() + ",team_name\n"
    path = write_roster(
        header
        + "S1,DU,DU-B,Social worker,1.0,2020-01-01,12,a@example.org,North Team\n"
        + "S2,DU,DU-B,Social worker,1.0,2020-01-01,12,b@example.org,South Team\n"
    )
    with pytest.raises(ImportRejected) as caught:
        import_roster(t, path, now=CLOCK)
    assert caught.value.problems == [
        "row 3: team_name of 'DU-B' is 'South Team' here but 'North Team' in row 2; give each "
        "team one name"
    ]
