"""Imports through the API: the same all-or-nothing import as the command line and the upload
page, a refusal answered 422 with every row-level problem and nothing written, a coordinator
held to their own sites, idempotency keys, and the rate limit."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from hearten.trials.models import AuditEvent, Participant
from hearten.web import uploads
from tests.conftest import CLOCK, ROSTER_HEADER
from tests.web.test_uploads import BAD, GOOD

pytestmark = pytest.mark.django_db
ROSTER = "/api/v1/trials/letters-test/roster"
ABSENCE = "/api/v1/trials/letters-test/hr/absence"


@pytest.fixture
def tokens(trial: Any) -> dict[str, Client]:
    from hearten.trials.people import add_role
    from hearten.web.api.tokens import create_token

    users = get_user_model()
    trial.evaluators.add(users.objects.create_user("evaluator"))
    users.objects.create_user("dudley")
    add_role(trial, "dudley", "coordinator", [], sites=["Dudley"], now=CLOCK)
    out = {}
    for name in ("evaluator", "dudley"):
        secret = create_token(trial, name, "import", now=timezone.now()).secret
        out[name] = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return out


def _post(client: Client, url: str, text: str, key: str | None = None, **extra: Any) -> Any:
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(url, data=text.encode(), content_type="text/csv", **headers, **extra)


def test_a_good_roster_is_imported_as_the_command_line_imports_it(
    tokens: dict[str, Client],
) -> None:
    before = Participant.objects.count()
    answer = _post(tokens["evaluator"], ROSTER, GOOD)
    assert answer.status_code == 200, answer.content
    assert answer.json() == {"imported": "2 people in 1 teams across 1 sites."}
    assert Participant.objects.count() == before + 2
    assert AuditEvent.objects.filter(action="roster-imported").count() == 2  # fixture's + this
    assert list(uploads.folder().iterdir()) == []  # nothing of the file is kept


def test_a_bad_row_is_answered_with_its_problem_and_nothing_is_written(
    tokens: dict[str, Client],
) -> None:
    before = Participant.objects.count()
    events = AuditEvent.objects.exclude(action="api-request").count()
    answer = _post(tokens["evaluator"], ROSTER, BAD)
    assert answer.status_code == 422
    body = answer.json()
    assert set(body) == {"error", "problems"}
    assert [p["row"] for p in body["problems"]] == [4]
    assert "fte" in body["problems"][0]["reason"]
    assert Participant.objects.count() == before
    assert AuditEvent.objects.exclude(action="api-request").count() == events
    assert list(uploads.folder().iterdir()) == []


def test_a_coordinator_imports_rows_of_their_own_sites_only(tokens: dict[str, Client]) -> None:
    other = ROSTER_HEADER + "N0009,Shropshire,SH-9,Social worker,1.0,2021-03-01,12,n9@example.org\n"
    answer = _post(tokens["dudley"], ROSTER, GOOD + other.removeprefix(ROSTER_HEADER))
    assert answer.status_code == 422
    rows = answer.json()["problems"]
    assert [p["row"] for p in rows] == [4]
    assert "Shropshire" not in answer.content.decode()  # the reason quotes nothing of it
    assert _post(tokens["dudley"], ROSTER, GOOD).status_code == 200


def test_hr_extracts_take_the_command_lines_column_map(tokens: dict[str, Client]) -> None:
    from hearten.hr.models import AbsenceSpell

    text = "Employee No,First Day,Last Day\nS0001,2026-01-05,2026-01-09\n"
    mapped = f"{ABSENCE}?map=staff_id=Employee%20No&map=start=First%20Day&map=end=Last%20Day"
    answer = _post(tokens["evaluator"], mapped, text)
    assert answer.status_code == 200, answer.content
    assert answer.json() == {"imported": "1 rows of absence: 1 new records, 0 already held."}
    assert AbsenceSpell.objects.count() == 1
    unmapped = _post(tokens["evaluator"], ABSENCE, text)
    assert unmapped.status_code == 422
    assert "staff_id" in unmapped.json()["error"] + str(unmapped.json()["problems"])
    assert _post(tokens["evaluator"], "/api/v1/trials/letters-test/hr/salaries", text
                 ).status_code == 422  # fmt: skip


def test_the_same_key_and_request_get_the_first_answer_without_importing_again(
    tokens: dict[str, Client],
) -> None:
    first = _post(tokens["evaluator"], ROSTER, GOOD, key="march-roster")
    count = Participant.objects.count()
    again = _post(tokens["evaluator"], ROSTER, GOOD, key="march-roster")
    assert again.status_code == first.status_code == 200
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Participant.objects.count() == count
    refused = _post(tokens["evaluator"], ROSTER, BAD, key="bad-roster")
    assert _post(tokens["evaluator"], ROSTER, BAD, key="bad-roster").json() == refused.json()


def test_the_same_key_with_another_request_is_a_conflict(tokens: dict[str, Client]) -> None:
    assert _post(tokens["evaluator"], ROSTER, GOOD, key="k1").status_code == 200
    count = Participant.objects.count()
    other = GOOD.replace("N0002", "N0003")
    clash = _post(tokens["evaluator"], ROSTER, other, key="k1")
    assert clash.status_code == 409
    assert clash.json() == {
        "error": "this Idempotency-Key was used for a different request: use a new key for a "
        "new import"
    }
    assert Participant.objects.count() == count
    assert _post(tokens["evaluator"], ROSTER, GOOD, key="bad key").status_code == 422


def test_a_file_type_the_import_cannot_read_is_refused(tokens: dict[str, Client]) -> None:
    answer = tokens["evaluator"].post(ROSTER, data=b"{}", content_type="application/json")
    assert answer.status_code == 415
    assert answer.json()["error"].startswith("send the file as one of text/csv")


def test_more_than_the_limit_a_minute_is_refused_with_retry_after(
    tokens: dict[str, Client], monkeypatch: pytest.MonkeyPatch
) -> None:
    from hearten.web.api import limits, v1

    moment = datetime(2026, 11, 30, 9, 15, 40, tzinfo=UTC)
    clock = SimpleNamespace(now=lambda: moment)
    monkeypatch.setattr(v1, "timezone", clock)
    monkeypatch.setattr(limits, "PER_MINUTE", 2)
    client = tokens["evaluator"]
    assert [client.get("/api/v1/token").status_code for _ in range(2)] == [200, 200]
    refused = client.get("/api/v1/token")
    assert refused.status_code == 429
    assert refused["Retry-After"] == "20"
    assert "more than 2 requests in a minute" in refused.json()["error"]
    assert tokens["dudley"].get("/api/v1/token").status_code == 200  # per token
    moment = datetime(2026, 11, 30, 9, 16, 0, tzinfo=UTC)
    assert client.get("/api/v1/token").status_code == 200  # a new minute


def test_a_key_is_forgotten_after_a_day_with_its_answer(tokens: dict[str, Client]) -> None:
    from datetime import timedelta

    from hearten.web.api.models import IdempotentImport

    refused = _post(tokens["evaluator"], ROSTER, BAD, key="old-key")
    assert refused.status_code == 422
    assert IdempotentImport.objects.get().answer == refused.json()
    IdempotentImport.objects.update(created_at=timezone.now() - timedelta(hours=25))
    again = _post(tokens["evaluator"], ROSTER, GOOD, key="old-key")  # another request: no 409
    assert again.status_code == 200
    assert IdempotentImport.objects.get().answer == again.json()  # the old answer is gone


def test_a_stored_answer_is_forgotten_by_the_requests_clock(
    tokens: dict[str, Client], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The request is the edge (issue 27): it reads the clock once and forgets the answers
    stored more than a day before it."""
    from datetime import timedelta

    from hearten.web.api import imports
    from hearten.web.api.models import IdempotentImport

    assert _post(tokens["evaluator"], ROSTER, BAD, key="k").status_code == 422
    stored = datetime(2026, 11, 30, 9, tzinfo=UTC)
    IdempotentImport.objects.update(created_at=stored)
    moment = stored + timedelta(hours=24)  # a day later: still remembered, so replayed
    monkeypatch.setattr(imports, "timezone", SimpleNamespace(now=lambda: moment))
    assert _post(tokens["evaluator"], ROSTER, BAD, key="k")["Idempotent-Replayed"] == "true"
    moment += timedelta(seconds=1)
    again = _post(tokens["evaluator"], ROSTER, GOOD, key="k")  # forgotten: no 409
    assert again.status_code == 200
    assert IdempotentImport.objects.get().answer == again.json()


def test_two_imports_with_one_new_key_at_once_import_once(
    tokens: dict[str, Client], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second of two requests sent at once with the same new key finds no stored answer,
    imports, then cannot store its answer: it is refused and its import rolled back."""
    from hearten.web.api.models import ApiToken, IdempotentImport

    real = uploads.apply

    def first_lands_meanwhile(*args: Any, **kwargs: Any) -> Any:
        done = real(*args, **kwargs)
        IdempotentImport.objects.create(token=ApiToken.objects.get(user__username="evaluator"),
                                        key="k2", request_sha256="0" * 64, status=200,
                                        answer={"imported": "by the other request"})  # fmt: skip
        return done

    monkeypatch.setattr(uploads, "apply", first_lands_meanwhile)
    before = Participant.objects.count()
    answer = _post(tokens["evaluator"], ROSTER, GOOD, key="k2")
    assert answer.status_code == 409
    assert "being handled at the same moment" in answer.json()["error"]
    assert Participant.objects.count() == before


def test_an_hr_extract_is_csv_or_excel_only_as_the_description_says(
    tokens: dict[str, Client],
) -> None:
    """hearten hr import reads no TSV: the API offered it in its description and then answered
    a TSV with 422 "use a .csv or .xlsx file" (found by an evaluator reading openapi.json)."""
    answer = tokens["evaluator"].post(ABSENCE, data=b"staff_id\tstart\tend\n",
                                      content_type="text/tab-separated-values")  # fmt: skip
    assert answer.status_code == 415
    assert "text/tab-separated-values" not in answer.json()["error"].split(", not ")[0]
    spec = Client().get("/api/v1/openapi.json").json()["paths"]
    hr = spec["/api/v1/trials/{slug}/hr/{kind}"]["post"]["requestBody"]["content"]
    roster = spec["/api/v1/trials/{slug}/roster"]["post"]["requestBody"]["content"]
    assert "text/tab-separated-values" not in hr
    assert "text/csv" in hr
    assert "text/tab-separated-values" in roster


def test_a_read_token_is_told_an_import_needs_an_import_token(trial: Any) -> None:
    """The refusal read "needs a import token"."""
    from hearten.web.api.tokens import create_token

    trial.evaluators.add(get_user_model().objects.create_user("reader"))
    made = create_token(trial, "reader", "read", now=timezone.now())
    read = Client(HTTP_AUTHORIZATION=f"Bearer {made.secret}")
    answer = read.post(ROSTER, data=GOOD.encode(), content_type="text/csv")
    assert answer.status_code == 403
    assert (
        answer.json()["error"] == "this token is scoped read; import roster needs an import token"
    )
