"""The evaluator's survey comments: redacted, flagged, shown only for large enough groups, and
for evaluators only."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from hearten.surveys.comment_groups import comments_of
from hearten.surveys.comments import Flag
from hearten.surveys.models import Invitation
from hearten.surveys.services import record_consent, save_page
from hearten.trials.allocation import arms_by_participant
from hearten.trials.people import add_role
from tests.conftest import CLOCK, sign_in
from tests.surveys.test_items import SWEMWBS, asked  # noqa: F401  (the fixture)

#: The clock the services are given (a fixed one: nothing here depends on the day).
NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)

pytestmark = pytest.mark.django_db
PASSWORD = "a long passphrase 1"


def answer(trial: Any, arm: str, site: str, comments: list[str]) -> None:
    arms = arms_by_participant(trial)
    links = [
        i
        for i in Invitation.objects.filter(wave__trial=trial)
        .select_related("participant__site")
        .order_by("id")
        if arms[i.participant_id] == arm and i.participant.site.code == site
    ]
    for inv, comment in zip(links, comments, strict=False):
        record_consent(inv, True, now=NOW)
        save_page(inv, "swemwbs", SWEMWBS, now=NOW)
        save_page(inv, "your-views", {"valued": "3", "comment": comment}, now=NOW)


@pytest.fixture
def commented(asked: Any) -> Any:  # noqa: F811
    answer(asked, "control", "Dudley", [
        "I am being bullied by Tom Brennan and nobody does anything.",
        "Supervision keeps being cancelled.",
        "",
        "More admin support would help.",
        "Priya's team is brilliant.",
    ])  # fmt: skip
    answer(asked, "letters", "Dudley", ["I have been harassed by a colleague.", "Fine."])
    return asked


def test_the_evaluator_reads_large_groups_redacted_and_flagged(commented: Any) -> None:
    c = comments_of(commented)
    assert c.min_group == 5
    assert [(g.wave, g.arm, g.site, g.answered) for g in c.groups] == [
        ("follow-up", "control", "Dudley", 5)
    ]
    texts = [(x.text, x.flags) for x in c.groups[0].comments]
    assert texts[0] == ("I am being bullied by [name] [name] and nobody does anything.",
                        (Flag.BULLYING,))  # fmt: skip
    assert [t for t, _ in texts[1:]] == [
        "More admin support would help.",
        "Supervision keeps being cancelled.",
        "[name]'s team is brilliant.",
    ]
    # The letters arm's two answers at Dudley are too few to show: counted, flag included.
    assert (c.hidden, c.hidden_flagged, c.flagged) == (2, 1, 2)


def test_only_evaluators_open_the_comments_page(commented: Any, client: Client) -> None:
    users = get_user_model()
    evaluator = users.objects.create_user("eva", password=PASSWORD)
    commented.evaluators.add(evaluator)
    users.objects.create_user("coord", password=PASSWORD)
    add_role(commented, "coord", "coordinator", [], now=CLOCK)
    url = f"/trials/{commented.slug}/comments/"
    assert sign_in(client, "coord", PASSWORD)
    assert client.get(url).status_code == 404
    client.logout()
    assert sign_in(client, "eva", PASSWORD)
    page = client.get(url).content.decode()
    assert "I am being bullied by [name] [name]" in page
    assert "Tom" not in page
    assert "Brennan" not in page
    assert "2 comments mention self-harm, abuse or bullying (1 in groups too small" in page
    assert "harassed" not in page  # the small group's comment itself is not shown
    assert "2 comments from groups of fewer than 5 people are not shown" in page


def test_purging_the_trial_removes_the_comments_and_keeps_the_other_answers(
    commented: Any,
) -> None:
    from hearten.surveys.apps import _purge
    from hearten.surveys.models import Response

    counts = _purge(None, commented, at=CLOCK)
    assert counts["survey comments"] == 6  # seven people, one of whom left it empty
    left = Response.objects.filter(invitation__wave__trial=commented, instrument="your-views")
    assert left.count() == 7
    assert all(r.answers == {"valued": 3} for r in left)
    assert comments_of(commented).flagged == 0
