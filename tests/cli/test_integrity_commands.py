"""``hearten trial commit|randomise|withdraw|add-role|open-delivery`` and ``hearten audit``."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from hearten.trials.models import AuditEvent, Participant
from tests.conftest import append_only_lifted

pytestmark = pytest.mark.django_db


def test_commit_randomise_and_verify(hearten: Callable[..., Any], trial: Any) -> None:
    r = hearten("trial", "commit", trial.slug)
    assert r.code == 0, r.err
    assert "commitment" in r.out
    commitment = trial.__class__.objects.get(pk=trial.pk).commitment.commitment
    assert commitment in r.out
    r = hearten("trial", "randomise", trial.slug)
    assert r.code == 0, r.err
    assert "blocked-cluster" in r.out
    r = hearten("audit", "verify", trial.slug)
    assert r.code == 0, r.err
    for name in ("audit chain", "seed commitment", "allocation re-derived", "late joiners"):
        assert f"✓ {name}" in r.out
    head = hearten("audit", "head")
    assert head.code == 0
    digest = AuditEvent.objects.order_by("-id").first().digest  # type: ignore[union-attr]
    assert digest in head.out
    anchored = hearten("audit", "verify", "--anchor", digest, "--json")
    assert anchored.code == 0
    assert {c["name"] for c in json.loads(anchored.out)} == {"audit chain", "published anchor"}


def test_verify_marks_steps_that_have_not_happened_as_not_applicable(
    hearten: Callable[..., Any], trial: Any
) -> None:
    r = hearten("audit", "verify", trial.slug)
    assert r.code == 0, r.err
    assert "✓ audit chain" in r.out
    assert "– seed commitment: none" in r.out
    assert "– allocation: not randomised yet" in r.out
    assert "✓ allocation" not in r.out
    checks = json.loads(hearten("audit", "verify", trial.slug, "--json").out)
    assert {c["name"]: c["applies"] for c in checks} == {
        "audit chain": True,
        "seed commitment": False,
        "allocation": False,
    }


def test_verify_fails_loudly_after_tampering(hearten: Callable[..., Any], trial: Any) -> None:
    hearten("trial", "randomise", trial.slug, "--seed", "4")
    with append_only_lifted():
        AuditEvent.objects.filter(action="randomised").update(detail={"seed": 5})
    r = hearten("audit", "verify", trial.slug)
    assert r.code == 1
    assert "✗ audit chain" in r.out
    assert "Verification failed" in r.out


def test_randomise_without_a_seed_or_commitment_says_what_to_do(
    hearten: Callable[..., Any], trial: Any
) -> None:
    r = hearten("trial", "randomise", trial.slug)
    assert r.code == 2
    assert "commit one first with `hearten trial commit`" in r.err


def test_withdraw_roles_and_delivery(hearten: Callable[..., Any], trial: Any) -> None:
    person = Participant.objects.filter(trial=trial).first()
    assert person is not None
    r = hearten("trial", "withdraw", trial.slug, person.pseudonym, "--reason", "left-employer")
    assert r.code == 0, r.err
    assert "has withdrawn" in r.out
    bad = hearten("trial", "withdraw", trial.slug, person.pseudonym)
    assert bad.code == 2
    assert "withdrew on" in bad.err
    early = hearten("trial", "open-delivery", trial.slug)
    assert early.code == 2
    hearten("trial", "randomise", trial.slug, "--seed", "1")
    from django.contrib.auth import get_user_model

    get_user_model().objects.create_user("manager", password="a long passphrase 1")
    r = hearten(
        "trial", "add-role", trial.slug, "manager", "--role", "letter-writer", "--team", "DU-0"
    )
    assert r.code == 0, r.err
    assert "letter-writer of letters-test for DU-0" in r.out
    get_user_model().objects.create_user("dudley", password="a long passphrase 1")
    r = hearten("trial", "add-role", trial.slug, "dudley", "--role", "coordinator", "--site",
                "Dudley")  # fmt: skip
    assert r.code == 0, r.err
    assert "coordinator of letters-test for Dudley" in r.out
    r = hearten("trial", "add-role", trial.slug, "dudley", "--role", "coordinator", "--site",
                "Nowhere")  # fmt: skip
    assert r.code == 2
    assert "no site 'Nowhere'" in r.err
    r = hearten("trial", "add-role", trial.slug, "dudley", "--role", "coordinator", "--team",
                "DU-0")  # fmt: skip
    assert r.code == 2
    assert "give --site instead of --team" in r.err
    r = hearten("trial", "open-delivery", trial.slug)
    assert r.code == 0, r.err
    assert "Delivery is open" in r.out
