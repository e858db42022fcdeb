"""`hearten serve` runs the production server and serves its own static files."""

from __future__ import annotations

import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.cli.test_demo import fresh_env, hearten_command
from tests.conftest import free_port


def _get(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


@pytest.mark.long
def test_serve_answers_with_waitress_and_static_files(tmp_path: Path) -> None:
    env = fresh_env(tmp_path / "home")
    subprocess.run(
        [*hearten_command(), "db", "upgrade"], env=env, check=True, capture_output=True, timeout=120
    )
    port = free_port()
    log = (tmp_path / "serve.log").open("w")
    server = subprocess.Popen(
        [*hearten_command(), "serve", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, headers, body = _get(f"{base}/healthz")
                break
            except (OSError, urllib.error.URLError):
                assert server.poll() is None, (tmp_path / "serve.log").read_text()
                assert time.monotonic() < deadline, "hearten serve did not start in 60 s"
                time.sleep(0.3)
        assert status == 200
        assert body == b'{"status": "ok"}'
        assert headers["Server"] == "hearten"  # waitress, not Django's development server
        status, headers, body = _get(f"{base}/static/govuk/govuk-frontend.min.css")
        assert status == 200
        assert headers["Content-Type"].startswith("text/css")
        assert b".govuk-button" in body
        status, _, body = _get(f"{base}/s/no-such-link/")
        assert status == 404
        assert b"This link does not work" in body
        status, headers, _ = _get(f"{base}/sign-in/")
        assert status == 200
        assert headers["X-Frame-Options"] == "DENY"
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()


@pytest.mark.long
def test_several_workers_need_postgresql(tmp_path: Path) -> None:
    env = fresh_env(tmp_path / "home")
    subprocess.run(
        [*hearten_command(), "db", "upgrade"], env=env, check=True, capture_output=True, timeout=120
    )
    done = subprocess.run(
        [*hearten_command(), "serve", "--workers", "2", "--port", str(free_port())],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 2
    assert "several worker processes need PostgreSQL" in done.stderr
