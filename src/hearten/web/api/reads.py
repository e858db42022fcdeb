"""The API's reads: the token itself, the trial's status, its participant flow, its latest
stored results, and its pseudonymous analysis dataset with the codebook. Each endpoint calls
:func:`~hearten.web.api.access.allow` first (the roles matrix) and then one service, as the
pages do. Nothing read here carries a staff number, name or e-mail."""

from __future__ import annotations

from dataclasses import MISSING, fields
from datetime import datetime
from typing import Any, get_type_hints

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Router, Schema
from pydantic import create_model

from hearten.analysis.flow import FlowRow
from hearten.web.api.access import BY_NAME, allow, may_call
from hearten.web.api.models import ApiToken
from hearten.web.api.problems import ApiProblem

router = Router()


def caller(request: HttpRequest, slug: str, endpoint: str) -> tuple[ApiToken, str]:
    """The request's token and its user's role, if it may call ``endpoint`` on ``slug``."""
    token: ApiToken = request.auth  # type: ignore[attr-defined]  # set by TokenAuth
    request.hearten_api_endpoint = endpoint  # type: ignore[attr-defined]  # read by usage
    return token, allow(token, slug, endpoint)


class Problem(Schema):
    error: str


class TokenOut(Schema):
    """The token making the request: whose, for which trial, what it may call."""

    prefix: str
    user: str
    trial: str
    scope: str
    role: str | None
    expires_at: datetime
    endpoints: list[str]


class WaveOut(Schema):
    name: str
    opened_at: datetime | None
    closed_at: datetime | None


class StatusOut(Schema):
    """Where the trial is: its state, randomisation, delivery, plan lock and last analysis."""

    slug: str
    name: str
    status: str
    unit: str
    randomised_at: datetime | None
    delivery_opened_at: datetime | None
    plan_locked_at: datetime | None
    analysed_at: datetime | None
    waves: list[WaveOut]


def _flow_row_out() -> type[Schema]:
    """One arm's row of the flow as the API answers it: the arm, its label, then every count
    of :class:`~hearten.analysis.flow.FlowRow` in its order (a count added there is answered
    here too)."""
    hints = get_type_hints(FlowRow)
    counts: dict[str, Any] = {
        f.name: (hints[f.name], ... if f.default is MISSING else f.default)
        for f in fields(FlowRow)
        if f.name != "arm"
    }
    return create_model(
        "FlowRowOut",
        __base__=Schema,
        __doc__="One arm's row of the CONSORT flow (``hearten.analysis.flow.FlowRow``, whose "
        "docstring\ndefines each count).",
        arm=(str, ...),
        label=(str, ...),
        **counts,
    )


#: Any: a class made at import, which mypy cannot check as a type.
FlowRowOut: Any = _flow_row_out()


class ResultsOut(Schema):
    """The latest stored analysis run: ``result`` is what the trial report renders
    (``effects`` holds the primary estimate); ``dataset_sha256`` identifies the dataset it
    was computed from (compare the dataset's ``X-Dataset-SHA256``)."""

    run: int
    created_at: datetime
    software_version: str
    dataset_sha256: str
    result: dict[str, Any]


class VariableOut(Schema):
    name: str
    label: str
    values: str


class CodebookOut(Schema):
    trial: str
    variables: list[VariableOut]


DENIED: dict[int | str, Any] = {401: Problem, 403: Problem, 404: Problem, 429: Problem}


@router.get("/token", response={200: TokenOut, **DENIED}, operation_id="token",
            summary="The token making this request")  # fmt: skip
def token(request: HttpRequest) -> TokenOut:
    found, role = caller(request, request.auth.trial.slug, "token")  # type: ignore[attr-defined]
    return TokenOut(
        prefix=found.prefix,
        user=found.user.get_username(),
        trial=found.trial.slug,
        scope=found.scope,
        role=role,
        expires_at=found.expires_at,
        endpoints=[name for name in BY_NAME if may_call(role, found.scope, name)],
    )


@router.get("/trials/{slug}", response={200: StatusOut, **DENIED}, operation_id="status",
            summary="The trial's status")  # fmt: skip
def status(request: HttpRequest, slug: str) -> StatusOut:
    from hearten.analysis.plan import locked_version
    from hearten.trials.models import Allocation

    found, _ = caller(request, slug, "status")
    trial = found.trial
    allocation = Allocation.objects.filter(trial=trial).first()
    locked = locked_version(trial)
    run = trial.analysis_runs.first()
    return StatusOut(
        slug=trial.slug,
        name=trial.name,
        status=trial.status,
        unit=trial.unit,
        randomised_at=allocation.created_at if allocation else None,
        delivery_opened_at=trial.delivery_opened_at,
        plan_locked_at=locked.created_at if locked else None,
        analysed_at=run.created_at if run else None,
        waves=[
            WaveOut(name=w.name, opened_at=w.opened_at, closed_at=w.closed_at)
            for w in trial.waves.all()
        ],
    )


@router.get("/trials/{slug}/flow", response={200: list[FlowRowOut], **DENIED},
            operation_id="flow", summary="The participant flow (CONSORT), by arm, now")  # fmt: skip
def flow(request: HttpRequest, slug: str) -> list[Schema]:
    from hearten.analysis.flow import participant_flow

    found, _ = caller(request, slug, "flow")
    return [FlowRowOut(**row) for row in participant_flow(found.trial)]


@router.get("/trials/{slug}/results", response={200: ResultsOut, **DENIED},
            operation_id="results", summary="The latest stored analysis results")  # fmt: skip
def results(request: HttpRequest, slug: str) -> ResultsOut:
    from hearten.analysis.stored import latest_run
    from hearten.errors import StateError

    found, _ = caller(request, slug, "results")
    try:
        run = latest_run(found.trial)
    except StateError as exc:
        raise ApiProblem(404, str(exc)) from None
    return ResultsOut(
        run=run.pk,
        created_at=run.created_at,
        software_version=run.software_version,
        dataset_sha256=run.dataset_sha256,
        result=run.result,
    )


DATASET_DOC = {
    "responses": {
        "200": {
            "description": "The analysis dataset as CSV, one row per randomised participant; "
            "header X-Dataset-SHA256: the SHA-256 of the dataset as analysed",
            "content": {"text/csv": {"schema": {"type": "string"}}},
        }
    }
}


@router.get("/trials/{slug}/dataset", response={**DENIED}, operation_id="dataset",
            summary="The pseudonymous analysis dataset (CSV)",
            openapi_extra=DATASET_DOC)  # fmt: skip
def dataset(request: HttpRequest, slug: str) -> HttpResponse:
    """The dataset the planned analysis reads (``hearten.analysis.dataset``): study codes,
    never staff numbers; audited as an export."""
    from hearten.analysis.dataset import build_dataset, dataset_digest
    from hearten.spreadsheet import neutral_frame
    from hearten.trials import audit

    found, _ = caller(request, slug, "dataset")
    data = build_dataset(found.trial)
    response = HttpResponse(
        neutral_frame(data).to_csv(index=False), content_type="text/csv; charset=utf-8"
    )
    response["X-Dataset-SHA256"] = dataset_digest(data)
    response["Content-Disposition"] = f'attachment; filename="{slug}-analysis-dataset.csv"'
    response["Cache-Control"] = "no-store"
    audit.record(
        found.trial,
        "exported",
        {"what": "analysis dataset", "via": "api", "token": found.prefix, "rows": len(data),
         "sha256": response["X-Dataset-SHA256"]}, at=timezone.now(),
    )  # fmt: skip
    return response


@router.get("/trials/{slug}/codebook", response={200: CodebookOut, **DENIED},
            operation_id="codebook", summary="The analysis dataset's codebook")  # fmt: skip
def codebook(request: HttpRequest, slug: str) -> CodebookOut:
    from hearten.analysis.codebook import dataset_codebook

    found, _ = caller(request, slug, "codebook")
    return CodebookOut(
        trial=found.trial.slug,
        variables=[
            VariableOut(name=v.name, label=v.label, values=v.values)
            for v in dataset_codebook(found.trial)
        ],
    )
