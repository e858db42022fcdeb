"""Letters: only the letters arm, only the writer's own staff, checked, printed, logged."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from hearten.errors import DataError, StateError
from hearten.interventions.letters import (
    letter_text,
    mark_posted,
    print_letters,
    recipients_for,
    send_letter,
    set_plan,
    withdraw_letter,
    write_letter,
)
from hearten.interventions.models import Letter
from hearten.trials.allocation import arms_by_participant, randomise_trial
from hearten.trials.models import IdentityKey, Participant
from hearten.trials.people import add_role, open_delivery, withdraw
from tests.conftest import CLOCK, Inbox, sign_in
from tests.reports.test_tagged_pdf import structure

#: The clock the letters are printed and e-mailed by (a frozen one: their date is tested).
NOW = datetime(2027, 2, 3, 10, tzinfo=UTC)

pytestmark = pytest.mark.django_db
PASSWORD = "a long passphrase 1"
LINES = (
    "When you stayed late on Thursday to help {who} through a child protection conference, "
    "you kept everyone calm and made sure the children were heard."
)


@pytest.fixture
def ready(trial: Any) -> Any:
    randomise_trial(trial, 7, now=CLOCK)
    set_plan(trial, "letters", "Jane Smith", "Director of Children's Services", now=CLOCK)
    arms = arms_by_participant(trial)
    people = Participant.objects.filter(trial=trial).select_related("team").order_by("id")
    letters_team = next(p.team.code for p in people if arms[p.id] == "letters")
    control_team = next(p.team.code for p in people if arms[p.id] == "control")
    add_role(trial, "manager", "letter-writer", [letters_team, control_team], PASSWORD, now=CLOCK)
    IdentityKey.objects.filter(participant__team__code=letters_team).update(
        name="Sam Patel", address="1 High Street;Dudley;DY1 1AA"
    )
    trial.letters_team, trial.control_team = letters_team, control_team
    return trial


def _writer() -> Any:
    return get_user_model().objects.get(username="manager")


def test_a_writer_sees_only_their_letters_arm_staff_once_delivery_opens(ready: Any) -> None:
    assert recipients_for(_writer(), ready) == []
    open_delivery(ready, now=CLOCK)
    teams = {r.participant.team.code for r in recipients_for(_writer(), ready)}
    assert teams == {ready.letters_team}


def test_a_letter_is_checked_approved_printed_posted(ready: Any, tmp_path: Path) -> None:
    open_delivery(ready, now=CLOCK)
    people = recipients_for(_writer(), ready)
    first, second = people[0].participant, people[1].participant
    draft = write_letter(_writer(), ready, first.pseudonym, "Thanks for your hard work.", now=CLOCK)
    assert draft.status == "draft"
    assert draft.problems
    assert draft.written_at == draft.updated_at == CLOCK  # the clock given, not the present
    later = CLOCK + timedelta(hours=1)
    good = write_letter(_writer(), ready, first.pseudonym, LINES.format(who="Ahmed"), now=later)
    assert (good.written_at, good.updated_at) == (CLOCK, later)  # first written, last changed
    assert good.status == "ready"  # not printed until its writer sends it
    assert good.score == 100
    with pytest.raises(StateError, match="no approved letters to print"):
        print_letters(ready, tmp_path, NOW)
    good = send_letter(_writer(), ready, first.pseudonym, now=CLOCK)
    assert good.status == "approved"
    assert good.approved_at == CLOCK  # the clock it was given, not the present
    copied = write_letter(_writer(), ready, second.pseudonym, LINES.format(who="Jones"), now=CLOCK)
    assert copied.status == "draft"  # too like the first letter
    text = letter_text(good)
    assert text.startswith("Dear Sam,")  # the first name: no preferred name in the roster
    assert "help Ahmed through" in text
    assert text.endswith("Jane Smith\nDirector of Children's Services")
    paths = print_letters(ready, tmp_path, NOW)
    assert paths[0].name == "all-letters.pdf"
    assert paths[0].read_bytes().startswith(b"%PDF")
    assert (tmp_path / f"letter-{first.pseudonym}.pdf").exists()
    assert Letter.objects.get(pk=good.pk).status == "printed"
    assert Letter.objects.get(pk=good.pk).printed_at == NOW
    assert structure(paths[0].read_bytes())["title"] == "Letters to print, 3 February 2027"
    assert mark_posted(ready, now=NOW) == 1
    assert Letter.objects.get(pk=good.pk).posted_at == NOW
    with pytest.raises(StateError, match="posted already"):
        write_letter(_writer(), ready, first.pseudonym, LINES.format(who="Brown"), now=CLOCK)


def test_no_letter_for_control_or_for_someone_elses_staff(ready: Any) -> None:
    open_delivery(ready, now=CLOCK)
    arms = arms_by_participant(ready)
    control = next(p for p in Participant.objects.filter(trial=ready) if arms[p.id] == "control")
    with pytest.raises(DataError, match="not one of your staff who are to receive a letter"):
        write_letter(_writer(), ready, control.pseudonym, LINES.format(who="Ahmed"), now=CLOCK)


def test_a_withdrawal_stops_an_unsent_letter(ready: Any, tmp_path: Path) -> None:
    open_delivery(ready, now=CLOCK)
    person = recipients_for(_writer(), ready)[0].participant
    letter = write_letter(_writer(), ready, person.pseudonym, LINES.format(who="Ahmed"), now=CLOCK)
    withdraw(ready, person.pseudonym, now=NOW)
    letter.refresh_from_db()
    assert letter.status == "stopped"
    assert letter.stopped_at == NOW  # the time the withdrawal was recorded
    with pytest.raises(StateError, match="no approved letters"):
        print_letters(ready, tmp_path, NOW)


def test_plans_are_checked(trial: Any) -> None:
    randomise_trial(trial, 1, now=CLOCK)
    with pytest.raises(DataError, match="control arm"):
        set_plan(trial, "control", "J", "D", now=CLOCK)
    with pytest.raises(DataError, match="must contain"):
        set_plan(trial, "letters", "J", "D", "Dear {name}", now=CLOCK)
    with pytest.raises(DataError, match="unknown merge field"):
        set_plan(trial, "letters", "J", "D", "Dear {firstname} {lines}", now=CLOCK)


def test_the_writers_page(client: Client, ready: Any) -> None:
    open_delivery(ready, now=CLOCK)
    sign_in(client, "manager", PASSWORD)
    page = client.get(f"/trials/{ready.slug}/letters/").content.decode()
    assert "Sam Patel" in page
    person = recipients_for(_writer(), ready)[0].participant
    url = f"/trials/{ready.slug}/letters/{person.pseudonym}/"
    weak = client.post(url, {"lines": "Well done."}).content.decode()
    assert "This letter is not ready yet" in weak
    assert "Too short" in weak
    done = client.post(url, {"lines": LINES.format(who="Ahmed")}, follow=True).content.decode()
    assert "Ready to send" in done
    arms = arms_by_participant(ready)
    control = next(p for p in Participant.objects.filter(trial=ready) if arms[p.id] == "control")
    assert client.get(f"/trials/{ready.slug}/letters/{control.pseudonym}/").status_code == 404


def test_letters_can_be_emailed_as_pdfs(ready: Any, smtp: Inbox) -> None:
    from hearten.interventions.letters import email_letters

    open_delivery(ready, now=CLOCK)
    person = recipients_for(_writer(), ready)[0].participant
    letter = write_letter(_writer(), ready, person.pseudonym, LINES.format(who="Ahmed"), now=CLOCK)
    assert email_letters(ready, NOW) == 0  # not sent by its writer yet
    send_letter(_writer(), ready, person.pseudonym, now=CLOCK)
    assert email_letters(ready, NOW) == 1
    message = smtp.messages[0]
    assert message["Subject"] == "A letter for you from Jane Smith"
    assert message["To"] == IdentityKey.objects.get(participant=person).email
    parts = [p for p in message.walk() if p.get_content_type() == "application/pdf"]
    attached = parts[0].get_payload(decode=True)
    assert attached.startswith(b"%PDF")
    assert structure(attached)["title"] == "Letter, 3 February 2027"  # the clock passed in
    assert Letter.objects.get(pk=letter.pk).emailed_at == NOW
    assert structure(attached)["ua"] == "1"  # read on screen: tagged like the reports
    letter.refresh_from_db()
    assert letter.status == "emailed"
    assert letter.emailed_at is not None


def test_a_letter_naming_a_family_is_refused_with_the_reason_and_not_saved(ready: Any) -> None:
    from hearten.interventions.letters import UnsafeLetter
    from hearten.trials.models import AuditEvent

    open_delivery(ready, now=CLOCK)
    person = recipients_for(_writer(), ready)[0].participant
    unsafe = (
        "When you stayed late to support the Hughes children before the family-court "
        "judgment, Mrs Hughes told me you were the only one who explained it to her."
    )
    with pytest.raises(UnsafeLetter, match="names a family or a child") as refused:
        write_letter(_writer(), ready, person.pseudonym, unsafe, now=CLOCK)
    assert {c.rule for c in refused.value.concerns} == {"family", "court", "title"}
    assert not Letter.objects.filter(participant=person).exists()
    event = AuditEvent.objects.filter(action="letter-refused").get()
    assert event.detail == {"participant": person.pseudonym, "rules": ["court", "family", "title"]}


def test_the_writers_page_shows_the_rules_first_and_why_a_letter_is_refused(
    client: Client, ready: Any
) -> None:
    open_delivery(ready, now=CLOCK)
    sign_in(client, "manager", PASSWORD)
    person = recipients_for(_writer(), ready)[0].participant
    url = f"/trials/{ready.slug}/letters/{person.pseudonym}/"
    blank = client.get(url).content.decode()
    assert "passes all four checks (a score of 100 out of 100" in blank
    assert "Smith family" not in blank
    lines = (
        "You were wonderful with the Hughes family all week, "
        "and the children trusted you from the first visit."
    )
    page = client.post(url, {"lines": lines})
    body = page.content.decode()
    assert "This letter cannot be sent: it was not saved" in body
    assert "This letter names a family or a child (“Hughes family”)" in body
    assert "govuk-textarea--error" in body
    assert "Hughes family all week" in body  # the writer's words are kept on the page


def test_a_letter_longer_than_the_limit_is_refused_everywhere(client: Client, ready: Any) -> None:
    from django.db import IntegrityError, transaction

    from hearten.interventions.personalisation import MAX_CHARACTERS

    open_delivery(ready, now=CLOCK)
    person = recipients_for(_writer(), ready)[0].participant
    long = (LINES.format(who="Ahmed") + " ") * 2000  # about 270 KB, as in the review
    with pytest.raises(DataError, match=f"shorten it to {MAX_CHARACTERS:,} or fewer"):
        write_letter(_writer(), ready, person.pseudonym, long, now=CLOCK)
    sign_in(client, "manager", PASSWORD)
    page = client.post(f"/trials/{ready.slug}/letters/{person.pseudonym}/", {"lines": long})
    assert f"Shorten the letter to {MAX_CHARACTERS} characters or fewer" in page.content.decode()
    assert f"Up to {MAX_CHARACTERS} characters." in page.content.decode()
    assert not Letter.objects.filter(participant=person).exists()
    with pytest.raises(IntegrityError), transaction.atomic():
        Letter.objects.create(trial=ready, participant=person, writer=_writer(), lines=long)


def test_a_letter_is_sent_by_its_writer_and_can_be_withdrawn_until_it_is_posted(
    ready: Any, tmp_path: Path
) -> None:
    open_delivery(ready, now=CLOCK)
    person = recipients_for(_writer(), ready)[0].participant
    write_letter(_writer(), ready, person.pseudonym, "Well done.", now=CLOCK)
    with pytest.raises(StateError, match="only a letter that passes every check"):
        send_letter(_writer(), ready, person.pseudonym, now=CLOCK)
    write_letter(_writer(), ready, person.pseudonym, LINES.format(who="Ahmed"), now=CLOCK)
    assert send_letter(_writer(), ready, person.pseudonym, now=CLOCK).status == "approved"
    with pytest.raises(StateError, match="withdraw it first"):
        write_letter(_writer(), ready, person.pseudonym, LINES.format(who="Brown"), now=CLOCK)
    print_letters(ready, tmp_path, NOW)
    withdrawn = withdraw_letter(_writer(), ready, person.pseudonym, now=CLOCK)
    assert withdrawn.status == "ready"
    assert withdrawn.printed_at is None
    rewritten = write_letter(
        _writer(), ready, person.pseudonym, LINES.format(who="Brown"), now=CLOCK
    )
    assert "Brown" in rewritten.lines
    send_letter(_writer(), ready, person.pseudonym, now=CLOCK)
    print_letters(ready, tmp_path, NOW)
    mark_posted(ready, now=NOW)
    with pytest.raises(StateError, match="only a letter sent for printing"):
        withdraw_letter(_writer(), ready, person.pseudonym, now=CLOCK)


def test_the_writer_previews_sends_and_withdraws_on_the_page(client: Client, ready: Any) -> None:
    set_plan(ready, "letters", "Jane Smith", "Director", deadline=date(2026, 12, 18), now=CLOCK)
    open_delivery(ready, now=CLOCK)
    sign_in(client, "manager", PASSWORD)
    people = recipients_for(_writer(), ready)
    person = people[0].participant
    url = f"/trials/{ready.slug}/letters/{person.pseudonym}/"
    listing = client.get(f"/trials/{ready.slug}/letters/").content.decode()
    assert f"0 of {len(people)} letters sent for printing" in listing
    assert "Friday 18 December 2026" in listing
    page = client.post(url, {"action": "check", "lines": LINES.format(who="Ahmed")}, follow=True)
    body = page.content.decode()
    assert "Your letter passes every check" in body
    assert "The letter as it will be printed" in body
    assert "Dear Sam," in body
    assert "Send for printing" in body
    pdf = client.get(f"{url}letter.pdf")
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    sent = client.post(url, {"action": "send"}, follow=True).content.decode()
    assert "is sent for printing. You can withdraw it until it is posted." in sent
    assert f"1 of {len(people)} letters sent for printing" in sent
    assert Letter.objects.get(participant=person).status == "approved"
    again = client.get(url).content.decode()
    assert "Withdraw this letter" in again
    assert 'name="lines"' not in again  # withdraw before rewriting
    back = client.post(url, {"action": "withdraw"}, follow=True).content.decode()
    assert "is withdrawn: it will not be printed" in back
    assert Letter.objects.get(participant=person).status == "ready"


def test_the_writers_preview_has_no_home_address_but_the_printed_letter_does(
    client: Client, ready: Any, tmp_path: Path
) -> None:
    """The address is for the coordinator's print and post step only: a writer previews the
    letter without it."""
    from tests.interventions.test_pdf import _text

    open_delivery(ready, now=CLOCK)
    sign_in(client, "manager", PASSWORD)
    person = recipients_for(_writer(), ready)[0].participant
    url = f"/trials/{ready.slug}/letters/{person.pseudonym}/"
    client.post(url, {"action": "check", "lines": LINES.format(who="Ahmed")})
    preview = client.get(f"{url}letter.pdf")
    assert preview.status_code == 200
    text = _text(preview.content)
    assert "Dear Sam," in text
    for part in ("1 High Street", "DY1 1AA"):
        assert part not in text, part
        assert part not in client.get(url).content.decode(), part
    send_letter(_writer(), ready, person.pseudonym, now=CLOCK)
    printed = print_letters(ready, tmp_path, NOW, each=True)[-1]
    assert printed.name == f"letter-{person.pseudonym}.pdf"
    assert "1 High Street" in _text(printed.read_bytes())  # the posted letter keeps it


def test_the_greeting_uses_the_preferred_name_and_the_team_name(ready: Any) -> None:
    from hearten.trials.models import Team

    open_delivery(ready, now=CLOCK)
    person = recipients_for(_writer(), ready)[0].participant
    IdentityKey.objects.filter(participant=person).update(name="Jack Smith", preferred_name="JJ")
    Team.objects.filter(pk=person.team_id).update(name="Brierley Hill Children's Team")
    letter = write_letter(_writer(), ready, person.pseudonym, LINES.format(who="Ahmed"), now=CLOCK)
    text = letter_text(letter)
    assert text.startswith("Dear JJ,\n")
    assert "your work in Brierley Hill Children's Team" in text
    assert person.team.code not in text


def test_a_letters_status_is_a_typed_choice() -> None:
    """A letter's statuses are one closed, typed list (issue 27, item 5): the field offers
    exactly :class:`LetterStatus` and refuses anything else."""
    from django.core.exceptions import ValidationError

    from hearten.interventions.models import LetterStatus

    field = Letter._meta.get_field("status")
    assert field.choices == LetterStatus.choices
    assert field.default == LetterStatus.DRAFT
    assert Letter.STATUSES == (
        "draft", "ready", "approved", "printed", "posted", "emailed", "stopped", "returned",
    )  # fmt: skip
    assert field.clean(LetterStatus.RETURNED, None) == "returned"
    with pytest.raises(ValidationError):
        field.clean("lost", None)
