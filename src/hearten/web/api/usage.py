"""Every use of an API token is written to the trial's audit log: one event per request
(``api-request``: the token's prefix, its user, the endpoint, the method and the status
answered, refusals included), appended after the answer is made. Two kinds of request are not
recorded: one without a token Hearten knows has no trial to record it against (it is refused
before it reads anything), and one turned away by the rate limit (429), which did nothing and
would otherwise let a client in a loop write to the hash-chained log, which every write of
every trial waits for, as fast as it can send.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from hearten.trials import audit

PATH = "/api/"


class AuditMiddleware:
    """Records each request made with a valid token (module docstring)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        token = getattr(request, "hearten_api_token", None)
        if token is not None and request.path.startswith(PATH) and response.status_code != 429:
            audit.record(
                token.trial,
                "api-request",
                {"token": token.prefix, "user": token.user.get_username(),
                 "endpoint": getattr(request, "hearten_api_endpoint", request.path),
                 "method": request.method, "status": response.status_code}, at=timezone.now(),
            )  # fmt: skip
        return response
