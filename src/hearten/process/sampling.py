"""The interview sample: a purposive sample stratified by arm, site, uptake stage and caseload
band, drawn reproducibly from a recorded seed among the people who agreed to be contacted,
then invited, and followed to interview.

The draw: eligible people are those who consented to the trial, have not withdrawn and agreed
to be contacted for an interview. They are grouped into strata (every combination of the chosen
variables that occurs); strata are taken in sorted order and, within each, people in order of
pseudonym; one ``numpy.random.Generator`` from the seed permutes each stratum and the first
``per_stratum`` are sampled. The same seed and data give the same sample on any machine. A
trial has one draw; it is never re-drawn silently.

What the evaluator sees about strata follows the small-group rule: the number of eligible
people in a stratum of fewer than ``monitoring.min_group`` is shown as "fewer than k" (with a
partner hidden where it could be worked out from the total), as the monitoring tables do.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from django.db import transaction

from hearten import __version__
from hearten.errors import DataError, NotFound, StateError, one_of
from hearten.process.choices import MEMBER_STATUSES
from hearten.process.models import SampleDraw, SampleMember
from hearten.process.stages import DEFAULT_BANDS, describe
from hearten.stats.disclosure import Group, suppress
from hearten.trials.choices import Consent
from hearten.trials.lifecycle import design_of
from hearten.trials.models import Participant, Trial

STRATA = ("arm", "site", "stage", "caseload")


@dataclass(frozen=True, slots=True)
class Stratum:
    """One stratum as the evaluator sees it: eligible people (text, suppressed when small)
    and how many were sampled."""

    key: str
    eligible: str
    sampled: int


@dataclass(frozen=True, slots=True)
class Flow:
    """The interview sample's own flow."""

    sampled: int
    invited: int
    agreed: int
    declined: int
    interviewed: int


def _key(about: dict[str, str], strata: Sequence[str]) -> str:
    return " | ".join(f"{s}={about[s]}" for s in strata)


def contactable_of(trial: Trial) -> list[str]:
    """Pseudonyms of the people whose standing answer to the consent statement "I agree to be
    contacted about a short interview" is yes (``trials.consent``)."""
    from hearten.trials.consent import consented_to_interview

    return list(consented_to_interview(trial).values_list("pseudonym", flat=True))


def eligible(trial: Trial, contactable: Collection[str]) -> list[Participant]:
    """People who may be sampled: consented, not withdrawn, and among ``contactable`` (the
    pseudonyms of those who agreed to be contacted for an interview)."""
    return list(
        Participant.objects.filter(
            trial=trial,
            consent=Consent.CONSENTED,
            withdrawn_at__isnull=True,
            pseudonym__in=list(contactable),
        )
        .select_related("site")
        .order_by("pseudonym")
    )


@transaction.atomic
def draw_sample(
    trial: Trial,
    contactable: Collection[str] | None,
    per_stratum: int,
    seed: int,
    strata: Sequence[str] = STRATA,
    *,
    now: datetime,
) -> SampleDraw:
    """Draw the trial's interview sample (module docstring). ``contactable`` is ``None`` to
    take those who agreed to be contacted on the consent page, or a list of pseudonyms
    (agreement recorded elsewhere, e.g. on paper)."""
    if contactable is None:
        contactable = contactable_of(trial)
    for s in strata:
        one_of(s, STRATA, "stratifying variable")
    if not strata:
        raise DataError(f"choose at least one stratifying variable: {', '.join(STRATA)}")
    if per_stratum < 1:
        raise DataError("sample at least one person per stratum")
    existing = SampleDraw.objects.filter(trial=trial).first()
    if existing is not None:
        raise StateError(
            f"{trial.slug} already has an interview sample (seed {existing.seed}, "
            f"{existing.created_at:%Y-%m-%d}); a sample is drawn once"
        )
    unknown = set(contactable) - set(
        Participant.objects.filter(trial=trial).values_list("pseudonym", flat=True)
    )
    if unknown:
        raise NotFound(
            f"not participants of {trial.slug}: {', '.join(sorted(unknown)[:5])}: check the list"
        )
    people = eligible(trial, contactable)
    if not people:
        raise DataError(
            "nobody who consented and has not withdrawn agreed to be contacted for an "
            "interview: there is no one to sample"
        )
    about = describe(trial, people)
    groups: dict[str, list[Participant]] = defaultdict(list)
    for p in people:
        groups[_key(about[p.id], strata)].append(p)
    rng = np.random.default_rng(seed)
    draw = SampleDraw.objects.create(
        trial=trial,
        seed=seed,
        per_stratum=per_stratum,
        strata=",".join(strata),
        bands=",".join(str(b) for b in DEFAULT_BANDS),
        eligible=len(people),
        sizes={key: len(group) for key, group in sorted(groups.items())},
        software_version=__version__,
        created_at=now,
    )
    members = []
    for key in sorted(groups):
        ordered = sorted(groups[key], key=lambda p: p.pseudonym)
        for i in rng.permutation(len(ordered))[:per_stratum]:
            members.append(SampleMember(draw=draw, participant=ordered[i], stratum=key))
    SampleMember.objects.bulk_create(members)
    from hearten.trials import audit

    audit.record(trial, "ipe-sample-drawn", {"seed": seed, "sampled": len(members)}, at=now)
    return draw


def draw_of(trial: Trial) -> SampleDraw:
    """The trial's interview sample draw."""
    found = SampleDraw.objects.filter(trial=trial).first()
    if found is None:
        raise NotFound(f"{trial.slug} has no interview sample: draw one with hearten ipe sample")
    return found


def strata_table(draw: SampleDraw) -> list[Stratum]:
    """Each stratum's eligible people at the draw (suppressed when small) and how many were
    sampled."""
    trial = draw.trial
    size: dict[str, int] = dict(draw.sizes)
    sampled: dict[str, int] = defaultdict(int)
    for key in draw.members.values_list("stratum", flat=True):
        sampled[key] += 1
    k = design_of(trial).monitoring.min_group
    cells = suppress([Group(key, None, n, n) for key, n in sorted(size.items())], k)
    return [
        Stratum(
            c.key,
            str(c.people) if c.hidden is None else (
                f"fewer than {k}" if size[c.key] < k else "hidden"),
            sampled[c.key],
        )
        for c in cells
    ]  # fmt: skip


def flow(draw: SampleDraw) -> Flow:
    """Sampled, invited, agreed, declined and interviewed, from the stored dates."""
    members = list(draw.members.all())
    return Flow(
        sampled=len(members),
        invited=sum(m.invited_at is not None for m in members),
        agreed=sum(m.agreed_at is not None for m in members),
        declined=sum(m.declined_at is not None for m in members),
        interviewed=sum(m.interviewed_at is not None for m in members),
    )


_NEXT = {
    "invited": ("sampled",),
    "agreed": ("invited", "declined"),
    "declined": ("invited", "agreed"),
    "interviewed": ("agreed",),
}


@transaction.atomic
def record(trial: Trial, pseudonym: str, status: str, at: datetime) -> SampleMember:
    """Record that a sampled person was invited, agreed, declined or was interviewed at ``at``
    (the caller's clock)."""
    status = one_of(status, MEMBER_STATUSES[1:], "status")
    member = (
        SampleMember.objects.select_for_update()
        .filter(draw__trial=trial, participant__pseudonym=pseudonym)
        .first()
    )
    if member is None:
        raise NotFound(f"{pseudonym} is not in the interview sample of {trial.slug}")
    if member.status not in _NEXT[status]:
        raise StateError(
            f"{pseudonym} is {member.status}: they can be marked {status} only when "
            f"{' or '.join(_NEXT[status])}"
        )
    member.status = status
    setattr(member, f"{status}_at", at)
    if status == "agreed":
        member.declined_at = None
    if status == "declined":
        member.agreed_at = None
    member.save()
    return member


def proposed_times(first: datetime, count: int, every: timedelta) -> list[datetime]:
    """``count`` proposed interview times from ``first``, ``every`` apart."""
    if count < 1:
        raise DataError("propose at least one time")
    return [first + every * i for i in range(count)]
