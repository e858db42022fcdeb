"""The API's imports: a roster or an HR extract sent as the request body goes through exactly
the path of the upload page and the command line (``hearten.web.uploads.apply``, which calls
``trials.roster.import_roster`` or ``hr.imports.import_hr``): all or nothing, a coordinator's
rows limited to their own sites. A refused import answers 422 with every row-level problem and
writes nothing.

``Idempotency-Key``: an import sent again with the same key and the same request (path, map
and bytes) gets the first answer again, stored, without importing twice (a client may retry
after a lost connection); the same key with a different request is a conflict (409). Keys
belong to the token that sent them and are remembered for :data:`KEEP_KEYS` (as Stripe's
are): a retry comes within minutes, and a stored answer may quote a refused row (a staff
number), which is not kept longer than a retry needs.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from ninja import Query, Router, Schema

from hearten.hr.imports import Kind
from hearten.web.api.models import ApiToken, IdempotentImport
from hearten.web.api.problems import ApiProblem
from hearten.web.api.reads import DENIED, Problem, caller

router = Router()

#: The file types an import may be sent as, by Content-Type.
SUFFIX = {
    "text/csv": ".csv",
    "text/tab-separated-values": ".tsv",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
}
#: An HR extract is CSV or Excel only (``hearten hr import`` reads no TSV): a TSV is refused
#: with 415 and the OpenAPI description does not offer it (it did, and a TSV got a 422).
HR_SUFFIX = {t: s for t, s in SUFFIX.items() if s != ".tsv"}
_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")
#: How long an Idempotency-Key and its answer are kept.
KEEP_KEYS = timedelta(hours=24)
CHUNK = 64 * 1024


class Row(Schema):
    row: int | None
    reason: str


class Refusal(Schema):
    error: str
    problems: list[Row]


class Imported(Schema):
    imported: str


def _import_doc(types: dict[str, str]) -> dict[str, Any]:
    """The OpenAPI request body and header of an import taking the file ``types``."""
    return {**IMPORT_DOC, "requestBody": {
        "required": True,
        "content": {t: {"schema": {"type": "string", "format": "binary"}} for t in types},
    }}  # fmt: skip


IMPORT_DOC: dict[str, Any] = {
    "parameters": [
        {
            "in": "header",
            "name": "Idempotency-Key",
            "required": False,
            "schema": {"type": "string", "minLength": 1, "maxLength": 255},
            "description": "the same key and request again gets the first answer; the same "
            "key with another request, 409",
        }
    ],
}
ANSWERS: dict[int | str, Any] = {200: Imported, 409: Problem, 413: Problem, 415: Problem,
                                  422: Refusal, **DENIED}  # fmt: skip


def _hold(request: HttpRequest, types: dict[str, str]) -> str:
    """Write the request body, of one of the Content-Types ``types``, to a held 0600 upload
    (``hearten.web.uploads.hold``)."""
    from hearten.errors import HeartenError
    from hearten.web import uploads

    content_type = request.content_type or ""
    suffix = types.get(content_type)
    if suffix is None:
        raise ApiProblem(
            415, f"send the file as one of {', '.join(types)}, not {content_type or 'nothing'}"
        )
    chunks = iter(lambda: request.read(CHUNK), b"")
    try:
        return uploads.hold(f"upload{suffix}", chunks)
    except HeartenError as exc:
        raise ApiProblem(413, str(exc)) from None


def _mapping(pairs: list[str]) -> dict[str, str]:
    """``field=column`` pairs, as ``hearten hr import --map``."""
    out = {}
    for pair in pairs:
        field, sep, column = pair.partition("=")
        if not sep or not field.strip() or not column.strip():
            raise ApiProblem(422, f"map takes field=column, not {pair!r}")
        out[field.strip()] = column.strip()
    return out


def _run(request: HttpRequest, slug: str, endpoint: str, kind: str, pairs: list[str]) -> Any:
    from hearten.web import uploads

    token, _ = caller(request, slug, endpoint)
    now = timezone.now()  # the request is the edge: its clock for forgetting old answers
    key = request.headers.get("Idempotency-Key")
    if key is not None and not _KEY.match(key):
        raise ApiProblem(422, "an Idempotency-Key is 1 to 255 visible ASCII characters")
    mapping = _mapping(pairs)
    held = _hold(request, SUFFIX if kind == "roster" else HR_SUFFIX)
    digest = hashlib.sha256(f"{endpoint}\n{kind}\n{sorted(mapping.items())}\n".encode())
    digest.update(uploads.held(held).read_bytes())
    try:
        with transaction.atomic():
            prior = _prior(token, key, digest.hexdigest(), now=now)
            if prior is not None:
                return _reply(prior.status, prior.answer, replayed=True)
            done = uploads.apply(
                token.trial, kind, held, mapping, uploads.sites_of(token.user, token.trial),
                token.user.get_username(),
            )  # fmt: skip
            status, answer = (200, {"imported": done.summary}) if done.ok else (422, {
                "error": done.summary or done.refused[0].reason,
                "problems": [{"row": r.row, "reason": r.reason} for r in done.refused],
            })  # fmt: skip
            if key is not None:
                _remember(token, key, digest.hexdigest(), status, answer)
    finally:
        uploads.discard(held)
    return _reply(status, answer)


def _remember(token: ApiToken, key: str, digest: str, status: int, answer: Any) -> None:
    """Store the first answer to ``key``. Another request with the same key stored first (two
    sent at once, on PostgreSQL): 409, and the import around this is rolled back."""
    try:
        with transaction.atomic():
            IdempotentImport.objects.create(
                token=token, key=key, status=status, request_sha256=digest, answer=answer
            )
    except IntegrityError:
        raise ApiProblem(
            409,
            "another request with this Idempotency-Key was being handled at the same moment: "
            "send it again to read its answer",
        ) from None


def forget_old_answers(now: datetime) -> int:
    """Delete the stored answers older than :data:`KEEP_KEYS` (how many): a refusal quotes
    the rows it refused, which can hold a staff number. Each import does this first, and
    ``hearten worker`` on each round, so none outlives the 24 hours while no import comes."""
    deleted, _ = IdempotentImport.objects.filter(created_at__lt=now - KEEP_KEYS).delete()
    return deleted


def _prior(
    token: ApiToken, key: str | None, digest: str, *, now: datetime
) -> IdempotentImport | None:
    """The stored first answer to ``key``; 409 when it answered another request. Keys older
    than :data:`KEEP_KEYS` before ``now`` (the request's clock) are forgotten first, every
    one of them."""
    forget_old_answers(now)
    if key is None:
        return None
    prior = IdempotentImport.objects.filter(token=token, key=key).first()
    if prior is not None and prior.request_sha256 != digest:
        raise ApiProblem(409, "this Idempotency-Key was used for a different request: use a "
                         "new key for a new import")  # fmt: skip
    return prior


def _reply(status: int, answer: dict[str, Any], replayed: bool = False) -> JsonResponse:
    response = JsonResponse(answer, status=status)
    response["Cache-Control"] = "no-store"
    if replayed:
        response["Idempotent-Replayed"] = "true"
    return response


@router.post("/trials/{slug}/roster", response=ANSWERS, operation_id="import_roster",
             summary="Import a staff roster (all or nothing)",
             openapi_extra=_import_doc(SUFFIX))  # fmt: skip
def import_roster(request: HttpRequest, slug: str) -> Any:
    """The roster as ``hearten roster import`` reads it; 422 with every refused row."""
    return _run(request, slug, "import_roster", "roster", [])


@router.post("/trials/{slug}/hr/{kind}", response=ANSWERS, operation_id="import_hr",
             summary="Import an HR extract (all or nothing)",
             openapi_extra=_import_doc(HR_SUFFIX))  # fmt: skip
def import_hr(
    request: HttpRequest,
    slug: str,
    kind: Kind,
    columns: list[str] = Query([], alias="map", description="field=column (repeat)"),  # type: ignore[type-arg]  # noqa: B008
) -> Any:
    """HR records as ``hearten hr import KIND FILE --map field=column`` reads them; 422 with
    every refused row."""
    return _run(request, slug, "import_hr", kind, columns)
