"""What the web layer holds about how staff reach a trial, for the DPIA summary
(:mod:`hearten.reports.dpia_access`): read from the settings and the database each time the
summary is written, so it says what this deployment does now."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from django.conf import settings

from hearten.reports.dpia_access import Access, ApiUse, CouncilSignIn
from hearten.trials.models import Trial


def access_of(trial: Trial, now: datetime) -> Access:
    """Council sign-in when a provider is configured or links or sign-ins are held from one;
    the API when the trial has ever had a token."""
    from hearten.web.api.imports import KEEP_KEYS
    from hearten.web.api.models import ApiToken, IdempotentImport
    from hearten.web.api.tokens import ACCOUNT_OFF, DEFAULT_DAYS, MAX_DAYS, state_of
    from hearten.web.models import CouncilIdentity
    from hearten.web.models import CouncilSignIn as SignInRow

    configured = settings.HEARTEN.oidc
    linked = CouncilIdentity.objects.count()
    records = SignInRow.objects.count()
    council = (
        CouncilSignIn(
            issuer=configured.issuer if configured else "",
            linked=linked,
            records=records,
            record_days=settings.HEARTEN.sign_in_record_days,
        )
        if configured or linked or records
        else None
    )
    states = Counter(
        state_of(t, now) for t in ApiToken.objects.filter(trial=trial).select_related("user")
    )
    api = None
    if states:
        api = ApiUse(
            active=states["active"],
            expired=states["expired"],
            revoked=states["revoked"],
            account_off=states[ACCOUNT_OFF],
            default_days=DEFAULT_DAYS,
            max_days=MAX_DAYS,
            stored_answers=IdempotentImport.objects.filter(token__trial=trial).count(),
            answer_hours=int(KEEP_KEYS.total_seconds() // 3600),
        )
    return Access(session_hours=settings.SESSION_COOKIE_AGE / 3600, council=council, api=api)
