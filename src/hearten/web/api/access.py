"""Who may call which endpoint: the API's half of the roles matrix (the pages' half is
``hearten.web.navigation.TRIAL_PAGES``).

A request's rights are the token user's *current* role in the token's trial (``evaluator``,
``coordinator`` or ``letter-writer``, as the pages read it) intersected with the token's scope.
Endpoints follow the pages: the evaluator, who sees the trial overview, report and full data,
reads the flow, the results, the dataset and its codebook; a coordinator, who uploads rosters
and HR extracts for their own sites, imports (rows of other sites are refused by the import)
and reads the trial's status; a letter writer, who sees only the letters to write, may use
none of it, and is never given a token.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from hearten.trials.models import Trial
from hearten.web.api.models import ApiToken, Scope
from hearten.web.api.problems import ApiProblem
from hearten.web.navigation import COORDINATOR, EVALUATOR, ROLE_NAMES


def _a(noun: str) -> str:
    """``noun`` with its indefinite article ("an import token", "an evaluator")."""
    return f"{'an' if noun[:1] in 'aeiou' else 'a'} {noun}"


#: The roles that may be given a token.
API_ROLES = frozenset({EVALUATOR, COORDINATOR})


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One endpoint: its name (the OpenAPI operation id), the scope it needs (``None``: any
    token), and the roles that may call it."""

    name: str
    scope: Scope | None
    roles: frozenset[str]


#: Every endpoint and who may call it; the matrix test (tests/web/api/test_matrix.py) calls
#: each with each role and scope.
ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("token", None, frozenset({EVALUATOR, COORDINATOR})),
    Endpoint("status", Scope.READ, frozenset({EVALUATOR, COORDINATOR})),
    Endpoint("flow", Scope.READ, frozenset({EVALUATOR})),
    Endpoint("results", Scope.READ, frozenset({EVALUATOR})),
    Endpoint("dataset", Scope.READ, frozenset({EVALUATOR})),
    Endpoint("codebook", Scope.READ, frozenset({EVALUATOR})),
    Endpoint("import_roster", Scope.IMPORT, frozenset({EVALUATOR, COORDINATOR})),
    Endpoint("import_hr", Scope.IMPORT, frozenset({EVALUATOR, COORDINATOR})),
)
BY_NAME = {e.name: e for e in ENDPOINTS}


def role_in(user: AbstractBaseUser | AnonymousUser, trial: Trial) -> str | None:
    """The user's role in the trial now, as the pages read it."""
    from hearten.trials.concealment import role_of

    return role_of(user, trial)


def may_call(role: str | None, scope: str, endpoint: str) -> bool:
    """Whether a token of ``scope`` held by someone of ``role`` may call ``endpoint``."""
    e = BY_NAME[endpoint]
    return role in e.roles and (e.scope is None or e.scope == scope)


def allow(token: ApiToken, slug: str, endpoint: str) -> str:
    """The caller's role, if the token may call ``endpoint`` on trial ``slug``; otherwise an
    :class:`ApiProblem`: 404 for another trial (no hint that it exists), 403 saying why."""
    if slug != token.trial.slug:
        raise ApiProblem(404, f"no trial {slug!r} for this token (it is for {token.trial.slug})")
    role = role_in(token.user, token.trial)
    if role is None:
        raise ApiProblem(403, "the token's user no longer has a role in this trial")
    if role not in API_ROLES:
        raise ApiProblem(403, f"{_a(ROLE_NAMES.get(role, role))} may not use the API")
    e = BY_NAME[endpoint]
    if role not in e.roles:
        raise ApiProblem(
            403, f"{_a(ROLE_NAMES.get(role, role))} may not use {endpoint.replace('_', ' ')}"
        )
    if e.scope is not None and e.scope != token.scope:
        raise ApiProblem(
            403, f"this token is scoped {token.scope}; {endpoint.replace('_', ' ')} needs "
            f"{_a(e.scope)} token"
        )  # fmt: skip
    return role
