"""The interview pages: only the trial's evaluators open them, each coder sees only their own
excerpts, and the form tags selected or typed words."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from hearten.process.codebook import load_codebook
from hearten.process.coding import code_of, tag_quote
from hearten.process.models import Excerpt
from hearten.process.transcripts import upload
from tests.conftest import CLOCK, sign_in

pytestmark = pytest.mark.django_db
PASSWORD = "a long passphrase 1"
TEXT = "Interviewer: What got in the way?\nRespondent: No time at all, honestly.\n"


@pytest.fixture
def coding(named_trial: Any) -> dict[str, Any]:
    users = get_user_model()
    first = users.objects.create_user("first", password=PASSWORD)
    second = users.objects.create_user("second", password=PASSWORD)
    users.objects.create_user("outsider", password=PASSWORD)
    named_trial.evaluators.add(first, second)
    load_codebook(named_trial, "code,parent,definition\nBarriers,,\nNo time,Barriers,\n")
    t = upload(named_trial, "INT-01", TEXT, now=CLOCK)
    tag_quote(t, code_of(named_trial, "No time"), second, "honestly")
    return {"trial": named_trial, "transcript": t, "first": first, "second": second}


def _client(username: str) -> Client:
    client = Client()
    assert sign_in(client, username, PASSWORD)
    return client


def test_outsiders_get_not_found(coding: dict[str, Any]) -> None:
    client = _client("outsider")
    slug = coding["trial"].slug
    assert client.get(f"/trials/{slug}/interviews/").status_code == 404
    assert client.get(f"/trials/{slug}/interviews/INT-01/").status_code == 404
    page = client.post(f"/trials/{slug}/interviews/INT-01/", {"code": "No time", "quote": "No"})
    assert page.status_code == 404
    assert not Excerpt.objects.filter(coder__username="outsider").exists()


def test_a_coder_sees_their_own_excerpts_only(coding: dict[str, Any]) -> None:
    client = _client("first")
    page = client.get(f"/trials/{coding['trial'].slug}/interviews/INT-01/").content.decode()
    assert "Respondent: No time at all, honestly." in page
    assert "You have not tagged anything" in page
    assert "honestly</td>" not in page  # the other coder's excerpt


def test_selected_words_are_tagged_at_their_offsets(coding: dict[str, Any]) -> None:
    client = _client("first")
    start = TEXT.index("No time")
    url = f"/trials/{coding['trial'].slug}/interviews/INT-01/"
    page = client.post(url, {"code": "No time", "quote": "No time", "start": start,
                             "end": start + 7})  # fmt: skip
    assert page.status_code == 302
    excerpt = Excerpt.objects.get(coder=coding["first"])
    assert (excerpt.start, excerpt.text, excerpt.code.name) == (start, "No time", "No time")
    listing = client.get(f"/trials/{coding['trial'].slug}/interviews/").content.decode()
    assert "No time" in listing
    assert "started" in listing


def test_offsets_that_do_not_match_the_words_fall_back_to_finding_them(
    coding: dict[str, Any],
) -> None:
    client = _client("first")
    url = f"/trials/{coding['trial'].slug}/interviews/INT-01/"
    client.post(url, {"code": "Barriers", "quote": "at all", "start": 0, "end": 6})
    excerpt = Excerpt.objects.get(coder=coding["first"])
    assert excerpt.text == "at all"


def test_words_not_in_the_transcript_are_refused_with_a_message(coding: dict[str, Any]) -> None:
    client = _client("first")
    url = f"/trials/{coding['trial'].slug}/interviews/INT-01/"
    page = client.post(url, {"code": "No time", "quote": "plenty of time"})
    assert page.status_code == 400
    assert "There is a problem" in page.content.decode()
    assert "does not contain" in page.content.decode()
    assert not Excerpt.objects.filter(coder=coding["first"]).exists()


def test_finishing_stops_tagging_and_removing_until_reopened(coding: dict[str, Any]) -> None:
    client = _client("first")
    url = f"/trials/{coding['trial'].slug}/interviews/INT-01/"
    client.post(url, {"code": "No time", "quote": "No time"})
    mine = Excerpt.objects.get(coder=coding["first"])
    client.post(url, {"finish": "1"})
    refused = client.post(url, {"code": "No time", "quote": "honestly"})
    assert "marked INT-01 as finished" in refused.content.decode()
    client.post(url, {"reopen": "1"})
    client.post(url, {"remove": str(mine.id)})
    assert not Excerpt.objects.filter(coder=coding["first"]).exists()
    # another coder's excerpt cannot be removed
    theirs = Excerpt.objects.get(coder=coding["second"])
    page = client.post(url, {"remove": str(theirs.id)})
    assert page.status_code == 400
    assert Excerpt.objects.filter(pk=theirs.pk).exists()
