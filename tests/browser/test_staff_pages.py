"""Every staff page, for each role, in a real browser: axe-core finds no violations, nothing
is wider than a 320-pixel phone, and every page has the staff layout's header and way back."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.browser.conftest import axe_violations
from tests.conftest import sign_in
from tests.web.test_access_matrix import ALLOWED, DOWNLOADS, PASSWORD, _url
from tests.web.test_access_matrix import world as world

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("audit_flushable"),
]
NARROW = {"width": 320, "height": 640}


def signed_in_page(browser: Any, base: str, username: str, viewport: dict[str, int]) -> Any:
    """A browser page signed in as ``username`` (the session made by Django's test client)."""
    client = Client()
    assert sign_in(client, username, PASSWORD)
    context = browser.new_context(viewport=viewport)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base}]
    )
    return context.new_page()


def check(page: Any, where: str) -> None:
    assert axe_violations(page) == [], where
    width = page.evaluate("document.documentElement.scrollWidth")
    wide = page.evaluate(
        "w => [...document.querySelectorAll('body *')]"
        ".filter(e => e.getBoundingClientRect().right > w && !e.parentElement.closest('table'))"
        ".map(e => e.tagName + '.' + e.className + ': ' + e.textContent.slice(0, 60))"
        ".slice(0, 3)",
        page.viewport_size["width"],
    )
    assert width <= page.viewport_size["width"], f"{where} is {width} px wide: {wide}"


@pytest.mark.parametrize("role", ["evaluator", "coordinator", "letter-writer"])
def test_every_staff_page_of_each_role_passes_axe_on_a_small_phone(
    role: str, world: dict[str, Any], live_server: Any, browser: Any
) -> None:
    base = live_server.url
    page = signed_in_page(browser, base, role, NARROW)
    page.goto(f"{base}/trials/")
    check(page, f"{role}: dashboard")
    for name in sorted(ALLOWED[role] - DOWNLOADS):
        page.goto(base + _url(name, world["trial"].slug, world))
        assert page.locator(".govuk-back-link").count() == 1, name
        page.get_by_role("button", name="Sign out").wait_for()
        check(page, f"{role}: {name}")
    page.goto(f"{base}/trials/no-such-trial/")
    assert page.get_by_role("heading", name="Page not found").is_visible()
    check(page, f"{role}: not found")
    page.context.close()
