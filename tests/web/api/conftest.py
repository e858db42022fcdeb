"""A trial analysed, with a user of every role and a token of each scope for each of them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from tests.conftest import CLOCK

PASSWORD = "a long passphrase 1"
#: The people of the roles matrix (as tests/web/test_access_matrix.py).
ROLES = ("evaluator", "coordinator", "site-coordinator", "letter-writer", "other-evaluator",
         "no-role")  # fmt: skip


@dataclass
class ApiWorld:
    trial: Any
    #: (role, scope) -> the token's secret
    secrets: dict[tuple[str, str], str] = field(default_factory=dict)

    def client(self, role: str, scope: str) -> Client:
        return Client(HTTP_AUTHORIZATION=f"Bearer {self.secrets[role, scope]}")


def raw_token(user: Any, trial: Any, scope: str, days: int = 30) -> str:
    """A token row made directly, as one made while the user had a role they have since
    lost (``create_token`` refuses users without an API role)."""
    import secrets as random

    from hearten.web.api.models import ApiToken
    from hearten.web.api.tokens import digest

    prefix = random.token_hex(4)
    secret = f"hrt_{prefix}_{random.token_urlsafe(32)}"
    ApiToken.objects.create(
        user=user, trial=trial, scope=scope, prefix=prefix, secret_sha256=digest(secret),
        created_by="test", expires_at=timezone.now() + timedelta(days=days),
    )  # fmt: skip
    return secret


@pytest.fixture
def api_world(trial: Any, write_roster: Any, hearten_home: Any) -> ApiWorld:
    from hearten.analysis.run import run_analysis
    from hearten.trials.people import add_role, open_delivery
    from hearten.web.api.tokens import create_token
    from tests.analysis.test_plan import _ready
    from tests.reports.test_preregistration_and_programme import _second

    _ready(trial)
    run_analysis(trial, CLOCK)
    other = _second(trial, write_roster)
    users = get_user_model()
    for name in ROLES:
        users.objects.create_user(name, password=PASSWORD)
    trial.evaluators.add(users.objects.get(username="evaluator"))
    other.evaluators.add(users.objects.get(username="other-evaluator"))
    add_role(trial, "coordinator", "coordinator", [], now=CLOCK)
    add_role(trial, "site-coordinator", "coordinator", [], sites=["Dudley"], now=CLOCK)
    team = trial.teams.order_by("code").first().code
    add_role(trial, "letter-writer", "letter-writer", [team], now=CLOCK)
    open_delivery(trial, now=CLOCK)
    world = ApiWorld(trial)
    for role in ROLES:
        for scope in ("read", "import"):
            if role in ("evaluator", "coordinator", "site-coordinator"):
                world.secrets[role, scope] = create_token(
                    trial, role, scope, now=timezone.now()
                ).secret
            else:
                user = users.objects.get(username=role)
                world.secrets[role, scope] = raw_token(user, trial, scope)
    return world
