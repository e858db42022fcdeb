"""API tokens: stored hashed, shown once, expiring, revocable, refused for switched-off
accounts and in any form but the bearer header; every use audited; the session not accepted;
made and revoked by command and on the staff page."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from tests.conftest import CLOCK, sign_in
from tests.web.api.conftest import PASSWORD

pytestmark = pytest.mark.django_db
STATUS = "/api/v1/trials/letters-test"


@pytest.fixture
def people(trial: Any) -> Any:
    from hearten.trials.people import add_role

    users = get_user_model()
    evaluator = users.objects.create_user("evaluator", password=PASSWORD)
    trial.evaluators.add(evaluator)
    users.objects.create_user("coordinator", password=PASSWORD)
    add_role(trial, "coordinator", "coordinator", [], now=CLOCK)
    users.objects.create_user("writer", password=PASSWORD)
    add_role(trial, "writer", "letter-writer", [trial.teams.first().code], now=CLOCK)
    return trial


def _bearer(secret: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def test_only_the_sha256_of_a_token_is_stored_and_the_token_works(people: Any) -> None:
    from hearten.web.api.models import ApiToken
    from hearten.web.api.tokens import create_token

    made = create_token(people, "evaluator", "read", now=timezone.now())
    assert re.fullmatch(r"hrt_[0-9a-f]{8}_[A-Za-z0-9_-]{43}", made.secret)
    row = ApiToken.objects.get()
    assert row.secret_sha256 == hashlib.sha256(made.secret.encode()).hexdigest()
    stored = [str(v) for v in row.__dict__.values()]
    assert made.secret not in stored
    # the random part is everything after "hrt_<prefix>_" (it may itself hold "_")
    assert made.secret.split("_", 2)[2] not in stored
    assert _bearer(made.secret).get(STATUS).status_code == 200
    assert ApiToken.objects.get().last_used_at is not None


def test_a_letter_writer_or_a_stranger_gets_no_token(people: Any) -> None:
    from hearten.errors import NotFound, StateError
    from hearten.web.api.tokens import create_token

    with pytest.raises(StateError, match="no role in letters-test that may use the API"):
        create_token(people, "writer", "read", now=CLOCK)
    with pytest.raises(NotFound, match="no user called 'nobody'"):
        create_token(people, "nobody", "read", now=CLOCK)


def test_scope_and_lifetime_are_checked_where_given(people: Any) -> None:
    from hearten.errors import DataError
    from hearten.web.api.tokens import create_token

    with pytest.raises(DataError, match="unknown token scope 'write': choose read, import"):
        create_token(people, "evaluator", "write", now=CLOCK)
    with pytest.raises(DataError, match="1 to 365 days, not 400"):
        create_token(people, "evaluator", "read", days=400, now=CLOCK)


def test_a_token_lives_on_the_clock_it_is_given(people: Any) -> None:
    """Made, checked, revoked and rate-limited at the caller's clock (issue 27): made at
    CLOCK, it is active until 90 days later and expired from then, whatever the real date."""
    from hearten.web.api import limits
    from hearten.web.api.models import ApiToken
    from hearten.web.api.tokens import Refused, check_token, create_token, revoke_token, state_of

    made = create_token(people, "evaluator", "read", now=CLOCK)
    token = ApiToken.objects.get()
    assert (token.created_at, token.expires_at) == (CLOCK, CLOCK + timedelta(days=90))
    end = CLOCK + timedelta(days=90)
    assert state_of(token, end - timedelta(seconds=1)) == "active"
    assert state_of(token, end) == "expired"
    assert check_token(made.secret, end - timedelta(seconds=1)) == token
    with pytest.raises(Refused, match="has expired"):
        check_token(made.secret, end)
    limits.take(token, CLOCK + timedelta(seconds=5))
    token.refresh_from_db()
    assert token.last_used_at == CLOCK + timedelta(seconds=5)
    assert token.window_start == CLOCK
    revoke_token(people, token.prefix, by="evaluator", now=CLOCK + timedelta(days=1))
    token.refresh_from_db()
    assert token.revoked_at == CLOCK + timedelta(days=1)
    assert state_of(token, CLOCK) == "revoked"


@pytest.mark.parametrize(
    ("header", "says"),
    [
        (None, "send an API token as 'Authorization: Bearer hrt_...'"),
        ("Basic abc", "send an API token as 'Authorization: Bearer hrt_...'"),
        ("Bearer nonsense", "that is not a Hearten API token"),
        ("Bearer hrt_0123abcd_" + "A" * 43, "the token is not known"),
    ],
)
def test_a_missing_or_unknown_token_is_refused_with_a_reason(
    people: Any, header: str | None, says: str
) -> None:
    client = Client(HTTP_AUTHORIZATION=header) if header else Client()
    answer = client.get(STATUS)
    assert answer.status_code == 401
    assert answer["WWW-Authenticate"] == 'Bearer realm="hearten"'
    assert answer.json()["error"].startswith(says)


def test_an_expired_or_revoked_token_or_switched_off_account_is_refused(people: Any) -> None:
    from hearten.web.api.models import ApiToken
    from hearten.web.api.tokens import create_token, revoke_token

    expired = create_token(people, "evaluator", "read", days=1, now=timezone.now())
    ApiToken.objects.filter(pk=expired.token.pk).update(expires_at=timezone.now())
    assert "has expired" in _bearer(expired.secret).get(STATUS).json()["error"]
    revoked = create_token(people, "evaluator", "read", now=timezone.now())
    assert _bearer(revoked.secret).get(STATUS).status_code == 200
    revoke_token(people, revoked.token.prefix, by="evaluator", now=timezone.now())
    answer = _bearer(revoked.secret).get(STATUS)
    assert answer.status_code == 401
    assert "has been revoked" in answer.json()["error"]
    off = create_token(people, "coordinator", "read", now=timezone.now())
    get_user_model().objects.filter(username="coordinator").update(is_active=False)
    assert "switched off" in _bearer(off.secret).get(STATUS).json()["error"]


def test_a_signed_in_session_is_not_accepted(people: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    assert sign_in(client, "evaluator", PASSWORD)
    assert client.get("/trials/letters-test/").status_code == 200  # the session is good
    answer = client.get(STATUS)
    assert answer.status_code == 401
    assert "session is not accepted" in answer.json()["error"]
    roster = client.post("/api/v1/trials/letters-test/roster", b"x", content_type="text/csv")
    assert roster.status_code == 401


def test_every_use_is_audited_once_with_its_answer(people: Any) -> None:
    from hearten.trials.audit import verify_chain
    from hearten.trials.models import AuditEvent
    from hearten.web.api.tokens import create_token

    made = create_token(people, "coordinator", "read", now=timezone.now())
    client = _bearer(made.secret)
    before = AuditEvent.objects.filter(action="api-request").count()
    client.get(STATUS)
    client.get(f"{STATUS}/results")  # refused: still a use
    events = list(AuditEvent.objects.filter(action="api-request").order_by("id"))[before:]
    assert [(e.detail["endpoint"], e.detail["status"]) for e in events] == [
        ("status", 200), ("results", 403)
    ]  # fmt: skip
    assert {e.detail["token"] for e in events} == {made.token.prefix}
    assert {e.detail["user"] for e in events} == {"coordinator"}
    assert verify_chain() == []
    assert AuditEvent.objects.filter(action="api-token-created").count() == 1


def test_tokens_are_made_listed_and_revoked_by_command(people: Any, hearten: Any) -> None:
    made = hearten("trial", "token", "create", "letters-test", "--user", "evaluator",
                   "--scope", "read", "--days", "30", "--name", "R on my laptop")  # fmt: skip
    assert made.code == 0, made.err
    secret = made.out.strip().splitlines()[-1]
    assert _bearer(secret).get(STATUS).status_code == 200
    prefix = secret.split("_")[1]
    listed = hearten("trial", "token", "list", "letters-test")
    assert prefix in listed.out
    assert "R on my laptop" in listed.out
    assert "active" in listed.out
    assert secret not in listed.out
    assert hearten("trial", "token", "revoke", "letters-test", prefix).code == 0
    assert _bearer(secret).get(STATUS).status_code == 401
    assert "revoked" in hearten("trial", "token", "list", "letters-test").out
    wrong = hearten("trial", "token", "create", "letters-test", "--user", "writer",
                    "--scope", "read")  # fmt: skip
    assert wrong.code != 0
    assert "Traceback" not in wrong.err
    assert "may use the API" in wrong.err


def test_the_staff_page_shows_a_new_token_once_and_revokes(people: Any) -> None:
    from hearten.web.api.models import ApiToken

    client = Client()
    assert sign_in(client, "coordinator", PASSWORD)
    form = {"action": "create", "scope": "import", "days": "30", "name": "HR feed"}
    page = client.post("/trials/letters-test/api-tokens/", form)
    assert page.status_code == 200
    assert page["Cache-Control"] == "no-store"
    secret = re.search(rb'<code id="secret">(hrt_[^<]+)</code>', page.content)
    assert secret is not None
    token = ApiToken.objects.get()
    assert (token.scope, token.name, token.user.get_username()) == ("import", "HR feed",
                                                                   "coordinator")  # fmt: skip
    assert token.expires_at - timezone.now() > timedelta(days=29)
    again = client.get("/trials/letters-test/api-tokens/")
    assert secret.group(1) not in again.content
    assert token.prefix.encode() in again.content
    client.post("/trials/letters-test/api-tokens/", {"action": "revoke", "prefix": token.prefix})
    ApiToken.objects.get(revoked_at__isnull=False)


def test_a_coordinator_sees_and_revokes_only_their_own_tokens(people: Any) -> None:
    from hearten.web.api.tokens import create_token

    theirs = create_token(people, "evaluator", "read", now=timezone.now())
    client = Client()
    assert sign_in(client, "coordinator", PASSWORD)
    assert (
        theirs.token.prefix.encode() not in client.get("/trials/letters-test/api-tokens/").content
    )
    client.post("/trials/letters-test/api-tokens/",
                {"action": "revoke", "prefix": theirs.token.prefix})  # fmt: skip
    assert _bearer(theirs.secret).get(STATUS).status_code == 200
    evaluator = Client()
    assert sign_in(evaluator, "evaluator", PASSWORD)
    assert theirs.token.prefix.encode() in evaluator.get("/trials/letters-test/api-tokens/").content


def test_switching_off_someone_who_left_stops_their_tokens(people: Any, hearten: Any) -> None:
    from hearten.web.api.tokens import create_token

    made = create_token(people, "coordinator", "read", now=timezone.now())
    assert _bearer(made.secret).get(STATUS).status_code == 200
    assert hearten("user", "disable", "coordinator").code == 0
    answer = _bearer(made.secret).get(STATUS)
    assert answer.status_code == 401
    assert "switched off" in answer.json()["error"]


def test_a_switched_off_account_s_tokens_are_listed_so_and_can_still_be_revoked(
    people: Any, hearten: Any
) -> None:
    """The lists said ``active`` for a token its holder's switched-off account made useless
    (found by an evaluator trying the deploy guide); enabling the account again restores it."""
    from hearten.web.api.models import ApiToken
    from hearten.web.api.tokens import create_token

    made = create_token(people, "coordinator", "read", now=timezone.now())
    off = hearten("user", "disable", "coordinator")
    assert "API tokens are refused" in off.out
    listed = hearten("trial", "token", "list", "letters-test").out
    assert "account switched off" in listed
    assert "active" not in listed
    evaluator = Client()
    assert sign_in(evaluator, "evaluator", PASSWORD)
    page = evaluator.get("/trials/letters-test/api-tokens/").content
    assert b"account switched off" in page
    assert f"token {made.token.prefix}".encode() in page  # its Revoke button
    on = hearten("user", "enable", "coordinator")
    assert "work again" in on.out
    assert _bearer(made.secret).get(STATUS).status_code == 200
    evaluator.post("/trials/letters-test/api-tokens/",
                   {"action": "revoke", "prefix": made.token.prefix})  # fmt: skip
    assert ApiToken.objects.get().revoked_at is not None
