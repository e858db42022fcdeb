"""Every API endpoint against every role of the roles matrix and both token scopes, and
against a trial that is not the token's, as ``tests/web/test_access_matrix.py`` does for the
pages. A role or scope that may not call an endpoint is refused (403) with one message and
reads nothing; another trial answers 404. A new endpoint fails this test until it is added.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.web.api.conftest import ROLES, ApiWorld

pytestmark = pytest.mark.django_db

SLUG = "letters-test"
#: Each endpoint: method, path (``{slug}`` for the trial).
ENDPOINTS = {
    "token": ("get", "/api/v1/token"),
    "status": ("get", "/api/v1/trials/{slug}"),
    "flow": ("get", "/api/v1/trials/{slug}/flow"),
    "results": ("get", "/api/v1/trials/{slug}/results"),
    "dataset": ("get", "/api/v1/trials/{slug}/dataset"),
    "codebook": ("get", "/api/v1/trials/{slug}/codebook"),
    "import_roster": ("post", "/api/v1/trials/{slug}/roster"),
    "import_hr": ("post", "/api/v1/trials/{slug}/hr/absence"),
}
#: Who may call what, by (role, scope); every other pair is refused. The evaluator reads
#: what the overview and report pages show; coordinators import for their sites and read the
#: status; letter writers and people without a role in the trial may use nothing.
ALLOWED = {
    ("evaluator", "read"): {"token", "status", "flow", "results", "dataset", "codebook"},
    ("evaluator", "import"): {"token", "import_roster", "import_hr"},
    ("coordinator", "read"): {"token", "status"},
    ("coordinator", "import"): {"token", "import_roster", "import_hr"},
    ("site-coordinator", "read"): {"token", "status"},
    ("site-coordinator", "import"): {"token", "import_roster", "import_hr"},
}
DATASET_ONLY = ("P-", "outcome")


def _call(world: ApiWorld, role: str, scope: str, name: str, slug: str = SLUG) -> Any:
    method, path = ENDPOINTS[name]
    client = world.client(role, scope)
    url = path.format(slug=slug)
    if method == "post":
        return client.post(url, data=b"staff_id\n", content_type="text/csv")
    return client.get(url)


def test_the_matrix_covers_every_endpoint_of_the_openapi_description(api_world: ApiWorld) -> None:
    from hearten.web.api.access import ENDPOINTS as DECLARED

    spec = api_world.client("evaluator", "read").get("/api/v1/openapi.json").json()
    ids = {op["operationId"] for item in spec["paths"].values() for op in item.values()}
    assert ids == set(ENDPOINTS) == {e.name for e in DECLARED}


def test_each_role_and_scope_calls_only_its_endpoints(api_world: ApiWorld) -> None:
    for role in ROLES:
        for scope in ("read", "import"):
            _only_its_endpoints(api_world, role, scope)


def _only_its_endpoints(api_world: ApiWorld, role: str, scope: str) -> None:
    allowed = ALLOWED.get((role, scope), set())
    for name in ENDPOINTS:
        answer = _call(api_world, role, scope, name)
        where = f"{role} ({scope}) → {name}"
        if name in allowed:
            # Allowed: an answer, or an import refused for its content (the trial is analysed
            # and the file is wrong), never a refusal of the caller.
            assert answer.status_code in (200, 422), where
        else:
            assert answer.status_code == 403, where
            body = json.loads(answer.content)
            assert set(body) == {"error"}, where
            assert all(s not in body["error"] for s in DATASET_ONLY), where


def test_another_trial_is_not_found_whatever_the_role(api_world: ApiWorld) -> None:
    for name in [n for n in ENDPOINTS if n != "token"]:
        for role, scope in ALLOWED:
            answer = _call(api_world, role, scope, name, slug="letters-two")
            assert answer.status_code == 404, f"{role} ({scope}) → {name}"
            assert b"letters-two" in answer.content  # names the trial asked for, nothing more
            assert b"P-" not in answer.content


def test_the_token_says_what_it_may_call(api_world: ApiWorld) -> None:
    for (role, scope), allowed in ALLOWED.items():
        body = api_world.client(role, scope).get("/api/v1/token").json()
        assert set(body["endpoints"]) == allowed, (role, scope)
        assert body["trial"] == SLUG
        assert body["scope"] == scope
    body = api_world.client("letter-writer", "read").get("/api/v1/token")
    assert body.status_code == 403


def test_taking_the_role_away_disables_the_token_at_once(api_world: ApiWorld) -> None:
    from hearten.trials.models import TrialRole

    client = api_world.client("coordinator", "read")
    assert client.get(f"/api/v1/trials/{SLUG}").status_code == 200
    TrialRole.objects.filter(trial=api_world.trial, user__username="coordinator").delete()
    answer = client.get(f"/api/v1/trials/{SLUG}")
    assert answer.status_code == 403
    assert answer.json() == {"error": "the token's user no longer has a role in this trial"}


def test_no_read_shows_a_staff_number_or_an_email(api_world: ApiWorld) -> None:
    client = api_world.client("evaluator", "read")
    for name in ("status", "flow", "results", "dataset", "codebook"):
        body = _call(api_world, "evaluator", "read", name).content
        assert b"@example.org" not in body, name
        assert not [w for w in body.split(b",") if w.startswith(b"S0")], name
    assert client.get(f"/api/v1/trials/{SLUG}/dataset").content.startswith(b"pseudonym,arm,")
