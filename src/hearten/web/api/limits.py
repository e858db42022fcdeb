"""The rate limit: at most :data:`PER_MINUTE` requests a minute for each token.

Counted on the token's own row (``window_start``, ``window_count``) with one conditional
``UPDATE``, which also stamps ``last_used_at``: the count is shared by every server process
and thread without a cache service, and two requests can never both take the last place.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from django.db.models import F

from hearten.web.api.models import ApiToken
from hearten.web.api.problems import ApiProblem

#: Requests a token may make in one minute.
PER_MINUTE = 60


def take(token: ApiToken, now: datetime) -> None:
    """Count one request of ``token`` at ``now`` (the request's clock, read once by the
    caller), or :class:`ApiProblem` 429 with ``Retry-After``."""
    moment = now
    window = moment.replace(second=0, microsecond=0)
    same = ApiToken.objects.filter(
        pk=token.pk, window_start=window, window_count__lt=PER_MINUTE
    ).update(window_count=F("window_count") + 1, last_used_at=moment)
    if same:
        return
    fresh = (
        ApiToken.objects.filter(pk=token.pk)
        .exclude(window_start=window)
        .update(window_start=window, window_count=1, last_used_at=moment)
    )
    if fresh:
        return
    wait = max(1, math.ceil((window + timedelta(minutes=1) - moment).total_seconds()))
    raise ApiProblem(
        429,
        f"more than {PER_MINUTE} requests in a minute from this token: wait {wait} s",
        headers={"Retry-After": str(wait)},
    )
