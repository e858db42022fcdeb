"""Playwright with Debian's Chromium (Playwright's own browser download does not work here).

Set HEARTEN_CHROMIUM to use another Chromium binary. Without one the browser tests are
skipped, unless HEARTEN_REQUIRE_BROWSER=1 (as in CI), when they fail instead.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
PHONE = {"width": 360, "height": 740}  # a small phone: every page must fit it


def chromium_path() -> str | None:
    return (
        os.environ.get("HEARTEN_CHROMIUM")
        or shutil.which("chromium")
        or shutil.which("chromium-browser")
    )


@pytest.fixture(scope="session")
def browser(django_db_setup: None) -> Iterator[Any]:
    """One Chromium for the session, started after the test database exists."""
    executable = chromium_path()
    if executable is None:
        message = (
            "no Chromium found: install it (apt-get install chromium) or set "
            "HEARTEN_CHROMIUM to a Chromium binary"
        )
        if os.environ.get("HEARTEN_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
    # between browser steps are still synchronous and safe.
    with pytest.MonkeyPatch.context() as mp, sync_playwright() as p:
        mp.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        b = p.chromium.launch(
            executable_path=executable,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield b
        b.close()


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    """A page in a phone-sized, touch-screen browser context."""
    context = browser.new_context(
        viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2
    )
    # A shared two-core machine can take longer than the default 30 s to serve a first page.
    context.set_default_timeout(90_000)
    page = context.new_page()
    yield page
    context.close()


def axe_violations(page: Any, best_practice: bool = False) -> list[str]:
    """Accessibility problems axe-core finds on the page (WCAG 2.2 A and AA rules, and with
    ``best_practice`` axe's best-practice rules too, landmarks among them), each with the
    elements at fault."""
    # Evaluated through the browser's debugging protocol, which the page's
    # Content-Security-Policy does not govern: a <script> tag added to the page would be
    # refused (no inline script), as it should be.
    page.evaluate(AXE.read_text(encoding="utf-8"))
    tags = ["wcag2a", "wcag2aa", "wcag21aa", "wcag22aa"] + (
        ["best-practice"] if best_practice else []
    )
    result = page.evaluate(
        "async (tags) => (await axe.run(document, {runOnly: tags})).violations.map(v => v.id + "
        "': ' + v.help + ' at ' + v.nodes.map(n => n.target.join(' ')).join(', '))",
        tags,
    )
    return list(result)
