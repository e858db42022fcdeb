"""Hearten's one typed settings object, read from the environment once.

Nothing here changes a statistical result: statistical choices live in each trial's stored
analysis plan.

- ``HEARTEN_HOME``: where the SQLite database, reports and exports are kept
  (default ``~/.hearten``).
- ``DATABASE_URL``: a PostgreSQL URL, used instead of the SQLite file (default unset).
- ``HEARTEN_SECRET_KEY``: Django's secret key; otherwise one is made in ``HEARTEN_HOME``.
- ``HEARTEN_BASE_URL``: the public address participants' links start with
  (default ``http://127.0.0.1:8000``).
- ``HEARTEN_DEBUG``: ``1`` for Django's debug pages, never in production (default ``0``).
- ``HEARTEN_ALLOWED_HOSTS``: comma-separated host names the web app answers to
  (default ``localhost,127.0.0.1,[::1]``).
- ``HEARTEN_TRUSTED_PROXY``: the address of the HTTPS proxy in front of ``hearten serve``,
  whose ``X-Forwarded-Proto`` and ``X-Forwarded-For`` headers are believed (default
  ``127.0.0.1``; ``none`` believes no proxy).
- ``HEARTEN_SMTP_HOST``, ``HEARTEN_SMTP_PORT`` (default ``localhost``, ``25``),
  ``HEARTEN_SMTP_USER``, ``HEARTEN_SMTP_PASSWORD``: the mail server survey e-mails go to.
- ``HEARTEN_SMTP_SECURITY``: ``starttls``, ``ssl`` or ``none`` (default ``none``; use
  ``starttls`` or ``ssl`` with any server off this machine).
- ``HEARTEN_MAIL_FROM``: the sender (default ``Hearten <hearten@localhost>``).
- ``HEARTEN_MAIL_RETRY_HOURS``: how long an e-mail that could not reach the mail server is
  tried again, with waits that double from one minute up to an hour, before it is marked
  failed (default ``48``); a failed e-mail is sent again when the server answers again, or by
  ``hearten worker --retry-failed``.
- ``HEARTEN_OIDC_ISSUER``, ``HEARTEN_OIDC_CLIENT_ID``, ``HEARTEN_OIDC_CLIENT_SECRET``: the
  council's OpenID Connect provider (Microsoft Entra ID or any standard provider) and
  Hearten's registration with it; staff may then sign in with their council account (all three
  or none; default none: local passwords only). The issuer is ``https://`` (``http://`` only on
  the loopback address, 127.0.0.1, ::1 or localhost, for tests and local trials).
- ``HEARTEN_OIDC_EMAIL_VERIFIED_CLAIM``: the claim that says the e-mail address is verified
  (default ``email_verified``; Entra ID sends ``xms_edov`` when asked for it).
- ``HEARTEN_OIDC_MFA_CLAIM``, ``HEARTEN_OIDC_MFA_VALUES``: the claim, and its comma-separated
  values, that say the provider asked for a second factor (default ``amr`` and ``mfa``, as
  RFC 8176); evaluators and administrators whose sign-in lacks it enter Hearten's own code.
- ``HEARTEN_SIGN_IN_RECORD_DAYS``: how many days the record of council sign-ins (when, the
  outcome, the account) is kept before ``hearten worker`` deletes it (default ``365``; 1 to
  3650).
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from hearten.errors import SettingsError
from hearten.files import FOLDER_MODE, private_folder


@dataclass(frozen=True, slots=True)
class OpenIdProvider:
    """The council's OpenID Connect provider and Hearten's registration with it.

    ``mfa_values``: any one of them in the ``mfa_claim`` claim (a string or a list) means the
    provider asked for a second factor at this sign-in.
    """

    issuer: str
    client_id: str
    client_secret: str
    email_verified_claim: str = "email_verified"
    mfa_claim: str = "amr"
    mfa_values: tuple[str, ...] = ("mfa",)

    @property
    def discovery_url(self) -> str:
        """The provider's discovery document (OpenID Connect Discovery 1.0, section 4)."""
        return self.issuer.rstrip("/") + "/.well-known/openid-configuration"


@dataclass(frozen=True, slots=True)
class Settings:
    """The environment, parsed. See the module docstring for each variable."""

    home: Path
    database_url: str | None
    secret_key: str
    base_url: str
    debug: bool
    allowed_hosts: tuple[str, ...]
    trusted_proxy: str | None = "127.0.0.1"
    smtp_host: str = "localhost"
    smtp_port: int = 25
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_security: str = "none"
    mail_from: str = "Hearten <hearten@localhost>"
    mail_retry_hours: float = 48.0
    oidc: OpenIdProvider | None = None
    sign_in_record_days: int = 365

    @property
    def base_origin(self) -> str:
        """The scheme, host and port of ``base_url`` (what a browser sends as ``Origin``)."""
        parts = urlsplit(self.base_url)
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def sqlite_path(self) -> Path:
        return self.home / "hearten.sqlite3"

    @property
    def reports_dir(self) -> Path:
        return self.home / "reports"

    @property
    def static_root(self) -> Path:
        return self.home / "static"


def load_settings(environ: os._Environ[str] | dict[str, str] | None = None) -> Settings:
    """Read the settings from ``environ`` (default: the process environment)."""
    env = os.environ if environ is None else environ
    home = Path(env.get("HEARTEN_HOME") or Path.home() / ".hearten").expanduser().resolve()
    private_folder(home)
    if home.stat().st_uid == os.getuid():
        os.chmod(home, FOLDER_MODE)  # Hearten's own folder: the database, exports, backups
    return Settings(
        home=home,
        database_url=env.get("DATABASE_URL") or None,
        secret_key=env.get("HEARTEN_SECRET_KEY") or _stored_secret(home),
        base_url=(env.get("HEARTEN_BASE_URL") or "http://127.0.0.1:8000").rstrip("/"),
        debug=env.get("HEARTEN_DEBUG", "0") == "1",
        allowed_hosts=tuple(
            h.strip()
            for h in env.get("HEARTEN_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",")
            if h.strip()
        ),
        trusted_proxy=_proxy(env.get("HEARTEN_TRUSTED_PROXY", "127.0.0.1")),
        smtp_host=env.get("HEARTEN_SMTP_HOST", "localhost"),
        smtp_port=_port(env.get("HEARTEN_SMTP_PORT", "25")),
        smtp_user=env.get("HEARTEN_SMTP_USER", ""),
        smtp_password=env.get("HEARTEN_SMTP_PASSWORD", ""),
        smtp_security=_security(env.get("HEARTEN_SMTP_SECURITY", "none")),
        mail_from=env.get("HEARTEN_MAIL_FROM", "Hearten <hearten@localhost>"),
        mail_retry_hours=_hours(env.get("HEARTEN_MAIL_RETRY_HOURS", "48")),
        oidc=_openid_provider(env),
        sign_in_record_days=_record_days(env.get("HEARTEN_SIGN_IN_RECORD_DAYS", "365")),
    )


_OIDC_REQUIRED = ("HEARTEN_OIDC_ISSUER", "HEARTEN_OIDC_CLIENT_ID", "HEARTEN_OIDC_CLIENT_SECRET")


def _openid_provider(env: Mapping[str, str]) -> OpenIdProvider | None:
    """The provider from ``HEARTEN_OIDC_*``, or None when none is configured."""
    given = {name: env.get(name, "").strip() for name in _OIDC_REQUIRED}
    if not any(given.values()):
        return None
    missing = [name for name, value in given.items() if not value]
    if missing:
        raise SettingsError(
            f"{', '.join(missing)} must be set too: sign-in with a council account needs "
            "the issuer, the client id and the client secret (or none of them)"
        )
    issuer = given["HEARTEN_OIDC_ISSUER"]
    parts = urlsplit(issuer)
    loopback = parts.hostname in ("127.0.0.1", "localhost", "::1")
    if not parts.hostname or not (parts.scheme == "https" or (parts.scheme == "http" and loopback)):
        raise SettingsError(
            "HEARTEN_OIDC_ISSUER must be the provider's https:// address (as its discovery "
            f"document gives it), not {issuer!r}"
        )
    values = tuple(
        v.strip() for v in env.get("HEARTEN_OIDC_MFA_VALUES", "mfa").split(",") if v.strip()
    )
    if not values:
        raise SettingsError("HEARTEN_OIDC_MFA_VALUES must name at least one value, such as mfa")
    return OpenIdProvider(
        issuer=issuer,
        client_id=given["HEARTEN_OIDC_CLIENT_ID"],
        client_secret=given["HEARTEN_OIDC_CLIENT_SECRET"],
        email_verified_claim=env.get("HEARTEN_OIDC_EMAIL_VERIFIED_CLAIM", "").strip()
        or "email_verified",
        mfa_claim=env.get("HEARTEN_OIDC_MFA_CLAIM", "").strip() or "amr",
        mfa_values=values,
    )


def _port(text: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise SettingsError(
            f"HEARTEN_SMTP_PORT must be a port number from 1 to 65535, not {text!r}"
        )
    return int(text)


def _hours(text: str) -> float:
    try:
        hours = float(text)
    except ValueError:
        hours = -1.0
    if not 0 < hours <= 24 * 30:
        raise SettingsError(
            "HEARTEN_MAIL_RETRY_HOURS must be a number of hours above 0 and up to 720, "
            f"not {text!r}"
        )
    return hours


def _record_days(text: str) -> int:
    try:
        days = int(text.strip())
    except ValueError:
        days = -1
    if not 1 <= days <= 3650:
        raise SettingsError(
            "HEARTEN_SIGN_IN_RECORD_DAYS must be a whole number of days from 1 to 3650, "
            f"not {text!r}"
        )
    return days


def _proxy(text: str) -> str | None:
    text = text.strip()
    if text.lower() in ("", "none"):
        return None
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        raise SettingsError(
            f"HEARTEN_TRUSTED_PROXY must be the proxy's IP address (or none), not {text!r}"
        ) from None


def _security(text: str) -> str:
    if text not in ("starttls", "ssl", "none"):
        raise SettingsError(f"HEARTEN_SMTP_SECURITY must be starttls, ssl or none, not {text!r}")
    return text


def _stored_secret(home: Path) -> str:
    """A secret key kept in ``HEARTEN_HOME/secret_key`` (mode 600), made on first use."""
    path = home / "secret_key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(50))
    return path.read_text().strip()
