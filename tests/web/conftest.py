"""Fixtures of the web tests: the real OpenID Connect provider on loopback
(``tests/web/openid_provider.py``), started once per test run, and a deployment that signs
staff in through it."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest

from hearten.config import OpenIdProvider
from tests.web.openid_provider import CLIENT_ID, CLIENT_SECRET, RunningProvider, start_provider


@pytest.fixture(scope="session")
def running_provider() -> Iterator[RunningProvider]:
    from django.conf import settings

    from hearten.web.council_sign_in import CALLBACK_PATH

    provider = start_provider(settings.HEARTEN.base_url + CALLBACK_PATH)
    yield provider
    provider.stop()


@pytest.fixture
def council(running_provider: RunningProvider, settings: Any) -> OpenIdProvider:
    """This deployment signs staff in through the test provider."""
    configured = OpenIdProvider(running_provider.issuer, CLIENT_ID, CLIENT_SECRET)
    settings.HEARTEN = dataclasses.replace(settings.HEARTEN, oidc=configured)
    return configured
