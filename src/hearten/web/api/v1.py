"""Version 1 of the HTTP API, at ``/api/v1/`` (django-ninja; its OpenAPI description at
``/api/v1/openapi.json``). Reads live in :mod:`hearten.web.api.reads`, imports in
:mod:`hearten.web.api.imports`.

Authentication is a token in the ``Authorization: Bearer`` header and nothing else: a signed-in
browser session is *not* accepted (its cookie is ignored), so no request is made on a user's
behalf by another site and CSRF does not arise; the staff pages keep their CSRF checks. Every
error is JSON with one message, ``{"error": "..."}`` (a refused import adds ``problems``).
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer

from hearten.errors import HeartenError
from hearten.web.api import imports, limits, reads
from hearten.web.api.models import ApiToken
from hearten.web.api.problems import ApiProblem
from hearten.web.api.tokens import Refused, check_token

CHALLENGE = {"WWW-Authenticate": 'Bearer realm="hearten"'}


class TokenAuth(HttpBearer):
    """``Authorization: Bearer hrt_...``: the token checked (:func:`~tokens.check_token`) and
    its request counted against the rate limit (:mod:`~hearten.web.api.limits`)."""

    def __call__(self, request: HttpRequest) -> ApiToken | None:
        scheme, _, value = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise ApiProblem(
                401,
                "send an API token as 'Authorization: Bearer hrt_...' (a signed-in browser "
                "session is not accepted by the API)",
                headers=CHALLENGE,
            )
        return self.authenticate(request, value)

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        now = timezone.now()  # the request is the edge: the one reading of the clock
        try:
            found = check_token(token, now)
        except Refused as exc:
            raise ApiProblem(401, str(exc), headers=CHALLENGE) from None
        request.hearten_api_token = found  # type: ignore[attr-defined]  # read by usage
        limits.take(found, now)
        return found


api = NinjaAPI(
    title="Hearten API",
    version="1",
    description=(
        "Read a trial's status, participant flow, results, analysis dataset and codebook; "
        "import rosters and HR extracts. Authenticate with a token made on the trial's "
        "'API tokens' page: `Authorization: Bearer hrt_...`."
    ),
    urls_namespace="api-v1",
    auth=TokenAuth(),
    docs_url=None,
)


def _answer(problem: ApiProblem) -> JsonResponse:
    response = JsonResponse(problem.body(), status=problem.status)
    for name, value in problem.headers.items():
        response[name] = value
    response["Cache-Control"] = "no-store"
    return response


@api.exception_handler(ApiProblem)
def _problem(request: HttpRequest, exc: ApiProblem) -> HttpResponse:
    return _answer(exc)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _answer(ApiProblem(401, "send an API token as 'Authorization: Bearer hrt_...'",
                              headers=CHALLENGE))  # fmt: skip


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    first: dict[str, Any] = exc.errors[0] if exc.errors else {}
    where = ".".join(str(p) for p in first.get("loc", ()))
    return _answer(ApiProblem(422, f"{where}: {first.get('msg', 'invalid')}".strip(": ")))


@api.exception_handler(HttpError)
def _http(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return _answer(ApiProblem(exc.status_code, str(exc)))


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _answer(ApiProblem(404, "not found: the API's paths are listed at /api/v1/openapi.json"))


@api.exception_handler(HeartenError)
def _hearten(request: HttpRequest, exc: HeartenError) -> HttpResponse:
    return _answer(ApiProblem(409, str(exc).splitlines()[0]))


api.add_router("", reads.router)
api.add_router("", imports.router)
