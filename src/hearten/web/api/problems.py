"""What the API answers when it will not do what was asked: JSON with one clear message
(``{"error": "..."}``), plus the row-level ``problems`` of a refused import."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


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
