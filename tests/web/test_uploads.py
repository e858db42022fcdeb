"""Uploads in the web app: checked by the same import as the command line and rolled back,
shown (first rows, column mapping, every refused row), imported only on confirm; the file is
held 0600 until confirm, cancel or expiry and never kept."""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from hearten.errors import DataError, ImportRejected, StateError
from hearten.trials.models import AuditEvent, Participant
from hearten.web import uploads
from tests.conftest import CLOCK, ROSTER_HEADER, sign_in

pytestmark = pytest.mark.django_db
PASSWORD = "a long passphrase 1"
GOOD = (
    ROSTER_HEADER
    + "N0001,Dudley,DU-9,Social worker,1.0,2021-03-01,12,n1@example.org\n"
    + "N0002,Dudley,DU-9,Social worker,0.8,2021-04-01,9,n2@example.org\n"
)
BAD = GOOD + "N0003,Dudley,DU-9,Social worker,2.5,2021-05-01,9,n3@example.org\n"


@pytest.fixture
def eve(trial: Any, client: Client) -> Client:
    user = get_user_model().objects.create_user("eve", password=PASSWORD)
    trial.evaluators.add(user)
    assert sign_in(client, "eve", PASSWORD)
    return client


def _upload(client: Client, slug: str, text: str, kind: str = "roster") -> str:
    file = SimpleUploadedFile("roster.csv", text.encode(), content_type="text/csv")
    page = client.post(
        f"/trials/{slug}/uploads/", {"action": "upload", "kind": kind, "file": file}, follow=True
    )
    return page.content.decode()


def _held() -> list[Path]:
    return list(uploads.folder().iterdir()) if uploads.folder().is_dir() else []


def test_a_bad_row_is_refused_with_its_reason_and_nothing_is_imported(
    eve: Client, trial: Any
) -> None:
    before = Participant.objects.count()
    events = AuditEvent.objects.count()
    page = _upload(eve, trial.slug, BAD)
    assert "This file cannot be imported: 1 problem" in page
    assert "Every refused row, with its reason" in page
    assert '<th scope="row" class="govuk-table__header">4</th>' in page  # the file's row 4
    assert "fte" in page.split("Every refused row", 1)[1]
    assert "N0001" in page  # the preview of the first rows
    assert "Import this file" not in page
    assert Participant.objects.count() == before
    assert AuditEvent.objects.count() == events  # the check's import was rolled back
    (held,) = _held()
    assert stat.S_IMODE(held.stat().st_mode) == 0o600
    assert stat.S_IMODE(held.parent.stat().st_mode) == 0o700
    eve.post(f"/trials/{trial.slug}/uploads/", {"action": "cancel"})
    assert _held() == []


def test_a_good_file_is_imported_only_on_confirm_and_not_kept(eve: Client, trial: Any) -> None:
    before = Participant.objects.count()
    page = _upload(eve, trial.slug, GOOD)
    assert "Every row passes the checks. Importing will add 2 people in 1 teams" in page
    assert '<th scope="row" class="govuk-table__header">staff_id</th>' in page  # the mapping
    assert Participant.objects.count() == before
    done = eve.post(f"/trials/{trial.slug}/uploads/", {"action": "confirm"}, follow=True)
    assert "Imported from roster.csv: 2 people" in done.content.decode()
    assert Participant.objects.count() == before + 2
    assert _held() == []
    again = eve.post(f"/trials/{trial.slug}/uploads/", {"action": "confirm"}, follow=True)
    assert Participant.objects.count() == before + 2  # nothing pending: nothing happens
    assert "Upload and check" in again.content.decode()


def test_an_hr_file_is_checked_by_the_hr_import(eve: Client, trial: Any) -> None:
    staff = Participant.objects.filter(trial=trial).first().identity.staff_id
    text = f"staff_id,start,end\n{staff},2024-01-08,2024-01-12\nS9999,2024-02-01,2024-02-02\n"
    page = _upload(eve, trial.slug, text, kind="absence")
    assert "This file cannot be imported: 1 problem" in page
    assert "S9999" in page.split("Every refused row", 1)[1]


def test_a_held_upload_expires(eve: Client, trial: Any) -> None:
    _upload(eve, trial.slug, GOOD)
    (held,) = _held()
    old = time.time() - uploads.KEEP_FOR - 5
    os.utime(held, (old, old))
    assert uploads.sweep() == 1
    page = eve.get(f"/trials/{trial.slug}/uploads/").content.decode()
    assert "has expired or was used: upload the file again" in page


def test_only_csv_or_excel_is_taken(eve: Client, trial: Any) -> None:
    file = SimpleUploadedFile("roster.exe", b"MZ", content_type="application/octet-stream")
    page = eve.post(
        f"/trials/{trial.slug}/uploads/", {"action": "upload", "kind": "roster", "file": file}
    ).content.decode()
    assert "upload a CSV or Excel file" in page
    assert _held() == []


def test_an_hr_files_columns_are_mapped_as_on_the_command_line(eve: Client, trial: Any) -> None:
    from hearten.hr.models import AbsenceSpell

    staff = Participant.objects.filter(trial=trial).first().identity.staff_id
    text = f"Employee No,First Day,Last Day\n{staff},2024-01-08,2024-01-12\n"
    page = _upload(eve, trial.slug, text, kind="absence")
    assert "This file cannot be imported" in page  # no column is named staff_id
    assert '<label class="govuk-label govuk-visually-hidden" for="map-staff_id">' in page
    mapped = eve.post(
        f"/trials/{trial.slug}/uploads/",
        {"action": "map", "map-staff_id": "Employee No", "map-start": "First Day",
         "map-end": "Last Day"},
        follow=True,
    ).content.decode()  # fmt: skip
    assert "Every row passes the checks. Importing will add 1 rows of absence" in mapped
    assert not AbsenceSpell.objects.exists()
    eve.post(f"/trials/{trial.slug}/uploads/", {"action": "confirm"})
    assert AbsenceSpell.objects.count() == 1
    assert _held() == []
    imported = AuditEvent.objects.filter(action="hr-imported").latest("id")
    assert imported.detail["by"] == "eve"


@pytest.fixture
def coordinator(trial: Any) -> Client:
    """A coordinator of the trial's Dudley site (Shropshire is not theirs)."""
    from hearten.trials.people import add_role

    get_user_model().objects.create_user("cora", password=PASSWORD)
    add_role(trial, "cora", "coordinator", [], sites=["Dudley"], now=CLOCK)
    client = Client()
    assert sign_in(client, "cora", PASSWORD)
    return client


def test_a_coordinators_upload_of_their_own_sites_rows_imports(
    coordinator: Client, trial: Any
) -> None:
    before = Participant.objects.count()
    page = _upload(coordinator, trial.slug, GOOD)
    assert "You may import rows of your sites only" not in page  # the form has gone
    assert "The first 2 rows of your sites" in page
    assert "Every row passes the checks. Importing will add 2 people in 1 teams" in page
    events = AuditEvent.objects.count()
    done = coordinator.post(f"/trials/{trial.slug}/uploads/", {"action": "confirm"}, follow=True)
    assert "Imported from roster.csv: 2 people" in done.content.decode()
    assert Participant.objects.count() == before + 2
    assert set(
        Participant.objects.filter(identity__staff_id__in=["N0001", "N0002"]).values_list(
            "site__code", flat=True
        )
    ) == {"Dudley"}
    assert AuditEvent.objects.count() == events + 1  # audited as the evaluator's upload is
    event = AuditEvent.objects.latest("id")
    assert event.action == "roster-imported"
    assert event.detail["by"] == "cora"  # who uploaded it: their username, nothing more
    assert _held() == []


def test_a_coordinators_file_with_another_sites_row_is_refused_wholly(
    coordinator: Client, trial: Any
) -> None:
    before = Participant.objects.count()
    other = "N0003,Shropshire,SH-9,Social worker,2.5,2021-05-01,9,secret.person@example.org\n"
    page = _upload(coordinator, trial.slug, GOOD + other)
    assert "This file cannot be imported: 1 problem" in page
    refused = page.split("Every refused row", 1)[1]
    assert '<th scope="row" class="govuk-table__header">4</th>' in refused  # the file's row 4
    assert "not one of your sites: you may import rows of Dudley only" in refused
    assert "fte" not in refused  # no other check of a row that is not theirs
    for personal in ("N0003", "secret.person", "SH-9", "Shropshire"):
        assert personal not in page, personal  # neither preview nor reason shows the row
    assert "N0001" in page  # their own rows are previewed
    assert "Import this file" not in page
    coordinator.post(f"/trials/{trial.slug}/uploads/", {"action": "confirm"})
    assert Participant.objects.count() == before  # nothing pending to confirm: nothing


def test_a_coordinators_hr_file_with_another_sites_member_of_staff_is_refused(
    coordinator: Client, trial: Any
) -> None:
    from hearten.hr.models import AbsenceSpell

    people = Participant.objects.filter(trial=trial).select_related("identity", "site")
    mine = next(p.identity.staff_id for p in people if p.site.code == "Dudley")
    theirs = next(p.identity.staff_id for p in people if p.site.code == "Shropshire")
    text = f"staff_id,start,end\n{mine},2024-01-08,2024-01-12\n{theirs},2024-02-01,2024-02-02\n"
    page = _upload(coordinator, trial.slug, text, kind="absence")
    assert "This file cannot be imported: 1 problem" in page
    refused = page.split("Every refused row", 1)[1]
    assert '<th scope="row" class="govuk-table__header">3</th>' in refused
    assert "no one with this staff number in your sites (Dudley): check the row" in refused
    assert theirs not in page
    assert "2024-02-01" not in page
    assert mine in page
    coordinator.post(f"/trials/{trial.slug}/uploads/", {"action": "cancel"})
    ok = _upload(coordinator, trial.slug, f"staff_id,start,end\n{mine},2024-01-08,2024-01-12\n",
                 kind="absence")  # fmt: skip
    assert "Every row passes the checks" in ok
    coordinator.post(f"/trials/{trial.slug}/uploads/", {"action": "confirm"})
    assert AbsenceSpell.objects.count() == 1


def test_a_coordinator_of_another_trial_cannot_open_or_upload(
    trial: Any, write_roster: Any
) -> None:
    from hearten.trials.people import add_role
    from tests.reports.test_preregistration_and_programme import _second

    other = _second(trial, write_roster)
    get_user_model().objects.create_user("otto", password=PASSWORD)
    add_role(other, "otto", "coordinator", [], sites=["Dudley"], now=CLOCK)
    client = Client()
    assert sign_in(client, "otto", PASSWORD)
    before = Participant.objects.filter(trial=trial).count()
    assert client.get(f"/trials/{trial.slug}/uploads/").status_code == 404
    file = SimpleUploadedFile("roster.csv", GOOD.encode(), content_type="text/csv")
    posted = client.post(
        f"/trials/{trial.slug}/uploads/", {"action": "upload", "kind": "roster", "file": file}
    )
    assert posted.status_code == 404
    assert _held() == []
    assert Participant.objects.filter(trial=trial).count() == before
    assert client.get(f"/trials/{other.slug}/uploads/").status_code == 200  # their own trial


def test_an_expired_upload_is_refused_and_deleted_when_read_without_any_sweep(
    eve: Client, trial: Any
) -> None:
    _upload(eve, trial.slug, GOOD)
    (path,) = _held()
    uploaded = path.stat().st_mtime
    assert uploads.held(path.name, now=uploaded + uploads.KEEP_FOR - 1) == path  # still held
    with pytest.raises(DataError, match="has expired or was used"):
        uploads.held(path.name, now=uploaded + uploads.KEEP_FOR + 1)
    assert _held() == []  # deleted at once, not at the next upload
    before = Participant.objects.count()
    eve.post(f"/trials/{trial.slug}/uploads/", {"action": "confirm"})
    assert Participant.objects.count() == before


@pytest.mark.usefixtures("worker_in_test")
def test_expired_uploads_are_swept_by_any_visit_and_by_the_worker(
    eve: Client, trial: Any, hearten: Any
) -> None:
    for sweeper in ("page", "worker"):
        folder = uploads.folder()
        folder.mkdir(mode=0o700, exist_ok=True)
        stale = folder / f"left-by-someone-{sweeper}.csv"
        stale.write_text(GOOD)
        old = time.time() - uploads.KEEP_FOR - 5
        os.utime(stale, (old, old))
        fresh = folder / f"being-checked-{sweeper}.csv"
        fresh.write_text(GOOD)
        if sweeper == "page":
            assert eve.get(f"/trials/{trial.slug}/uploads/").status_code == 200
        else:
            r = hearten("worker", "--once")
            assert r.code == 0, r.err
            assert "1 uploaded file(s) held past 30 minutes deleted." in r.out
        assert not stale.exists(), sweeper
        assert fresh.exists(), sweeper  # an upload within its 30 minutes stays
        fresh.unlink()


@pytest.fixture
def siteless(trial: Any) -> Client:
    """A coordinator of the trial given no site."""
    from hearten.trials.people import add_role

    get_user_model().objects.create_user("nina", password=PASSWORD)
    add_role(trial, "nina", "coordinator", [], now=CLOCK)
    client = Client()
    assert sign_in(client, "nina", PASSWORD)
    return client


def test_a_coordinator_given_no_site_uploads_nothing_and_is_told_to_ask(
    siteless: Client, trial: Any
) -> None:
    before = Participant.objects.count()
    page = siteless.get(f"/trials/{trial.slug}/uploads/")
    assert page.status_code == 200  # the page opens (the roles matrix) and says why not
    text = page.content.decode()
    assert "Ask the trial's evaluator to give you the sites you coordinate" in text
    assert 'type="file"' not in text
    posted = _upload(siteless, trial.slug, GOOD)
    assert "Ask the trial's evaluator" in posted
    assert _held() == []  # the file was never held
    assert Participant.objects.count() == before


def test_the_import_services_refuse_a_coordinator_given_no_site(
    trial: Any, write_roster: Any
) -> None:
    from hearten.hr.imports import import_hr
    from hearten.trials.roster import import_roster

    path = write_roster(GOOD)
    for run in (
        lambda: import_roster(trial, path, frozenset(), now=CLOCK),
        lambda: import_hr(trial, "absence", path, {}, sites=[], now=CLOCK),
    ):
        with pytest.raises(StateError, match="ask the trial's evaluator to give you your sites"):
            run()


def test_a_coordinator_cannot_tell_another_sites_staff_or_team_from_one_not_in_the_trial(
    coordinator: Client, trial: Any
) -> None:
    """Someone at Shropshire and a staff number nobody has are refused in the same words, with
    no other check; so are a Shropshire team and a team code nobody has."""
    people = Participant.objects.filter(trial=trial).select_related("identity", "site")
    theirs = next(p.identity.staff_id for p in people if p.site.code == "Shropshire")
    rows = f"staff_id,start,end\n{theirs},2024-02-01,2024-02-02\nZ9999,2024-02-01,2024-01-01\n"
    refused = _upload(coordinator, trial.slug, rows, kind="absence").split("Every refused row")[1]
    reason = "no one with this staff number in your sites (Dudley): check the row"
    assert refused.count(reason) == 2
    assert "not in the trial" not in refused
    assert "before it starts" not in refused  # the unknown row's dates are not checked either
    coordinator.post(f"/trials/{trial.slug}/uploads/", {"action": "cancel"})
    teams = (
        "team,month,vacancy_rate,agency_rate\nSH-0,2024-01-01,0.1,0.1\nXX-9,2024-01-01,0.1,0.1\n"
    )
    refused = _upload(coordinator, trial.slug, teams, kind="team-rates").split("Every refused row")[
        1
    ]
    assert refused.count("no team with this code in your sites (Dudley): check the row") == 2
    assert "SH-0" not in refused
    assert "XX-9" not in refused


def test_a_coordinator_is_not_told_which_site_holds_a_team_code_they_reuse(
    trial: Any, write_roster: Any
) -> None:
    from hearten.trials.roster import import_roster

    clash = write_roster(ROSTER_HEADER + "N0009,Dudley,SH-0,Social worker,1.0,2021-03-01,9,\n")
    with pytest.raises(ImportRejected) as refused:
        import_roster(trial, clash, frozenset({"Dudley"}), now=CLOCK)
    assert refused.value.problems == ["row 2: team 'SH-0' is already in another site"]
    with pytest.raises(ImportRejected) as told:
        import_roster(trial, clash, now=CLOCK)  # an evaluator sees every site
    assert told.value.problems == ["row 2: team 'SH-0' is already in site 'Shropshire'"]
