"""The evaluator's fidelity review of letters: a reproducible random sample per writer (its
seed and pool recorded), read, accepted or returned with a comment; a returned letter goes
back to its writer, who sees the comment and rewrites it; every step audited."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from hearten.errors import DataError, StateError
from hearten.interventions.letters import recipients_for, send_letter, write_letter
from hearten.interventions.models import Letter, LetterReview, Verdict
from hearten.interventions.review import choose, draw_sample, redraw, review_letter, sampled
from hearten.trials.models import AuditEvent
from hearten.trials.people import add_role, open_delivery
from tests.conftest import CLOCK, sign_in
from tests.interventions.test_letters import LINES, PASSWORD  # the fixture
from tests.interventions.test_letters import ready as ready

pytestmark = pytest.mark.django_db


def test_the_same_seed_draws_the_same_letters_whatever_order_they_come_in() -> None:
    pool = {"b": ["P-3", "P-1", "P-2", "P-4"], "a": ["P-9", "P-8"], "c": []}
    first = choose(pool, 2, seed=7)
    again = choose({"c": [], "a": ["P-8", "P-9"], "b": ["P-4", "P-2", "P-3", "P-1"]}, 2, seed=7)
    assert first == again
    assert first["a"] == ["P-8", "P-9"]  # a writer with no more than asked: every letter
    assert first["c"] == []
    assert len(first["b"]) == 2
    assert set(first["b"]) <= set(pool["b"])
    draws = {tuple(choose(pool, 2, seed=s)["b"]) for s in range(200)}
    assert len(draws) == 6  # every pair of four letters turns up: the draw is really random


@pytest.fixture
def written(ready: Any) -> Any:
    """Two writers: the manager with four ready letters, another with one."""
    open_delivery(ready, now=CLOCK)
    people = [
        r.participant
        for r in recipients_for(get_user_model().objects.get(username="manager"), ready)
    ]
    manager = get_user_model().objects.get(username="manager")
    other = get_user_model().objects.create_user("other-writer")
    for i, p in enumerate(people[:5]):
        Letter.objects.create(
            trial=ready, participant=p, writer=manager if i < 4 else other,
            lines=LINES.format(who=f"colleague {i}"), score=100, status="ready",
        )  # fmt: skip
    eve = get_user_model().objects.create_user("eve", password=PASSWORD)
    ready.evaluators.add(eve)
    ready.people = people
    return ready


def _eve() -> Any:
    return get_user_model().objects.get(username="eve")


def test_a_sample_records_its_seed_and_pool_and_draws_again_the_same(written: Any) -> None:
    sample = draw_sample(_eve(), written, 2, seed=2026, now=CLOCK)
    assert sample.seed == 2026
    assert sample.drawn_at == CLOCK  # the clock given, as its audit event
    assert sorted(sample.pool) == ["manager", "other-writer"]
    assert len(sample.pool["manager"]) == 4
    held = sampled(sample)
    assert [len(held["manager"]), len(held["other-writer"])] == [2, 1]
    assert redraw(sample) == held
    event = AuditEvent.objects.get(action="letter-sample-drawn")
    assert (event.detail["seed"], event.detail["letters"]) == (2026, 3)
    # The next sample leaves out the letters waiting for review.
    second = draw_sample(_eve(), written, 5, now=CLOCK)
    assert len(sampled(second)["manager"]) == 2
    assert not set(sampled(second)["manager"]) & set(held["manager"])
    with pytest.raises(StateError, match="no letter is waiting for review"):
        draw_sample(_eve(), written, 1, now=CLOCK)


def test_only_an_evaluator_draws_or_reviews(written: Any) -> None:
    manager = get_user_model().objects.get(username="manager")
    with pytest.raises(StateError, match="only the trial's evaluators"):
        draw_sample(manager, written, 1, now=CLOCK)
    review = draw_sample(_eve(), written, 1, seed=1, now=CLOCK).reviews.first()
    with pytest.raises(StateError, match="only the trial's evaluators"):
        review_letter(manager, review, "accepted", "", now=CLOCK)


def test_a_returned_letter_needs_a_comment_and_goes_back_to_its_writer(
    written: Any, client: Client
) -> None:
    sample = draw_sample(_eve(), written, 4, seed=3, now=CLOCK)
    review = sample.reviews.filter(letter__writer__username="manager").first()
    code = review.letter.participant.pseudonym
    send_letter(get_user_model().objects.get(username="manager"), written, code, now=CLOCK)
    with pytest.raises(DataError, match="needs a comment"):
        review_letter(_eve(), review, "returned", "  ", now=CLOCK)
    with pytest.raises(DataError, match="accept the letter or return it"):
        review_letter(_eve(), review, "pending", "", now=CLOCK)
    comment = "Say what the work was, not only that it was good."
    reviewed = review_letter(_eve(), review, "returned", comment, now=CLOCK)
    assert reviewed.reviewed_at == CLOCK  # the clock it was given, not the present
    letter = Letter.objects.get(participant__pseudonym=code)
    assert letter.status == "returned"
    assert letter.approved_at is None  # out of printing
    with pytest.raises(StateError, match="returned to its writer already"):
        review_letter(_eve(), review, "accepted", "", now=CLOCK)
    assert AuditEvent.objects.filter(action="letter-reviewed").get().detail == {
        "participant": code,
        "verdict": "returned",
    }
    # The writer sees the comment and the letter's stage, and rewrites it.
    sign_in(client, "manager", PASSWORD)
    page = client.get(f"/trials/{written.slug}/letters/{code}/").content.decode()
    assert "Returned by the evaluator" in page
    assert "Say what the work was, not only that it was good." in page
    assert "Returned to you" in client.get(f"/trials/{written.slug}/letters/").content.decode()
    rewritten = write_letter(
        get_user_model().objects.get(username="manager"),
        written,
        code,
        "In March you ran the duty desk alone for a week and still made time to show two new "
        "starters how a strategy discussion should be written up.",
        now=CLOCK,
    )
    assert rewritten.status == "ready"
    assert (
        "Returned by the evaluator"
        not in client.get(f"/trials/{written.slug}/letters/{code}/").content.decode()
    )


def test_a_posted_letter_can_be_accepted_but_not_returned(written: Any) -> None:
    sample = draw_sample(_eve(), written, 1, seed=5, now=CLOCK)
    review = sample.reviews.first()
    Letter.objects.filter(pk=review.letter_id).update(status="posted")
    review.refresh_from_db()
    with pytest.raises(StateError, match="cannot be returned"):
        review_letter(_eve(), review, "returned", "Too general.", now=CLOCK)
    review_letter(_eve(), review, "accepted", "", now=CLOCK)
    assert LetterReview.objects.get(pk=review.pk).verdict == Verdict.ACCEPTED


def test_the_evaluator_draws_reads_and_returns_in_the_web_app(written: Any, client: Client) -> None:
    sign_in(client, "eve", PASSWORD)
    url = f"/trials/{written.slug}/letter-reviews/"
    bad = client.post(url, {"per_writer": "0"}).content.decode()
    assert "Read at least 1 letter of each writer" in bad
    done = client.post(url, {"per_writer": "1"}, follow=True).content.decode()
    assert "2 letters drawn for review (seed" in done
    assert "Drawing again from the recorded seed gives the same letters." in done
    review = LetterReview.objects.filter(letter__writer__username="manager").get()
    page = client.get(f"{url}{review.pk}/").content.decode()
    assert "As it will be printed" in page
    assert "colleague" in page
    refused = client.post(f"{url}{review.pk}/", {"verdict": "returned", "comment": ""})
    assert "a returned letter needs a comment" in refused.content.decode()
    client.post(f"{url}{review.pk}/", {"verdict": "returned", "comment": "Name the moment."})
    assert Letter.objects.get(pk=review.letter_id).status == "returned"
    add_role(written, "coord", "coordinator", [], PASSWORD, now=CLOCK)
    sign_in(client, "coord", PASSWORD)
    assert client.get(url).status_code == 404
    assert client.get(f"{url}{review.pk}/").status_code == 404
