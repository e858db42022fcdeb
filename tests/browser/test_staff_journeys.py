"""Staff journeys in a real browser: a letter writer is refused for a safeguarding reason,
then writes, previews and sends a letter; a coordinator records a delivery and downloads the
delivery list. axe-core checks each page on the way."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import axe_violations
from tests.browser.test_staff_pages import signed_in_page
from tests.web.test_access_matrix import world as world  # the fixture

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("audit_flushable"),
]
DESKTOP = {"width": 1280, "height": 900}


def test_a_letter_writer_is_refused_then_previews_and_sends(
    world: dict[str, Any], live_server: Any, browser: Any
) -> None:
    base = live_server.url
    page = signed_in_page(browser, base, "letter-writer", DESKTOP)
    page.goto(f"{base}/trials/{world['trial'].slug}/letters/{world['mine']}/")
    page.get_by_label("What did").fill(
        "When you stayed with the Hughes children before the care order hearing, you kept "
        "them calm and made sure they understood what was happening."
    )
    page.get_by_role("button", name="Check and save").click()
    page.get_by_text("This letter cannot be sent: it was not saved").wait_for()
    assert page.get_by_text("names a family or a child").first.is_visible()
    assert axe_violations(page) == []
    page.get_by_label("What did").fill(
        "When you covered duty for three weeks in March while two colleagues were off, not "
        "one visit was missed, and the new starters learned how a good week runs."
    )
    page.get_by_role("button", name="Check and save").click()
    page.get_by_text("Your letter passes every check").wait_for()
    assert page.get_by_role("heading", name="The letter as it will be printed").is_visible()
    assert axe_violations(page) == []
    page.get_by_role("button", name="Send for printing").click()
    page.get_by_text("is sent for printing").wait_for()
    assert page.get_by_text("1 of").first.is_visible()
    assert axe_violations(page) == []
    page.context.close()


def test_a_coordinator_records_a_delivery_and_downloads_the_list(
    world: dict[str, Any], live_server: Any, browser: Any
) -> None:
    base = live_server.url
    page = signed_in_page(browser, base, "coordinator", DESKTOP)
    page.goto(f"{base}/trials/{world['trial'].slug}/delivery/")
    page.get_by_role("button", name="Record").first.click()
    page.get_by_text("Delivery recorded for").wait_for()
    assert page.get_by_text("Delivered on").first.is_visible()
    assert axe_violations(page) == []
    with page.expect_download() as download:
        page.get_by_role("link", name="Download this list (CSV)").click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert text.startswith("team,name,study_code,receives,delivery,on")
    assert "delivered" in text
    page.context.close()


def test_an_evaluator_reads_a_sampled_letter_and_returns_it_to_its_writer(
    world: dict[str, Any], live_server: Any, browser: Any
) -> None:
    base = live_server.url
    slug = world["trial"].slug
    page = signed_in_page(browser, base, "evaluator", DESKTOP)
    page.goto(f"{base}/trials/{slug}/letter-reviews/")
    assert page.get_by_text(
        "Drawing again from the recorded seed gives the same letters."
    ).is_visible()
    assert axe_violations(page) == []
    page.get_by_role("link", name="Read and review").first.click()
    page.get_by_role("heading", name="As it will be printed").wait_for()
    assert axe_violations(page) == []
    page.get_by_label("Return to its writer to rewrite").check()
    page.get_by_role("button", name="Save the review").click()
    page.get_by_text("a returned letter needs a comment").first.wait_for()
    assert axe_violations(page) == []
    page.get_by_label("Return to its writer to rewrite").check()
    page.get_by_label("Comment for the writer").fill("Say which week it was and what changed.")
    page.get_by_role("button", name="Save the review").click()
    page.get_by_text("is returned to its writer").wait_for()
    page.context.close()
    writer = signed_in_page(browser, base, "letter-writer", DESKTOP)
    writer.goto(f"{base}/trials/{slug}/letters/{world['mine']}/")
    assert writer.get_by_text("Say which week it was and what changed.").is_visible()
    assert axe_violations(writer) == []
    writer.context.close()


def test_an_evaluator_uploads_a_roster_with_a_bad_row_then_a_good_one(
    trial: Any, live_server: Any, browser: Any, tmp_path: Path
) -> None:
    from django.contrib.auth import get_user_model

    from hearten.trials.models import Participant
    from tests.web.test_access_matrix import PASSWORD
    from tests.web.test_uploads import BAD, GOOD

    trial.evaluators.add(get_user_model().objects.create_user("eve", password=PASSWORD))
    before = Participant.objects.count()
    base = live_server.url
    page = signed_in_page(browser, base, "eve", DESKTOP)
    page.goto(f"{base}/trials/{trial.slug}/uploads/")
    assert axe_violations(page) == []
    bad, good = tmp_path / "bad.csv", tmp_path / "good.csv"
    bad.write_text(BAD, encoding="utf-8")
    good.write_text(GOOD, encoding="utf-8")
    page.get_by_label("What the file holds").select_option("roster")
    page.get_by_label("The file (CSV or Excel)").set_input_files(str(bad))
    page.get_by_role("button", name="Upload and check").click()
    page.get_by_text("This file cannot be imported: 1 problem").wait_for()
    refused = page.get_by_role("table", name="Every refused row, with its reason")
    assert "fte" in refused.inner_text()
    assert axe_violations(page) == []
    page.get_by_role("button", name="Cancel and delete the file").click()
    page.get_by_text("Nothing was imported from bad.csv").wait_for()
    page.get_by_label("The file (CSV or Excel)").set_input_files(str(good))
    page.get_by_role("button", name="Upload and check").click()
    page.get_by_text("Every row passes the checks").wait_for()
    assert page.get_by_role("table", name="Which column gives each field").is_visible()
    assert axe_violations(page) == []
    page.get_by_role("button", name="Import this file").click()
    page.get_by_text("Imported from good.csv: 2 people").wait_for()
    assert Participant.objects.count() == before + 2
    hr = tmp_path / "absence.csv"
    hr.write_text("Employee No,First Day,Last Day\nN0001,2024-01-08,2024-01-12\n", encoding="utf-8")
    page.get_by_label("What the file holds").select_option("absence")
    page.get_by_label("The file (CSV or Excel)").set_input_files(str(hr))
    page.get_by_role("button", name="Upload and check").click()
    page.get_by_label("Column for staff_id").select_option("Employee No")
    page.get_by_label("Column for start").select_option("First Day")
    page.get_by_label("Column for end").select_option("Last Day")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Check again with these columns").click()
    page.get_by_text("Every row passes the checks").wait_for()
    page.context.close()
