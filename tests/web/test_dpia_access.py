"""The DPIA summary says how staff reach the data (issue 26): council sign-in only where a
provider is configured or its records are held, the API only where the trial has tokens, each
with what is held and for how long, read from the settings and the database; the sign-in
record and the API's stored answers are deleted when their time is up."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from hearten.config import OpenIdProvider, load_settings
from hearten.errors import SettingsError
from hearten.reports.dpia import write_dpia
from hearten.web.dpia_facts import access_of

pytestmark = pytest.mark.django_db
ISSUER = "https://login.example.org/council-tenant/v2.0"


def _summary(trial: Any) -> str:
    md, _pdf = write_dpia(trial, access_of(trial, timezone.now()))
    return md.read_text()


def test_without_a_provider_or_tokens_the_summary_names_neither(
    trial: Any, settings: Any, hearten_home: Path
) -> None:
    settings.HEARTEN = dataclasses.replace(settings.HEARTEN, oidc=None)
    text = _summary(trial)
    assert "Staff sign in with passwords hashed by Argon2id" in text
    assert "8 hours after sign-in (or its last change)" in text
    assert "council account" not in text
    assert "API" not in text
    assert "Idempotency-Key" not in text


def test_council_sign_in_and_api_use_are_stated_with_what_is_held_and_for_how_long(
    trial: Any, settings: Any, hearten_home: Path
) -> None:
    from hearten.web.api.models import IdempotentImport
    from hearten.web.api.tokens import create_token, revoke_token
    from hearten.web.models import CouncilIdentity, CouncilSignIn, SignInOutcome

    settings.HEARTEN = dataclasses.replace(
        settings.HEARTEN,
        oidc=OpenIdProvider(ISSUER, "hearten", "not-a-real-secret"),
        sign_in_record_days=90,
    )
    settings.SESSION_COOKIE_AGE = 4 * 60 * 60
    person = get_user_model().objects.create_user("evaluator", email="e@example.org")
    trial.evaluators.add(person)
    CouncilIdentity.objects.create(user=person, issuer=ISSUER, subject="abc-123")
    CouncilSignIn.objects.create(outcome=SignInOutcome.SIGNED_IN, user=person)
    CouncilSignIn.objects.create(outcome=SignInOutcome.NO_ACCOUNT, reason="no account")
    now = timezone.now()  # the API (the edge) checks the tokens on the real clock
    used = create_token(trial, "evaluator", "read", now=now)
    create_token(trial, "evaluator", "import", now=now - timedelta(days=100))
    gone = create_token(trial, "evaluator", "read", now=now)
    off = get_user_model().objects.create_user("switched-off")
    trial.evaluators.add(off)
    create_token(trial, "switched-off", "read", now=now)
    off.is_active = False
    off.save()
    revoke_token(trial, gone.token.prefix, by="evaluator", now=now)
    answer = Client(HTTP_AUTHORIZATION=f"Bearer {used.secret}").get(f"/api/v1/trials/{trial.slug}")
    assert answer.status_code == 200
    IdempotentImport.objects.create(
        token=used.token, key="k1", request_sha256="0" * 64, status=422, answer={}
    )
    text = _summary(trial)
    for needle in (
        f"council's OpenID Connect provider ({ISSUER})",
        "issuer and its subject identifier",
        "1 account(s) linked",
        "(2 held; no e-mail address or name)",
        "deletes each record after 90 days (`HEARTEN_SIGN_IN_RECORD_DAYS`)",
        "ID token",
        "once expired (4 hours after sign-in or its last change)",
        "**API tokens** (1 active, 1 expired, 1 revoked, 1 of a switched-off account)",
        "only the SHA-256 of the secret is stored",
        "at most 365",
        "`api-request`",
        "status; 1 so far",
        "(0 through the API so far)",
        "keeps its first answer for 24 hours",
        "can hold a staff number (1 held now)",
    ):
        assert needle in text, needle


def test_records_left_from_a_provider_no_longer_configured_are_still_stated(
    trial: Any, settings: Any, hearten_home: Path
) -> None:
    from hearten.web.models import CouncilSignIn, SignInOutcome

    settings.HEARTEN = dataclasses.replace(settings.HEARTEN, oidc=None)
    CouncilSignIn.objects.create(outcome=SignInOutcome.PROVIDER_UNREACHABLE)
    text = _summary(trial)
    assert "an OpenID Connect provider that is no longer configured" in text
    assert "(1 held; no e-mail address or name)" in text


def test_council_sign_ins_are_deleted_after_the_retention_days(settings: Any) -> None:
    from hearten.web.accounts import prune_sign_ins
    from hearten.web.models import CouncilSignIn, SignInOutcome

    settings.HEARTEN = dataclasses.replace(settings.HEARTEN, sign_in_record_days=30)
    old = CouncilSignIn.objects.create(outcome=SignInOutcome.SIGNED_IN)
    new = CouncilSignIn.objects.create(outcome=SignInOutcome.SIGNED_IN)
    now = timezone.now()
    CouncilSignIn.objects.filter(pk=old.pk).update(at=now - timedelta(days=31))
    CouncilSignIn.objects.filter(pk=new.pk).update(at=now - timedelta(days=29))
    assert prune_sign_ins(now) == 1
    assert list(CouncilSignIn.objects.values_list("pk", flat=True)) == [new.pk]


def test_the_sign_in_record_days_must_be_a_whole_number_of_days(tmp_path: Path) -> None:
    env = {"HEARTEN_HOME": str(tmp_path)}
    assert load_settings(env).sign_in_record_days == 365
    assert load_settings({**env, "HEARTEN_SIGN_IN_RECORD_DAYS": "30"}).sign_in_record_days == 30
    for bad in ("0", "1.5", "forever", "3651"):
        with pytest.raises(SettingsError, match="HEARTEN_SIGN_IN_RECORD_DAYS must be"):
            load_settings({**env, "HEARTEN_SIGN_IN_RECORD_DAYS": bad})


def test_stored_import_answers_are_deleted_after_24_hours(trial: Any) -> None:
    from hearten.web.api.imports import forget_old_answers
    from hearten.web.api.models import IdempotentImport
    from hearten.web.api.tokens import create_token

    get_user_model().objects.create_user("evaluator")
    trial.evaluators.add(get_user_model().objects.get(username="evaluator"))
    token = create_token(trial, "evaluator", "import", now=timezone.now()).token
    old, _new = (
        IdempotentImport.objects.create(
            token=token, key=k, request_sha256="0" * 64, status=200, answer={}
        )
        for k in ("old", "new")
    )
    now = timezone.now()
    IdempotentImport.objects.filter(pk=old.pk).update(created_at=now - timedelta(hours=25))
    assert forget_old_answers(now) == 1
    assert list(IdempotentImport.objects.values_list("key", flat=True)) == ["new"]


def test_the_worker_deletes_old_sign_in_records_and_import_answers(
    trial: Any, settings: Any, hearten: Any, worker_in_test: None
) -> None:
    """The retention is applied by ``hearten worker``, not only by a function nobody calls."""
    from hearten.web.api.models import IdempotentImport
    from hearten.web.api.tokens import create_token
    from hearten.web.models import CouncilSignIn, SignInOutcome

    settings.HEARTEN = dataclasses.replace(settings.HEARTEN, sign_in_record_days=7)
    trial.evaluators.add(get_user_model().objects.create_user("evaluator"))
    token = create_token(trial, "evaluator", "import", now=timezone.now()).token
    now = timezone.now()
    for days in (8, 6):
        row = CouncilSignIn.objects.create(outcome=SignInOutcome.SIGNED_IN)
        CouncilSignIn.objects.filter(pk=row.pk).update(at=now - timedelta(days=days))
    for hours in (30, 2):
        answer = IdempotentImport.objects.create(
            token=token, key=f"k{hours}", request_sha256="0" * 64, status=200, answer={}
        )
        IdempotentImport.objects.filter(pk=answer.pk).update(
            created_at=now - timedelta(hours=hours)
        )
    done = hearten("worker", "--once")
    assert done.code == 0, done.err
    assert "1 council sign-in record(s) past their retention deleted." in done.out
    assert "1 API import answer(s) older than 24 hours deleted." in done.out
    assert CouncilSignIn.objects.count() == 1
    assert list(IdempotentImport.objects.values_list("key", flat=True)) == ["k2"]
