"""Behind an HTTPS proxy, both servers `hearten serve` runs (waitress with one process,
gunicorn with several) see HTTPS: HSTS is sent and a form posted with the proxy's headers passes
Django's CSRF origin check. Headers from anyone but the trusted proxy are not believed."""

from __future__ import annotations

import http.client
import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.test_demo import hearten_command
from tests.conftest import free_port
from tests.web.test_soak import _database

HOST = "trial.example.test"
# On PostgreSQL too: there `hearten serve` runs gunicorn.
pytestmark = [pytest.mark.database, pytest.mark.long]


@pytest.fixture
def database(tmp_path: Path) -> Iterator[tuple[dict[str, str], int]]:
    """SQLite with waitress; with DATABASE_URL set, PostgreSQL with two gunicorn workers."""
    for env, workers in _database(tmp_path):
        yield env, min(workers, 2)


def _start(env: dict[str, str], workers: int, log: Path) -> tuple[subprocess.Popen[str], int]:
    port = free_port()
    server = subprocess.Popen(
        [*hearten_command(), "serve", "--port", str(port), "--workers", str(workers)],
        env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 90
    while True:
        try:
            _request(port, "GET", "/healthz", {})
            return server, port
        except OSError:
            assert server.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "hearten serve did not start in 90 s"
            time.sleep(0.3)


def _request(
    port: int, method: str, path: str, headers: dict[str, str], body: str = ""
) -> tuple[http.client.HTTPResponse, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    connection.request(method, path, body=body.encode(), headers=headers)
    response = connection.getresponse()
    return response, response.read().decode()


def _sign_in_attempt(port: int, proxy: dict[str, str]) -> tuple[http.client.HTTPResponse, int]:
    """GET the sign-in page and post a wrong password back, as a browser behind the proxy."""
    page, form = _request(port, "GET", "/sign-in/", {"Host": HOST, **proxy})
    assert page.status == 200
    cookie = re.search(r"csrftoken=([^;]+)", page.headers["Set-Cookie"])
    hidden = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)
    assert cookie is not None
    assert hidden is not None
    posted, _ = _request(port, "POST", "/sign-in/", {
        "Host": HOST, **proxy, "Origin": f"https://{HOST}", "Referer": f"https://{HOST}/sign-in/",
        "Cookie": f"csrftoken={cookie.group(1)}",
        "Content-Type": "application/x-www-form-urlencoded"},
        f"csrfmiddlewaretoken={hidden.group(1)}&username=eve&password=wrong-password")  # fmt: skip
    return page, posted.status


def _https_env(env: dict[str, str]) -> dict[str, str]:
    return {**env, "HEARTEN_BASE_URL": f"https://{HOST}", "HEARTEN_ALLOWED_HOSTS": HOST}


def test_the_server_behind_an_https_proxy_sends_hsts_and_accepts_posts(
    database: tuple[dict[str, str], int], tmp_path: Path
) -> None:
    env, workers = database
    env = _https_env(env)
    subprocess.run([*hearten_command(), "db", "upgrade"], env=env, check=True,
                   capture_output=True, timeout=300)  # fmt: skip
    server, port = _start(env, workers, tmp_path / "serve.log")
    try:
        page, status = _sign_in_attempt(port, {"X-Forwarded-Proto": "https",
                                                "X-Forwarded-For": "203.0.113.5"})  # fmt: skip
        assert page.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
        assert "Secure" in page.headers["Set-Cookie"]
        assert status == 200, (tmp_path / "serve.log").read_text()  # the form, not a 403
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_the_proxy_headers_of_anyone_else_are_not_believed(
    database: tuple[dict[str, str], int], tmp_path: Path
) -> None:
    env, workers = database
    env = {**_https_env(env), "HEARTEN_TRUSTED_PROXY": "192.0.2.1"}  # not this connection
    subprocess.run([*hearten_command(), "db", "upgrade"], env=env, check=True,
                   capture_output=True, timeout=300)  # fmt: skip
    server, port = _start(env, workers, tmp_path / "serve.log")
    try:
        page, _ = _request(port, "GET", "/sign-in/", {"Host": HOST, "X-Forwarded-Proto": "https"})
        assert page.status == 200
        assert "Strict-Transport-Security" not in page.headers
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_serve_refuses_to_run_with_debug_on(tmp_path: Path) -> None:
    for env, _ in _database(tmp_path):
        done = subprocess.run([*hearten_command(), "serve", "--port", str(free_port())],
                              env={**env, "HEARTEN_DEBUG": "1"}, capture_output=True, text=True,
                              timeout=120)  # fmt: skip
        assert done.returncode == 2
        assert "will not run with HEARTEN_DEBUG=1" in done.stderr
        assert "Traceback" not in done.stderr
