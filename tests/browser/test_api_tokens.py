"""The API tokens page in a real browser: a coordinator makes an import token, sees it once
(the page passes axe-core on a small phone), a program uses it over real HTTP, and the
coordinator revokes it on the page, after which the API refuses it."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from hearten.trials.people import add_role
from tests.browser.conftest import PHONE, axe_violations
from tests.conftest import CLOCK, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("audit_flushable"),
]
PASSWORD = "a long passphrase 1"


def test_a_coordinator_makes_uses_and_revokes_a_token(
    trial: Any, live_server: Any, browser: Any
) -> None:
    get_user_model().objects.create_user("sam", password=PASSWORD)
    add_role(trial, "sam", "coordinator", [], sites=["Dudley"], now=CLOCK)
    client = Client()
    assert sign_in(client, "sam", PASSWORD)
    base = live_server.url
    context = browser.new_context(viewport=PHONE)
    context.set_default_timeout(90_000)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base}]
    )
    page = context.new_page()
    page.goto(f"{base}/trials/{trial.slug}/api-tokens/")
    page.get_by_label("What it is for").fill("Monthly HR feed")
    page.get_by_label("import").check()
    page.get_by_role("button", name="Make a token").click()
    secret = page.locator("#secret").inner_text().strip()
    assert secret.startswith("hrt_")
    assert axe_violations(page) == []
    assert page.evaluate(f"document.documentElement.scrollWidth <= {PHONE['width']}")

    # One connection a request (no keep-alive): the live server's request threads end
    # before the test does.
    headers = {"Authorization": f"Bearer {secret}", "Connection": "close"}
    with httpx.Client(base_url=f"{base}/api/v1", headers=headers) as api:
        me = api.get("/token").json()
        assert (me["user"], me["scope"], me["role"]) == ("sam", "import", "coordinator")
        assert api.get(f"/trials/{trial.slug}").status_code == 403  # import tokens read nothing

        page.goto(f"{base}/trials/{trial.slug}/api-tokens/")
        assert secret not in page.content()  # shown once
        page.get_by_role("button", name="Revoke").click()
        page.get_by_text("is revoked: it no longer works").wait_for()
        assert axe_violations(page) == []
        refused = api.get("/token")
    assert refused.status_code == 401
    assert "revoked" in refused.json()["error"]
    context.close()
