"""The DPIA summary's account of how staff reach Hearten: sign-in with the council's account
and the JSON API.

What the web layer holds (the provider's configuration, the council-account links, the sign-in
record, API tokens, stored import answers) is read by :func:`hearten.web.dpia_facts.access_of`
and passed in as :class:`Access`, because reports sit below the web layer. Each part is in the
summary only where the deployment uses it: council sign-in when a provider is configured or
links or sign-ins are still held from one; the API when the trial has tokens. What the audit
log holds (``api-request`` events, API downloads of the dataset) is counted here.
"""

from __future__ import annotations

from dataclasses import dataclass

from hearten.trials.models import AuditEvent, Trial


@dataclass(frozen=True, slots=True)
class CouncilSignIn:
    """Sign-in with the council's OpenID Connect provider, as this deployment holds it.

    ``issuer``: the configured provider, empty when none is configured now (links or records
    are left from one); ``linked``: accounts linked to a council account (issuer and subject
    identifier held); ``records``: council sign-ins recorded; ``record_days``: how long each
    is kept (``HEARTEN_SIGN_IN_RECORD_DAYS``)."""

    issuer: str
    linked: int
    records: int
    record_days: int


@dataclass(frozen=True, slots=True)
class ApiUse:
    """The trial's API tokens and stored import answers.

    ``active``, ``expired``, ``revoked``, ``account_off`` (its holder's account is switched
    off): tokens by state now; ``default_days``,
    ``max_days``: how long a token lasts unless told otherwise, and at most;
    ``stored_answers``: import answers held for an ``Idempotency-Key``; ``answer_hours``:
    how long each is held."""

    active: int
    expired: int
    revoked: int
    account_off: int
    default_days: int
    max_days: int
    stored_answers: int
    answer_hours: int


@dataclass(frozen=True, slots=True)
class Access:
    """How staff reach the trial's data: ``session_hours`` (a signed-in session's lifetime)
    and, where used, council sign-in and the API."""

    session_hours: float
    council: CouncilSignIn | None = None
    api: ApiUse | None = None


def sign_in_lines(access: Access) -> list[str]:
    """The "How it is protected" bullets on signing in."""
    hours = f"{access.session_hours:g}"
    lines = [
        "- Staff sign in with passwords hashed by Argon2id; five wrong passwords lock an "
        "account out from that address for 15 minutes; a session ends at sign-out or "
        f"{hours} hours after sign-in (or its last change), and `hearten worker` deletes "
        "expired sessions; pages carry a strict "
        "Content-Security-Policy; every action on the trial is in a hash-chained, "
        "append-only audit log.",
    ]
    c = access.council
    if c is not None:
        provider = (
            f"the council's OpenID Connect provider ({c.issuer})"
            if c.issuer
            else "an OpenID Connect provider that is no longer configured"
        )
        lines.append(
            f"- Staff may sign in with their council account through {provider}. Hearten "
            "keeps, for each linked account, the provider's issuer and its subject identifier "
            f"(`sub`, the provider's stable name for that person; {c.linked} account(s) "
            "linked), removed with `hearten user unlink` or when the account is deleted. "
            "Each council sign-in, allowed or refused, is recorded: when, the outcome, the "
            "technical reason for a refusal, the matched account and whether the provider "
            f"asked for a second factor ({c.records} held; no e-mail address or name). "
            f"`hearten worker` deletes each record after {c.record_days} days "
            "(`HEARTEN_SIGN_IN_RECORD_DAYS`). The provider's ID token (it names the person) "
            "is kept in the sign-in session, to end the provider's session at sign-out, and "
            "goes with the session: at sign-out, or when `hearten worker` deletes it once "
            f"expired ({hours} hours after sign-in or its last change)."
        )
    return lines


def api_lines(trial: Trial, access: Access) -> list[str]:
    """The "What is collected" bullets on the JSON API (none when the trial has no token)."""
    a = access.api
    if a is None:
        return []
    requests = AuditEvent.objects.filter(trial=trial, action="api-request").count()
    downloads = AuditEvent.objects.filter(trial=trial, action="exported", detail__via="api").count()
    return [
        f"- **API tokens** ({a.active} active, {a.expired} expired, {a.revoked} revoked, "
        f"{a.account_off} of a switched-off account): "
        "each belongs to one user and this trial, with one scope (read or import); only "
        "the SHA-256 of the secret is stored, with the token's prefix, name, maker, "
        f"creation, last use and expiry (after {a.default_days} days unless set, at most "
        f"{a.max_days}). `hearten trial token revoke` or a role taken away stops a token at once.",
        "- **API audit**: every request made with a token is recorded in the audit log "
        "(`api-request`: the token's prefix, its user, the endpoint, the method and the "
        f"status; {requests} so far). A download of the analysis dataset (one row per "
        "randomised participant: study code, arm, design variables, covariates and "
        "outcome scores; no staff number, name or e-mail) is recorded as an export "
        f"({downloads} through the API so far).",
        "- **API import answers**: an import sent with an `Idempotency-Key` keeps its "
        f"first answer for {a.answer_hours} hours, then it is deleted (at the next import or "
        "by `hearten worker`); a refusal quotes the rows it refused, which can hold a staff "
        f"number ({a.stored_answers} held now).",
    ]
