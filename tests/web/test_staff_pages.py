"""Evaluators see their own trials; nobody else sees them."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from tests.conftest import CLOCK, sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def evaluator(trial: Any) -> Any:
    user = get_user_model().objects.create_user("eve", password="a long passphrase 1")
    trial.evaluators.add(user)
    return user


def test_sign_in_leads_to_the_evaluators_trials(client: Client, evaluator: Any, trial: Any) -> None:
    from tests.web.test_security import sign_in_with_code

    page = sign_in_with_code(client, evaluator, "a long passphrase 1")
    assert page.status_code == 200
    assert trial.name.encode() in page.content
    page = client.get(f"/trials/{trial.slug}/")
    assert b"Participant flow" in page.content


def test_a_wrong_password_is_refused(client: Client, evaluator: Any) -> None:
    page = client.post("/sign-in/", {"username": "eve", "password": "wrong"})
    assert b"Enter a correct username and password" in page.content


def test_another_user_cannot_see_the_trial_or_its_report(client: Client, trial: Any) -> None:
    get_user_model().objects.create_user("mallory", password="another long passphrase")
    sign_in(client, "mallory", "another long passphrase")
    assert trial.name.encode() not in client.get("/trials/").content
    assert client.get(f"/trials/{trial.slug}/").status_code == 404
    assert client.get(f"/trials/{trial.slug}/report/").status_code == 404
    assert client.get(f"/trials/{trial.slug}/report.pdf").status_code == 404


def test_staff_pages_need_sign_in(client: Client, trial: Any) -> None:
    page = client.get(f"/trials/{trial.slug}/")
    assert page.status_code == 302
    assert page["Location"].startswith("/sign-in/")


def test_the_evaluator_downloads_the_report_as_pdf(
    client: Client, evaluator: Any, trial: Any, hearten_home: Any
) -> None:
    from hearten.analysis.run import run_analysis
    from hearten.reports.render import write_report
    from tests.analysis.test_plan import _ready

    sign_in(client, "eve", "a long passphrase 1")
    assert client.get(f"/trials/{trial.slug}/report.pdf").status_code == 404  # none yet
    _ready(trial)
    run_analysis(trial, CLOCK)
    write_report(trial, now=CLOCK)
    assert b"Download it as PDF" in client.get(f"/trials/{trial.slug}/").content
    page = client.get(f"/trials/{trial.slug}/report.pdf")
    assert page.status_code == 200
    assert page["Content-Type"] == "application/pdf"
    assert "letters-test-report.pdf" in page["Content-Disposition"]
    assert b"".join(page.streaming_content).startswith(b"%PDF")


def test_the_report_opens_inside_the_staff_layout(
    client: Client, evaluator: Any, trial: Any, hearten_home: Any
) -> None:
    from hearten.analysis.run import run_analysis
    from hearten.reports.render import write_report
    from tests.analysis.test_plan import _ready

    _ready(trial)
    run_analysis(trial, CLOCK)
    write_report(trial, now=CLOCK)
    sign_in(client, "eve", "a long passphrase 1")
    page = client.get(f"/trials/{trial.slug}/report/").content.decode()
    assert "Back to the trial" in page
    assert "Sign out" in page
    assert '<div class="hearten-report">' in page
    assert "Participant flow" in page
    assert page.count("<body") == 1  # the report's body, not a document inside a document
    assert "Download this report as PDF" in page


def test_a_programme_report_is_read_by_evaluators_of_every_trial_it_pools(
    client: Client, evaluator: Any, trial: Any, write_roster: Any, hearten_home: Any
) -> None:
    from hearten.analysis.run import run_analysis
    from hearten.reports.programme import write_programme_report
    from tests.analysis.test_plan import _ready
    from tests.reports.test_preregistration_and_programme import _second

    other = _second(trial, write_roster)
    for t in (trial, other):
        _ready(t)
        run_analysis(t, CLOCK)
    write_programme_report("Council programme", [trial.slug, other.slug], now=CLOCK)
    sign_in(client, "eve", "a long passphrase 1")
    assert b"Council programme" not in client.get("/trials/").content  # not of the second
    assert client.get("/programmes/council-programme/").status_code == 404
    other.evaluators.add(evaluator)
    assert b"Council programme" in client.get("/trials/").content
    page = client.get("/programmes/council-programme/")
    assert page.status_code == 200
    assert b"The trials, pooled" in page.content
    pdf = client.get("/programmes/council-programme/report.pdf")
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")
