"""Withdrawal with erasure, revoked and expired links, purging after retention, the DPIA."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from django.test import Client
from django.utils import timezone

from hearten.analysis.retention import purge_trial
from hearten.analysis.run import run_analysis
from hearten.errors import StateError
from hearten.hr.imports import import_hr
from hearten.hr.models import AbsenceSpell
from hearten.reports.dpia import write_dpia
from hearten.surveys.models import Invitation, Response
from hearten.surveys.services import revoke_links
from hearten.trials.allocation import arms_by_participant
from hearten.trials.models import AuditEvent, IdentityKey, Participant
from hearten.trials.people import withdraw
from hearten.trials.privacy import erase_participant
from hearten.trials.roster import import_roster
from hearten.web.dpia_facts import access_of
from tests.analysis.test_plan import _ready
from tests.conftest import CLOCK, roster_text

#: The clock the services are given (a fixed one: nothing here depends on the day).
NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)

pytestmark = pytest.mark.django_db


def _privacy(trial: Any, **fields: Any) -> None:
    design = copy.deepcopy(trial.design)
    design["privacy"] = {**design.get("privacy", {}), **fields}
    trial.design = design
    trial.save()


def _first(trial: Any) -> Participant:
    person = Participant.objects.filter(trial=trial, consent="consented").order_by("id").first()
    assert person is not None
    return person


def _with_hr(trial: Any, person: Participant, tmp_path: Path) -> None:
    staff = person.identity.staff_id
    start = trial.allocation.randomised_on
    (tmp_path / "absence.csv").write_text(f"staff_id,start,end\n{staff},{start},{start}\n")
    import_hr(trial, "absence", tmp_path / "absence.csv", {}, now=CLOCK)


def test_withdrawal_keeps_answers_by_default(trial: Any) -> None:
    _ready(trial)
    person = _first(trial)
    before = Response.objects.filter(invitation__participant=person).count()
    assert before > 0
    withdraw(trial, person.pseudonym, now=NOW)
    assert Response.objects.filter(invitation__participant=person).count() == before
    person.refresh_from_db()
    assert person.erased_at is None


def test_withdrawal_under_an_erase_policy_removes_the_rows(trial: Any, tmp_path: Path) -> None:
    _privacy(trial, on_withdrawal="erase")
    _ready(trial)
    person = _first(trial)
    _with_hr(trial, person, tmp_path)
    assert Response.objects.filter(invitation__participant=person).exists()
    assert AbsenceSpell.objects.filter(participant=person).exists()
    withdraw(trial, person.pseudonym, now=NOW)
    assert not Response.objects.filter(invitation__participant=person).exists()
    assert not AbsenceSpell.objects.filter(participant=person).exists()
    key = IdentityKey.objects.get(participant=person)
    assert (key.email, key.name, key.address) == ("", "", "")
    assert key.staff_id  # kept, so they are never enrolled or contacted again
    # The links stop as of the clock the erasure was given (sent with the signal, issue 27).
    assert {i.revoked_at for i in Invitation.objects.filter(participant=person)} == {NOW}
    person.refresh_from_db()
    assert person.erased_at == NOW
    event = AuditEvent.objects.filter(trial=trial, action="erased").get()
    assert event.detail["rows"]["survey answers"] >= 1
    assert event.detail["rows"]["HR records"] == 1
    assert person.id in arms_by_participant(trial)  # still in their arm, for ITT
    flow = run_analysis(trial, CLOCK).result["flow"]
    assert sum(f["withdrawn"] for f in flow) == 1
    with pytest.raises(StateError, match="erased on"):
        erase_participant(person, now=NOW)


def test_erasure_on_request_needs_a_withdrawal(hearten: Any, trial: Any) -> None:
    _ready(trial)
    person = _first(trial)
    r = hearten("trial", "erase", trial.slug, person.pseudonym)
    assert r.code == 2
    assert "has not withdrawn" in r.err
    withdraw(trial, person.pseudonym, now=NOW)
    r = hearten("trial", "erase", trial.slug, person.pseudonym)
    assert r.code == 0, r.err
    assert "survey answers" in r.out
    assert not Response.objects.filter(invitation__participant=person).exists()


def test_a_revoked_link_stops_working(client: Client, trial: Any) -> None:
    _ready(trial)
    person = _first(trial)
    token = Invitation.objects.filter(participant=person).first().token  # type: ignore[union-attr]
    assert client.get(f"/s/{token}/").status_code == 200
    assert revoke_links(trial, [person.pseudonym], now=NOW) == 2  # baseline and follow-up
    page = client.get(f"/s/{token}/")
    assert page.status_code == 410
    assert b"has been switched off" in page.content
    other = Invitation.objects.exclude(participant=person).first()
    assert other is not None
    assert client.get(f"/s/{other.token}/").status_code == 200
    assert AuditEvent.objects.filter(trial=trial, action="links-revoked").exists()


def test_links_expire_when_the_trial_ends(client: Client, trial: Any) -> None:
    _ready(trial)
    token = Invitation.objects.first().token  # type: ignore[union-attr]
    _privacy(trial, ends_on=str(date.today() - timedelta(days=1)))
    page = client.get(f"/s/{token}/")
    assert page.status_code == 410
    assert b"has ended" in page.content


def test_purging_keeps_the_anonymised_dataset_and_removes_identities(
    trial: Any, hearten_home: Path, client: Client, write_roster: Any
) -> None:
    _ready(trial)
    with pytest.raises(StateError, match="declares no retention date"):
        purge_trial(trial, now=CLOCK)
    _privacy(trial, ends_on="2027-01-31", retain_until="2027-12-31")
    with pytest.raises(StateError, match="until 2027-12-31"):
        purge_trial(trial, now=datetime(2027, 12, 31, 9, tzinfo=UTC))
    before = run_analysis(trial, CLOCK).result["effects"][0]["estimate"]
    purged = datetime(2028, 1, 1, 9, tzinfo=UTC)
    result = purge_trial(trial, now=purged)
    trial.refresh_from_db()
    assert trial.purged_at == purged  # the clock given, not the machine's (issue 27)
    data = pd.read_csv(result.dataset)
    assert len(data) == result.rows == 40
    assert "pseudonym" not in data.columns
    assert data["row"].iloc[0] == "R00001"
    assert not IdentityKey.objects.filter(participant__trial=trial).exists()
    assert result.removed["identity keys (staff numbers, names, addresses)"] == 40
    revoked = Invitation.objects.filter(wave__trial=trial).values_list("revoked_at", flat=True)
    assert set(revoked) == {purged}
    token = Invitation.objects.filter(wave__trial=trial).first().token  # type: ignore[union-attr]
    assert client.get(f"/s/{token}/").status_code == 410
    assert run_analysis(trial, CLOCK).result["effects"][0]["estimate"] == pytest.approx(before)
    with pytest.raises(StateError, match="was purged"):
        import_roster(trial, write_roster(roster_text()), now=CLOCK)
    with pytest.raises(StateError, match="was purged"):
        purge_trial(trial, now=datetime(2028, 1, 2, 9, tzinfo=UTC))


def test_the_dpia_summary_states_what_is_held_and_flags_gaps(
    trial: Any, hearten_home: Path
) -> None:
    _privacy(trial, controller="Dudley Council", retain_until="2030-01-01")
    md, pdf = write_dpia(trial, access_of(trial, timezone.now()))
    text = md.read_text()
    for needle in (
        "Controller: Dudley Council",
        "Lawful basis: **not stated",
        "40 staff on the roster, in 2 site(s) and 8 team(s)",
        "Short Warwick",
        "what they gave before withdrawing is **kept**",
        "purged after 2030-01-01",
        "| letter writer | 0 |",
        "a session ends at sign-out or 8 hours after sign-in",
    ):
        assert needle in text, needle
    assert pdf.read_bytes().startswith(b"%PDF")


def test_no_email_goes_to_a_revoked_link(trial: Any) -> None:
    from hearten.messaging.models import Message
    from hearten.surveys.mail import _unwanted

    _ready(trial)
    person = _first(trial)
    message = Message.objects.filter(invitation__participant=person).first()
    assert message is not None
    revoke_links(trial, [person.pseudonym], now=NOW)
    message.refresh_from_db()
    assert _unwanted(message, timezone.now()) == "link revoked"


def test_inviting_again_never_writes_a_revoked_link_into_the_links_file(
    trial: Any, hearten: Any, hearten_home: Path
) -> None:
    """Issue 28, item 5: the links file is for sending links another way; a switched-off
    link in it would be sent to someone whose link was revoked."""
    r = hearten("trial", "invite", trial.slug, "baseline")
    assert r.code == 0, r.err
    path = hearten_home / "exports" / trial.slug / "baseline-links.csv"
    person = Participant.objects.filter(trial=trial).order_by("id").first()
    assert person is not None
    token = Invitation.objects.get(participant=person, wave__name="baseline").token
    assert token in path.read_text()
    revoke_links(trial, [person.pseudonym], now=NOW)
    r = hearten("trial", "invite", trial.slug, "baseline")
    assert r.code == 0, r.err
    text = path.read_text()
    assert token not in text
    assert person.pseudonym not in text
    assert "39 personal links" in r.out
    assert len(text.splitlines()) == 1 + 39


def test_purging_leaves_no_links_files_and_no_token_that_was_sent(
    trial: Any, hearten: Any, hearten_home: Path, django_capture_on_commit_callbacks: Any
) -> None:
    """Issue 28, item 4: the links file (names, addresses, links) goes with the purge, and no
    token anyone was sent is left in the database."""
    _ready(trial)
    assert hearten("trial", "invite", trial.slug, "follow-up").code == 0
    folder = hearten_home / "exports" / trial.slug
    assert (folder / "follow-up-links.csv").exists()
    (folder / "letters").mkdir()
    (folder / "letters" / "R1.pdf").write_bytes(b"%PDF")
    sent = set(Invitation.objects.filter(wave__trial=trial).values_list("token", flat=True))
    _privacy(trial, ends_on="2027-01-31", retain_until="2027-12-31")
    with django_capture_on_commit_callbacks(execute=True):
        result = purge_trial(trial, now=datetime(2028, 1, 1, 9, tzinfo=UTC))
    assert sorted(p.name for p in folder.rglob("*") if p.is_file()) == [
        "anonymised-codebook.md", "anonymised-dataset.csv",
    ]  # fmt: skip
    kept = set(Invitation.objects.filter(wave__trial=trial).values_list("token", flat=True))
    assert len(kept) == len(sent) == 80
    assert not kept & sent
    assert result.compacted == ""  # this test runs inside a transaction: VACUUM cannot


def test_a_purge_applied_again_after_a_restore_checks_retention_on_the_clock_given(
    trial: Any, hearten_home: Path
) -> None:
    """``reapply`` (``hearten db restore``) purges again by the day its caller gives, not the
    machine's (issue 27): before the retention date has passed it is refused."""
    from hearten.trials.erasures import Erasure, reapply

    _ready(trial)
    _privacy(trial, ends_on="2027-01-31", retain_until="2027-12-31")
    ledger = [Erasure(trial.slug, "", "2028-01-01T09:00:00+00:00")]
    with pytest.raises(StateError, match="until 2027-12-31"):
        reapply(ledger, datetime(2027, 12, 31, 12, tzinfo=UTC))
    assert reapply(ledger, datetime(2028, 1, 1, 12, tzinfo=UTC)) == (0, 1)
    trial.refresh_from_db()
    assert trial.purged_at == datetime(2028, 1, 1, 12, tzinfo=UTC)
    assert not IdentityKey.objects.filter(participant__trial=trial).exists()


def test_the_erasure_ledger_records_the_clock_given(
    trial: Any, hearten_home: Path, django_capture_on_commit_callbacks: Any
) -> None:
    """The ledger a restore reads says when each erasure and purge happened: the clock the
    service was given (issue 27), not the machine's when the transaction committed."""
    from hearten.trials.erasures import Erasure, read_ledger

    _privacy(trial, on_withdrawal="erase", ends_on="2027-01-31", retain_until="2027-12-31")
    _ready(trial)
    person = _first(trial)
    with django_capture_on_commit_callbacks(execute=True):
        withdraw(trial, person.pseudonym, now=NOW)
    purged = datetime(2028, 1, 1, 9, tzinfo=UTC)
    with django_capture_on_commit_callbacks(execute=True):
        purge_trial(trial, now=purged)
    assert read_ledger() == [
        Erasure(trial.slug, person.pseudonym, NOW.isoformat()),
        Erasure(trial.slug, "", purged.isoformat()),
    ]
