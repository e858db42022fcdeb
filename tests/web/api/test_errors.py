"""Every error under /api/ is JSON with one message, including the ones no endpoint makes
(an unknown path, a method a path does not take); a request turned away by the rate limit is
not written to the audit log, and a dataset download is, as an export."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from tests.conftest import CLOCK

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(trial: Any) -> Client:
    from hearten.web.api.tokens import create_token

    trial.evaluators.add(get_user_model().objects.create_user("eve"))
    return Client(
        HTTP_AUTHORIZATION=f"Bearer {create_token(trial, 'eve', 'read', now=timezone.now()).secret}"
    )


def test_an_unknown_path_is_a_json_not_found(client: Client) -> None:
    for path in ("/api/v1/nothing-here", "/api/v2/token", "/api/"):
        answer = client.get(path)
        assert answer.status_code == 404, path
        assert answer.json() == {
            "error": "not found: the API's paths are listed at /api/v1/openapi.json"
        }, path


def test_a_method_the_path_does_not_take_is_a_json_405_with_allow(client: Client) -> None:
    answer = client.delete("/api/v1/trials/letters-test")
    assert answer.status_code == 405
    assert answer["Allow"] == "GET"
    assert answer.json()["error"].startswith("that method is not allowed here")


def test_a_staff_page_not_found_is_still_the_staff_page(client: Client) -> None:
    answer = Client().get("/trials/no-such-trial/nothing/")
    assert answer.status_code == 404
    assert answer["Content-Type"].startswith("text/html")


def test_requests_refused_by_the_rate_limit_are_not_audited(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hearten.trials.models import AuditEvent
    from hearten.web.api import limits, v1

    moment = datetime(2026, 11, 30, 9, 15, 40, tzinfo=UTC)
    monkeypatch.setattr(v1, "timezone", SimpleNamespace(now=lambda: moment))
    monkeypatch.setattr(limits, "PER_MINUTE", 1)
    before = AuditEvent.objects.filter(action="api-request").count()
    statuses = [client.get("/api/v1/token").status_code for _ in range(5)]
    assert statuses == [200, 429, 429, 429, 429]
    assert AuditEvent.objects.filter(action="api-request").count() == before + 1


def test_a_dataset_download_is_audited_as_an_export_with_its_fingerprint(
    trial: Any, client: Client
) -> None:
    from hearten.analysis.dataset import build_dataset, dataset_digest
    from hearten.trials.allocation import randomise_trial
    from hearten.trials.models import AuditEvent

    randomise_trial(trial, 5, now=CLOCK)
    answer = client.get("/api/v1/trials/letters-test/dataset")
    assert answer.status_code == 200
    assert answer["X-Dataset-SHA256"] == dataset_digest(build_dataset(trial))
    event = AuditEvent.objects.filter(action="exported").latest("id")
    assert event.detail["what"] == "analysis dataset"
    assert event.detail["sha256"] == answer["X-Dataset-SHA256"]
    assert event.detail["rows"] == answer.content.decode().count("\n") - 1
