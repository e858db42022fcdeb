"""Sign-in hashing and throttling, and the Content-Security-Policy on every page."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

pytestmark = pytest.mark.django_db

PASSWORD = "a long passphrase 1"


@pytest.fixture
def eve(trial: Any) -> Any:
    user = get_user_model().objects.create_user("eve", password=PASSWORD)
    trial.evaluators.add(user)
    return user


def test_passwords_are_hashed_with_argon2(eve: Any) -> None:
    assert eve.password.startswith("argon2$argon2id$")
    assert PASSWORD not in eve.password


def test_five_wrong_passwords_lock_the_account_out_for_that_address(
    client: Client, eve: Any
) -> None:
    for _ in range(4):
        page = client.post("/sign-in/", {"username": "eve", "password": "wrong"})
        assert page.status_code == 200
        assert b"Enter a correct username and password" in page.content
    page = client.post("/sign-in/", {"username": "eve", "password": "wrong"})
    assert page.status_code == 429
    assert b"Too many sign-in attempts" in page.content
    # Locked out even with the right password, from this address...
    page = client.post("/sign-in/", {"username": "eve", "password": PASSWORD})
    assert page.status_code == 429
    # ...but not from another one.
    other = Client(REMOTE_ADDR="10.0.0.9")
    page = other.post("/sign-in/", {"username": "eve", "password": PASSWORD}, follow=True)
    assert page.status_code == 200
    assert b"Recognition letters (test)" in page.content


def test_a_correct_sign_in_resets_the_count(client: Client, eve: Any) -> None:
    for _ in range(4):
        client.post("/sign-in/", {"username": "eve", "password": "wrong"})
    client.post("/sign-in/", {"username": "eve", "password": PASSWORD})
    client.post("/sign-out/")
    page = client.post("/sign-in/", {"username": "eve", "password": "wrong"})
    assert page.status_code == 200  # counting starts again


def _policy(page: Any) -> dict[str, str]:
    header = page["Content-Security-Policy"]
    return {d.split()[0]: d.strip() for d in header.split(";") if d.strip()}


def test_every_page_forbids_inline_script_and_framing(client: Client, trial: Any) -> None:
    for url in ("/sign-in/", "/s/no-such-link/"):
        policy = _policy(client.get(url))
        assert policy["script-src"] == "script-src 'self'"
        assert policy["style-src"] == "style-src 'self'"
        assert policy["frame-ancestors"] == "frame-ancestors 'none'"
        assert policy["object-src"] == "object-src 'none'"


def test_only_the_stored_report_may_use_its_inline_stylesheet(
    client: Client, eve: Any, trial: Any, hearten_home: Any
) -> None:
    from hearten.analysis.run import run_analysis
    from hearten.reports.render import write_report
    from tests.analysis.test_plan import _ready
    from tests.conftest import sign_in

    _ready(trial)
    run_analysis(trial)
    write_report(trial)
    sign_in(client, "eve", PASSWORD)
    page = client.get(f"/trials/{trial.slug}/report/")
    assert page.status_code == 200
    policy = _policy(page)
    assert "'unsafe-inline'" in policy["style-src"]
    assert policy["script-src"] == "script-src 'self'"
    assert b"<script" not in page.content


def test_an_administrator_sets_a_password_and_lifts_a_lockout(
    client: Client, eve: Any, hearten: Any
) -> None:
    for _ in range(5):
        client.post("/sign-in/", {"username": "eve", "password": "wrong"})
    assert client.post("/sign-in/", {"username": "eve", "password": PASSWORD}).status_code == 429
    r = hearten("user", "password", "eve", "--new", "short")
    assert r.code == 2
    assert "too weak" in r.err
    r = hearten("user", "password", "eve", "--new", "another long passphrase 2")
    assert r.code == 0, r.err
    r = hearten("user", "unlock", "eve")
    assert r.code == 0, r.err
    assert "1 lockout record(s) cleared" in r.out
    page = client.post(
        "/sign-in/", {"username": "eve", "password": "another long passphrase 2"}, follow=True
    )
    assert b"Recognition letters (test)" in page.content
    assert hearten("user", "password", "nobody", "--new", "x").code == 2
