"""Sign-in hashing and throttling, and the Content-Security-Policy on every page."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from tests.conftest import CLOCK

pytestmark = pytest.mark.django_db

PASSWORD = "a long passphrase 1"


@pytest.fixture
def eve(trial: Any) -> Any:
    user = get_user_model().objects.create_user("eve", password=PASSWORD)
    trial.evaluators.add(user)
    return user


def embedded_report(page: bytes) -> bytes:
    """The stored report's part of a staff page (inside ``hearten-report``)."""
    start = page.index(b'class="hearten-report"')
    return page[start : page.index(b"</main>", start)]


def code_for(user: Any) -> str:
    """The current code of the user's authenticator app (made if they have none)."""
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    return str(TOTP(device.bin_key, device.step, device.t0, device.digits).token()).zfill(6)


def sign_in_with_code(client: Client, user: Any, password: str) -> Any:
    """Password, then code, through the pages; the page reached."""
    code_for(user)  # the app is set up
    page = client.post("/sign-in/", {"username": user.username, "password": password}, follow=True)
    assert b"Enter the code from your authenticator app" in page.content
    return client.post(page.request["PATH_INFO"] + "?next=/trials/", {"code": code_for(user)},
                       follow=True)  # fmt: skip


def test_passwords_are_hashed_with_argon2(eve: Any) -> None:
    assert eve.password.startswith("argon2$argon2id$")
    assert PASSWORD not in eve.password


def test_the_service_hashes_at_argon2s_full_cost(db: None, settings: Any) -> None:
    """The tests hash cheaply (tests/hashers.py); the service's own settings do not."""
    from hearten.web import settings as service

    settings.PASSWORD_HASHERS = service.PASSWORD_HASHERS
    user = get_user_model().objects.create_user("full-cost", password=PASSWORD)
    assert user.password.startswith("argon2$argon2id$v=19$m=102400,t=2,p=8$")
    assert user.check_password(PASSWORD)


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
    page = sign_in_with_code(Client(REMOTE_ADDR="10.0.0.9"), eve, PASSWORD)
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
    run_analysis(trial, CLOCK)
    write_report(trial, now=CLOCK)
    sign_in(client, "eve", PASSWORD)
    page = client.get(f"/trials/{trial.slug}/report/")
    assert page.status_code == 200
    policy = _policy(page)
    assert "'unsafe-inline'" in policy["style-src"]
    assert policy["script-src"] == "script-src 'self'"
    # The staff layout loads its own modules from /static/; the stored report adds no script.
    scripts = re.findall(rb"<script[^>]*>", page.content)
    assert scripts, "the staff layout's modules are missing"
    assert all(b'src="/static/' in tag for tag in scripts), scripts
    assert b"<script" not in embedded_report(page.content)


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
    page = sign_in_with_code(client, eve, "another long passphrase 2")
    assert b"Recognition letters (test)" in page.content
    assert hearten("user", "password", "nobody", "--new", "x").code == 2


def test_an_evaluator_needs_the_code_for_every_staff_page(client: Client, eve: Any) -> None:
    client.post("/sign-in/", {"username": "eve", "password": PASSWORD})
    for url in ("/trials/", "/trials/letters-test/", "/trials/letters-test/responses/"):
        page = client.get(url)
        assert page.status_code == 302, url
        assert page["Location"].startswith("/sign-in/code/?next="), url
    page = client.get("/sign-in/code/")
    assert page.status_code == 403  # no app yet
    assert b"hearten user 2fa eve" in page.content
    code_for(eve)
    page = client.post("/sign-in/code/", {"code": "12345"})
    assert b"Enter the six digits" in page.content
    wrong = "000000" if code_for(eve) != "000000" else "111111"
    page = client.post("/sign-in/code/", {"code": wrong})
    assert b"That code is not right" in page.content
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.get(user=eve).throttle_reset()  # as waiting out the delay would
    page = client.post("/sign-in/code/?next=/trials/letters-test/", {"code": code_for(eve)})
    assert page["Location"] == "/trials/letters-test/"
    assert client.get("/trials/letters-test/").status_code == 200


def test_the_code_page_never_redirects_off_site(client: Client, eve: Any) -> None:
    client.post("/sign-in/", {"username": "eve", "password": PASSWORD})
    page = client.post("/sign-in/code/?next=https://evil.example/", {"code": code_for(eve)})
    assert page["Location"] == "/trials/"


def test_delivery_staff_sign_in_with_a_password_alone(client: Client, trial: Any) -> None:
    from hearten.trials.allocation import randomise_trial
    from hearten.trials.people import add_role, open_delivery

    randomise_trial(trial, 3, now=CLOCK)
    get_user_model().objects.create_user("coord", password=PASSWORD)
    add_role(trial, "coord", "coordinator", [], now=CLOCK)
    open_delivery(trial, now=CLOCK)
    client.post("/sign-in/", {"username": "coord", "password": PASSWORD})
    assert client.get(f"/trials/{trial.slug}/delivery/").status_code == 200


def test_an_administrator_issues_an_authenticator_key(hearten: Any, eve: Any) -> None:
    r = hearten("user", "2fa", "eve")
    assert r.code == 0, r.err
    assert "otpauth://totp/" in r.out
    from django_otp.plugins.otp_totp.models import TOTPDevice

    first = TOTPDevice.objects.get(user=eve).key
    assert hearten("user", "2fa", "eve").code == 0
    assert TOTPDevice.objects.get(user=eve).key != first  # the old key no longer works


def test_behind_the_proxy_a_stranger_cannot_lock_a_user_out(eve: Any) -> None:
    # Every connection comes from the proxy (127.0.0.1); it names the visitor's address.
    stranger = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.5")
    for _ in range(5):
        stranger.post("/sign-in/", {"username": "eve", "password": "wrong"})
    page = stranger.post("/sign-in/", {"username": "eve", "password": PASSWORD})
    assert page.status_code == 429  # the stranger's address is locked out...
    eve_at_work = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7")
    page = sign_in_with_code(eve_at_work, eve, PASSWORD)  # ...eve's is not
    assert b"Recognition letters (test)" in page.content


def test_a_forwarded_address_from_anyone_but_the_proxy_is_not_believed(eve: Any) -> None:
    for n in range(5):
        spoofing = Client(REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
        spoofing.post("/sign-in/", {"username": "eve", "password": "wrong"})
    page = Client(REMOTE_ADDR="10.0.0.9").post(
        "/sign-in/", {"username": "eve", "password": PASSWORD}
    )
    assert page.status_code == 429


def test_new_passwords_are_not_guessable_all_digits_nor_like_the_username() -> None:
    from hearten.errors import DataError
    from hearten.trials.lifecycle import ensure_user

    with pytest.raises(DataError, match="too weak"):
        ensure_user("margaret.hughes", "margaret.hughes!")
    with pytest.raises(DataError, match="entirely numeric"):
        ensure_user("sam", "830194756201846")
    for guessable in ("aaaaaaaaaaaa", "qwertyuiop12", "abcabcabcabc", "password1234"):
        with pytest.raises(DataError, match="too weak"):
            ensure_user("sam", guessable)
    assert ensure_user("sam", "plum kettle orbit 73").check_password("plum kettle orbit 73")
    assert not get_user_model().objects.filter(username="margaret.hughes").exists()
