"""Coding an excerpt in a real browser: select words in the transcript, choose a code, tag."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from hearten.process.codebook import load_codebook
from hearten.process.models import Excerpt
from hearten.process.transcripts import upload
from tests.browser.conftest import axe_violations
from tests.conftest import CLOCK, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("audit_flushable"),
]
PASSWORD = "a long passphrase 1"
TEXT = (
    "Interviewer: What got in the way?\n"
    "Respondent: Honestly, there was no time in the week for anything but cases.\n"
)


def test_a_coder_selects_words_and_tags_them(trial: Any, live_server: Any, browser: Any) -> None:
    user = get_user_model().objects.create_user("coder", password=PASSWORD)
    trial.evaluators.add(user)
    load_codebook(trial, "code,parent,definition\nBarriers,,\nNo time,Barriers,No time\n")
    upload(trial, "INT-01", TEXT, now=CLOCK)
    client = Client()
    assert sign_in(client, "coder", PASSWORD)
    base = live_server.url
    context = browser.new_context(viewport={"width": 1024, "height": 800})
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base}]
    )
    page = context.new_page()
    page.set_default_timeout(90_000)  # a loaded machine serves the first page slowly
    page.goto(f"{base}/trials/{trial.slug}/interviews/")
    page.get_by_role("link", name="INT-01").click()
    assert axe_violations(page) == []
    turn = page.locator("#transcript p").nth(1)
    words = "no time in the week"
    # select the words as a mouse would (a range in the turn's text), then release the button
    turn.evaluate(
        """(p, words) => {
            const text = p.firstChild;
            const at = text.textContent.indexOf(words);
            const range = document.createRange();
            range.setStart(text, at);
            range.setEnd(text, at + words.length);
            const selection = window.getSelection();
            selection.removeAllRanges();
            selection.addRange(range);
            p.dispatchEvent(new MouseEvent("mouseup", {bubbles: true}));
        }""",
        words,
    )
    assert page.get_by_label("Words to tag").input_value() == words
    page.get_by_label("Code").select_option(label="Barriers / No time")
    page.get_by_role("button", name="Tag these words").click()
    page.get_by_role("heading", name="Your excerpts").wait_for()
    excerpt = Excerpt.objects.get(coder=user)
    assert (excerpt.code.name, excerpt.text) == ("No time", words)
    assert excerpt.start == TEXT.index(words)
    assert page.get_by_role("cell", name=words).is_visible()
    assert axe_violations(page) == []
    context.close()
