"""The deliverer survey's staff page: letter writers and coordinators answer it in the web
app; nobody else may open it."""

from __future__ import annotations

from typing import Any

from django.test import Client

from hearten.process.deliverers import letter_writing_time
from hearten.process.models import DelivererAnswer
from tests.conftest import sign_in
from tests.process.test_deliverers import PASSWORD, deliverers, pytestmark  # noqa: F401


def url(trial: Any) -> str:
    return f"/trials/{trial.slug}/deliverer-survey/"


def test_a_letter_writer_answers_and_the_costing_reads_it(
    client: Client,
    named_trial: Any,
    deliverers: dict[str, Any],  # noqa: F811
) -> None:
    assert sign_in(client, "writer-1", PASSWORD)
    page = client.get(url(named_trial)).content.decode()
    assert "how many minutes did writing one letter take you?" in page
    sent = {"minutes": "12", "acceptability": "4", "hard": "Finding time after visits."}
    page = client.post(url(named_trial), sent, follow=True).content.decode()
    assert "your answers are saved" in page
    assert 'value="12"' in page  # shown again, to change
    assert 'value="4" checked' in page
    row = DelivererAnswer.objects.get(trial=named_trial, respondent=deliverers["writer-1"])
    assert (row.role, row.minutes_per_letter, row.acceptability) == ("letter-writer", 12, 4)
    assert letter_writing_time(named_trial).median_minutes == 12.0


def test_a_bad_answer_is_explained_and_nothing_is_stored(
    client: Client,
    named_trial: Any,
    deliverers: dict[str, Any],  # noqa: F811
) -> None:
    assert sign_in(client, "writer-2", PASSWORD)
    page = client.post(url(named_trial), {"minutes": "12.5", "acceptability": "4"})
    assert page.status_code == 400
    assert "Enter the minutes as a whole number, like 15" in page.content.decode()
    page = client.post(url(named_trial), {"minutes": "900"})
    assert "minutes per letter must be between 1 and 240" in page.content.decode()
    assert not DelivererAnswer.objects.exists()


def test_a_coordinator_is_asked_only_what_was_hard(
    client: Client,
    named_trial: Any,
    deliverers: dict[str, Any],  # noqa: F811
) -> None:
    assert sign_in(client, "coord", PASSWORD)
    page = client.get(url(named_trial)).content.decode()
    assert "minutes" not in page.split("<form", 1)[1].split("What was hard")[0]
    assert "What was hard about organising the study at your site?" in page
    client.post(url(named_trial), {"minutes": "5", "hard": "Rooms for the coffee."})
    row = DelivererAnswer.objects.get(trial=named_trial, respondent=deliverers["coord"])
    assert (row.role, row.minutes_per_letter, row.hard) == (
        "coordinator",
        None,
        "Rooms for the coffee.",
    )


def test_nobody_else_may_open_it(
    client: Client,
    named_trial: Any,
    deliverers: dict[str, Any],  # noqa: F811
) -> None:
    assert sign_in(client, "nobody", PASSWORD)
    assert client.get(url(named_trial)).status_code == 404
