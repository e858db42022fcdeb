"""The OpenAPI description at /api/v1/openapi.json lists every endpoint (a snapshot: a new,
renamed or removed endpoint changes it and must be added here, to the roles matrix
``hearten.web.api.access.ENDPOINTS`` and to tests/web/api/test_matrix.py), each behind the
bearer token and answering its refusals."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

#: method, path and operation id of every endpoint.
SNAPSHOT = [
    "GET /api/v1/token token",
    "GET /api/v1/trials/{slug} status",
    "GET /api/v1/trials/{slug}/codebook codebook",
    "GET /api/v1/trials/{slug}/dataset dataset",
    "GET /api/v1/trials/{slug}/flow flow",
    "GET /api/v1/trials/{slug}/results results",
    "POST /api/v1/trials/{slug}/hr/{kind} import_hr",
    "POST /api/v1/trials/{slug}/roster import_roster",
]


def _spec() -> dict:  # type: ignore[type-arg]
    answer = Client().get("/api/v1/openapi.json")
    assert answer.status_code == 200
    return answer.json()  # type: ignore[no-any-return]


def test_the_description_lists_every_endpoint() -> None:
    spec = _spec()
    listed = sorted(
        f"{method.upper()} {path} {op['operationId']}"
        for path, item in spec["paths"].items()
        for method, op in item.items()
    )
    assert listed == SNAPSHOT
    assert spec["info"]["title"] == "Hearten API"
    assert spec["info"]["version"] == "1"


def test_every_endpoint_needs_the_bearer_token_and_documents_its_refusals() -> None:
    spec = _spec()
    schemes = spec["components"]["securitySchemes"]
    assert [s["scheme"] for s in schemes.values()] == ["bearer"]
    for path, item in spec["paths"].items():
        for method, op in item.items():
            assert op["security"] == [{name: []} for name in schemes], (method, path)
            assert {"401", "403", "404", "429"} <= set(op["responses"]), (method, path)


def test_imports_document_their_body_key_and_row_level_problems() -> None:
    spec = _spec()
    for path in ("/api/v1/trials/{slug}/roster", "/api/v1/trials/{slug}/hr/{kind}"):
        op = spec["paths"][path]["post"]
        assert "text/csv" in op["requestBody"]["content"]
        assert "Idempotency-Key" in {p["name"] for p in op["parameters"]}
        assert {"409", "422"} <= set(op["responses"])
    kinds = spec["paths"]["/api/v1/trials/{slug}/hr/{kind}"]["post"]["parameters"]
    kind = next(p for p in kinds if p["name"] == "kind")
    assert "absence" in str(kind["schema"])
    assert (
        "text/csv"
        in spec["paths"]["/api/v1/trials/{slug}/dataset"]["get"]["responses"]["200"]["content"]
    )
