"""What the API answers when it will not do what was asked: JSON with one clear message
(``{"error": "..."}``), plus the row-level ``problems`` of a refused import; and the
middleware that gives the same shape to the errors no endpoint made."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse


@dataclass(slots=True)
class ApiProblem(Exception):
    """An answer other than success: its HTTP status, its one-line message, any headers
    (``Retry-After``, ``WWW-Authenticate``) and, for an import, every refused row."""

    status: int
    message: str
    headers: dict[str, str] = field(default_factory=dict)
    problems: list[dict[str, Any]] | None = None

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {"error": self.message}
        if self.problems is not None:
            out["problems"] = self.problems
        return out


#: What the API says when Django or the router, not an endpoint, answers with an error page.
PLAIN = {
    404: "not found: the API's paths are listed at /api/v1/openapi.json",
    405: "that method is not allowed here: the Allow header lists those that are",
    500: "something went wrong on the server (it is logged): try again later, or tell the "
    "site's administrator",
}


class JsonErrors:
    """Every error under ``/api/`` as JSON with one message, including those no endpoint
    made: a path that does not exist (Django's "not found" page), a method the path does not
    take (the router's plain 405) and a server error (Django's 500 page)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            request.path.startswith("/api/")
            and response.status_code >= 400
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            status = response.status_code
            message = PLAIN.get(status) or PLAIN[500 if status >= 500 else 404]
            replaced = JsonResponse({"error": message}, status=status)
            if response.has_header("Allow"):
                replaced["Allow"] = response["Allow"]
            replaced["Cache-Control"] = "no-store"
            return replaced
        return response
