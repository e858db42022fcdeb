"""A wave of several pages: progress, saving page by page, resuming on another device, going
back, double submits, closing, and the right instrument in the analysis dataset."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from hearten.errors import DataError, StateError
from hearten.surveys.models import Receipt, Response
from hearten.surveys.services import close_wave, get_wave, invite, save_page
from tests.conftest import CLOCK
from tests.surveys.conftest import consented_link

#: The clock the services are given (a fixed one: nothing here depends on the day).
NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)

pytestmark = pytest.mark.django_db

SWEMWBS = {f"swemwbs_{i}": "4" for i in range(1, 8)}
ONS4 = {"ons4_1": "7", "ons4_2": "8", "ons4_3": "6", "ons4_4": "3"}
CASELOAD_QUESTION = "How many children or families are allocated to you at the moment?"
CASELOAD = {"caseload_1": "18", "checked": "yes"}  # sent from "Check your answers"


def test_pages_show_progress_and_resume_on_another_device(multi: Any) -> None:
    inv = consented_link(multi)
    url = f"/s/{inv.token}/"
    phone, laptop = Client(), Client()
    first = phone.get(url).content.decode()
    assert "Page 1 of 3" in first
    assert "How you have been feeling" in first
    assert "Save and continue" in first
    after = phone.post(url, {"page": "swemwbs", **SWEMWBS}, follow=True).content.decode()
    assert "Page 2 of 3" in after
    assert "Your wellbeing" in after
    # The same link on another device carries on where the phone stopped.
    elsewhere = laptop.get(url).content.decode()
    assert "Page 2 of 3" in elsewhere
    assert 'class="govuk-back-link' in elsewhere  # a way back to page 1
    # Going back shows the saved answers, and they can be changed.
    back = laptop.get(f"{url}?page=1").content.decode()
    assert 'value="4" checked' in back
    laptop.post(f"{url}?page=1", {"page": "swemwbs", **{**SWEMWBS, "swemwbs_1": "5"}})
    assert Response.objects.get(invitation=inv, instrument="swemwbs").answers["swemwbs_1"] == 5
    # A page beyond the first unanswered one cannot be skipped to.
    assert "Page 2 of 3" in laptop.get(f"{url}?page=3").content.decode()
    laptop.post(url, {"page": "ons4", **ONS4})
    last = laptop.get(url).content.decode()
    assert "Page 3 of 3" in last
    assert "Check your answers" in last  # the last page leads to the check
    assert 'inputmode="numeric"' in last
    done = laptop.post(url, {"page": "caseload", **CASELOAD}, follow=True).content.decode()
    assert "Thank you" in done
    inv.refresh_from_db()
    assert inv.completed_at is not None
    assert Response.objects.filter(invitation=inv).count() == 3


def test_a_number_out_of_range_is_explained(multi: Any) -> None:
    inv = consented_link(multi)
    url = f"/s/{inv.token}/"
    c = Client()
    c.post(url, {"page": "swemwbs", **SWEMWBS})
    c.post(url, {"page": "ons4", **ONS4})
    page = c.post(url, {"page": "caseload", "caseload_1": "999"}).content.decode()
    assert f"The answer to “{CASELOAD_QUESTION}” must be 150 or fewer" in page
    assert "There is a problem" in page


def test_double_submits_and_late_resubmits_change_nothing(multi: Any) -> None:
    inv = consented_link(multi)
    for _ in range(2):
        save_page(inv, "swemwbs", SWEMWBS, now=NOW)
    save_page(inv, "ons4", ONS4, now=NOW)
    final = save_page(inv, "caseload", CASELOAD, now=NOW)
    assert final.complete
    again = save_page(inv, "caseload", {"caseload_1": "40"}, now=NOW)
    assert not again.created
    assert again.response.answers == {"caseload_1": 18}
    assert Response.objects.filter(invitation=inv).count() == 3
    page = Client().post(f"/s/{inv.token}/", {"page": "swemwbs", **SWEMWBS}, follow=True)
    assert "You have already answered" in page.content.decode()


def test_a_repeated_key_is_acknowledged_and_never_applied_again(multi: Any) -> None:
    inv = consented_link(multi)
    url = f"/s/{inv.token}/"
    browser = Client()
    page = browser.get(url).content.decode()
    key = re.search(r'name="receipt" value="([^"]+)"', page)
    assert key, "every survey page carries an idempotency key"
    sent = {"page": "swemwbs", "receipt": key.group(1), **SWEMWBS}
    first = browser.post(url, sent)
    assert first.status_code == 302
    assert first["Location"].endswith("?page=2")
    # The participant goes back and changes an answer (a new page, so a new key) ...
    back = browser.get(f"{url}?page=1").content.decode()
    fresh = re.search(r'name="receipt" value="([^"]+)"', back)
    assert fresh
    assert fresh.group(1) != key.group(1)
    browser.post(f"{url}?page=1", {**sent, "receipt": fresh.group(1), "swemwbs_1": "1"})
    # ... then the first request's retry arrives late: acknowledged the same way, not applied.
    retry = browser.post(url, sent)
    assert retry.status_code == 302
    assert retry["Location"].endswith("?page=2")
    stored = Response.objects.get(invitation=inv, instrument="swemwbs")
    assert stored.answers["swemwbs_1"] == 1
    assert Receipt.objects.filter(invitation=inv).count() == 2
    replay = save_page(inv, "swemwbs", SWEMWBS, key=key.group(1), now=NOW)
    assert replay.replayed
    assert not replay.created
    assert replay.response.answers["swemwbs_1"] == 1


def test_a_malformed_key_stores_nothing(multi: Any) -> None:
    inv = consented_link(multi)
    with pytest.raises(DataError, match="submission key"):
        save_page(inv, "swemwbs", SWEMWBS, key="bad key; DROP TABLE", now=NOW)
    assert not Response.objects.filter(invitation=inv).exists()
    answer = Client().post(f"/s/{inv.token}/", {"page": "swemwbs", "receipt": "x" * 300, **SWEMWBS})
    assert answer.status_code == 302
    assert answer["Location"].endswith("?page=1")
    assert not Response.objects.filter(invitation=inv).exists()


def test_a_closed_wave_says_so_and_takes_no_answers(multi: Any) -> None:
    inv = consented_link(multi)
    wave = get_wave(multi, "baseline")
    close_wave(wave, NOW)
    page = Client().get(f"/s/{inv.token}/")
    assert "This survey has closed" in page.content.decode()
    inv.refresh_from_db()
    with pytest.raises(StateError, match="closed"):
        save_page(inv, "swemwbs", SWEMWBS, now=NOW)
    with pytest.raises(StateError, match="closed"):
        invite(wave, NOW)
    with pytest.raises(StateError, match="closed on"):
        close_wave(wave, NOW)


def test_a_wave_closes_on_its_date_and_cannot_open_early(multi: Any) -> None:
    wave = get_wave(multi, "follow-up")
    wave.opens_on = timezone.localdate() + timedelta(days=2)
    wave.save()
    with pytest.raises(StateError, match="opens on"):
        invite(wave, NOW)
    baseline = get_wave(multi, "baseline")
    baseline.closes_on = timezone.localdate() - timedelta(days=1)
    baseline.save()
    inv = consented_link(multi)
    assert "This survey has closed" in Client().get(f"/s/{inv.token}/").content.decode()


def test_opening_and_reconsidering_follow_the_clock_given(multi: Any) -> None:
    """A frozen clock: a wave opens on its day and not before; a refusal can become consent
    only while the wave is open, by the clock the service is given."""
    from datetime import UTC, date, datetime, time

    from hearten.surveys.models import Invitation
    from hearten.surveys.services import record_consent

    wave = get_wave(multi, "follow-up")
    wave.opens_on, wave.closes_on = date(2030, 3, 2), date(2030, 3, 20)
    wave.save()
    noon = time(12, tzinfo=UTC)
    with pytest.raises(StateError, match="opens on 02 March 2030"):
        invite(wave, now=datetime.combine(date(2030, 3, 1), noon))
    opening = datetime.combine(date(2030, 3, 2), noon)
    assert invite(wave, now=opening)
    wave.refresh_from_db()
    assert wave.opened_at == opening
    inv = Invitation.objects.filter(wave=wave).order_by("id").first()
    assert inv is not None
    declined = datetime.combine(date(2030, 3, 5), noon)
    assert record_consent(inv, False, now=declined).consent == "declined"
    late = datetime.combine(date(2030, 3, 21), noon)
    assert record_consent(inv, True, now=late).consent == "declined"  # closed by then
    person = record_consent(inv, True, now=datetime.combine(date(2030, 3, 20), noon))
    assert person.consent == "consented"
    assert person.consent_at == datetime.combine(date(2030, 3, 20), noon)
    # Revoking, withdrawing and closing record the time they are given too.
    from hearten.surveys.services import revoke_links
    from hearten.trials.people import withdraw

    revoked = datetime.combine(date(2030, 3, 20), time(13, tzinfo=UTC))
    assert revoke_links(multi, [person.pseudonym], now=revoked) >= 1
    inv.refresh_from_db()
    assert inv.revoked_at == revoked
    left = datetime.combine(date(2030, 3, 20), time(14, tzinfo=UTC))
    assert withdraw(multi, person.pseudonym, now=left).withdrawn_at == left
    closing = datetime.combine(date(2030, 3, 20), time(15, tzinfo=UTC))
    close_wave(wave, now=closing)
    wave.refresh_from_db()
    assert wave.closed_at == closing


def test_an_unknown_link_gets_a_friendly_page(client: Client, multi: Any) -> None:
    page = client.get("/s/not-a-real-token/")
    assert page.status_code == 404
    assert "This link does not work" in page.content.decode()


def test_the_dataset_reads_each_outcome_from_its_own_instrument(multi: Any) -> None:
    from hearten.analysis.dataset import build_dataset
    from hearten.trials.allocation import randomise_trial

    inv = consented_link(multi)
    save_page(inv, "swemwbs", SWEMWBS, now=NOW)
    save_page(inv, "ons4", ONS4, now=NOW)
    randomise_trial(multi, 1, now=CLOCK)
    data = build_dataset(multi).set_index("pseudonym")
    row = data.loc[inv.participant.pseudonym]
    assert row["baseline"] == 25.03  # SWEMWBS metric of 28
    assert row["outcome:life-satisfaction"] == 7.0
