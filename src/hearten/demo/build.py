"""Build the demo programme through Hearten's own services, end to end.

Each trial is built in its own module (:mod:`~hearten.demo.letters` delivers the letters
trial, :mod:`~hearten.demo.goals`, :mod:`~hearten.demo.coffee`, :mod:`~hearten.demo.caseload`)
from the stages in :mod:`~hearten.demo.stages`; this module builds them all, guards the
database (:func:`demo_only`) and sets the demo's accounts.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import numpy as np
from django.conf import settings
from django.utils import timezone
from rich.console import Console

from hearten.demo.caseload import caseload_trial
from hearten.demo.coffee import coffee_trial
from hearten.demo.goals import goals_trial
from hearten.demo.letters import deliver_letters
from hearten.demo.simulate import TRUE_EFFECT, simulate_staff
from hearten.demo.stages import (
    LABELS,
    RANDOMISATION_SEED,
    analyse_and_report,
    answer_wave,
    enrol_and_randomise,
    fresh_trial,
)
from hearten.demo.steps import Steps
from hearten.errors import StateError
from hearten.reports.programme import write_programme_report
from hearten.surveys.models import Invitation
from hearten.surveys.services import invite
from hearten.trials.lifecycle import add_evaluator
from hearten.trials.models import Trial

#: The demo's own accounts all begin so; it refuses a database with any other (``demo_only``).
DEMO_PREFIX = "demo-"
DEMO_USER = "demo-evaluator"
DEMO_COORDINATOR = "demo-coordinator"


#: The demo programme's name, as in the programme its trials are modelled on.
PROGRAMME = "Happier, Healthier Professionals (demo)"


@dataclass(frozen=True, slots=True)
class DemoResult:
    report: Path
    goals_report: Path
    coffee_report: Path
    programme_report: Path
    base_url: str
    username: str
    password: str
    otp_key: str
    links: tuple[str, ...]
    #: (role, username, password) for one letter writer and one coordinator of the letters trial
    staff: tuple[tuple[str, str, str], ...] = ()
    #: the stepped-wedge trial's report (a protected-caseload model rolled out in steps)
    caseload_report: Path | None = None


def _authenticator_key(username: str) -> str:
    """A new authenticator-app key for the demo's evaluator (evaluators sign in in two steps)."""
    from base64 import b32encode

    from django.contrib.auth import get_user_model
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = get_user_model().objects.get(username=username)
    TOTPDevice.objects.filter(user=user).delete()
    device = TOTPDevice.objects.create(user=user, name="demo authenticator", confirmed=True)
    return b32encode(device.bin_key).decode()


def not_demo() -> list[str]:
    """What the database holds that the demo did not make: trials other than the demo's,
    and accounts whose names do not begin with ``demo-`` (the first few of each)."""
    from django.contrib.auth import get_user_model

    trials = Trial.objects.exclude(slug__in=LABELS).order_by("slug")
    users = get_user_model().objects.exclude(username__startswith=DEMO_PREFIX)
    found = [f"trial {slug!r}" for slug in trials.values_list("slug", flat=True)[:3]]
    found += [f"account {name!r}" for name in users.order_by("username")
              .values_list("username", flat=True)[:3]]  # fmt: skip
    return found


def demo_only(force: bool = False) -> None:
    """Refuse (:class:`StateError`) a database holding anything but an earlier demo, unless
    ``force``: the demo deletes its own trials and resets its own accounts' passwords and
    second factors, which must never touch real data."""
    found = not_demo()
    if found and not force:
        raise StateError(
            f"this database holds data that is not the demo's ({', '.join(found)}): build the "
            "demo in a fresh HEARTEN_HOME or database, or give --force to add it beside them "
            "(only the demo's own trials and demo-* accounts are replaced)"
        )


def build_demo(seed: int = 2019, console: Console | None = None, force: bool = False) -> DemoResult:
    """Reset and rebuild the demo trial; analyse it and write its report. Refuses a database
    with anything but an earlier demo in it unless ``force`` (:func:`demo_only`)."""
    demo_only(force)
    rng = np.random.default_rng(seed)
    home: Path = settings.HEARTEN.home
    steps = Steps(console)
    if console is not None:
        if Trial.objects.filter(slug__in=LABELS).exists():
            console.print(
                "A demo was built here before: it is replaced (its trials, reports, letters "
                "and demo accounts are made afresh; nothing else is touched)."
            )
        console.print(f"Building the demo: {len(LABELS)} trials, each analysed and reported.")
    with steps.step("letters trial", "trial created, staff simulated"):
        today = timezone.now().date()
        # The follow-up wave, still open for the links the demo prints, closes in three weeks:
        # its consent page and e-mails say when.
        trial = fresh_trial("design.toml", {"follow-up": today + timedelta(days=21)})
        people = simulate_staff(rng, today)
    by_id = enrol_and_randomise(
        trial, people, home / "demo" / "roster.csv", rng, steps, RANDOMISATION_SEED
    )
    delivered = deliver_letters(trial, rng, home, steps)
    # The letter's effect reaches those who received one (a CACE of TRUE_EFFECT).
    shift = {pseudonym: TRUE_EFFECT for pseudonym in delivered}
    invite(trial.waves.get(name="follow-up"), timezone.now())
    answer_wave(trial, "follow-up", by_id, rng, steps, shift)
    report = analyse_and_report(trial, steps)

    password = secrets.token_urlsafe(12)
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(username=DEMO_USER).first()
    if user is not None:
        user.set_password(password)
        user.save(update_fields=["password"])
        add_evaluator(trial, DEMO_USER, now=timezone.now())
    else:
        add_evaluator(trial, DEMO_USER, password, now=timezone.now())
    otp_key = _authenticator_key(DEMO_USER)
    unanswered = Invitation.objects.filter(
        wave__trial=trial, wave__name="follow-up", completed_at__isnull=True
    ).order_by("participant__pseudonym")
    # Two who consented (straight to the survey) and one not yet asked (the consent page).
    sample = [
        *unanswered.filter(participant__consent="consented")[:2],
        *unanswered.filter(participant__consent="pending")[:1],
    ]
    base = settings.HEARTEN.base_url
    links = tuple(f"{base}/s/{inv.token}/" for inv in sample)
    goals_report = goals_trial(np.random.default_rng(seed + 1), home, steps)
    add_evaluator(Trial.objects.get(slug="demo-goals"), DEMO_USER, now=timezone.now())
    coffee_report = coffee_trial(np.random.default_rng(seed + 2), home, steps)
    add_evaluator(Trial.objects.get(slug="demo-coffee"), DEMO_USER, now=timezone.now())
    caseload_report = caseload_trial(
        np.random.default_rng(seed + 3), home, steps, RANDOMISATION_SEED + 3
    )
    add_evaluator(Trial.objects.get(slug="demo-caseload"), DEMO_USER, now=timezone.now())
    with steps.step("programme", "pooled report written"):
        programme = write_programme_report(PROGRAMME, list(LABELS), alpha=0.05, now=timezone.now())
    return DemoResult(
        report,
        goals_report,
        coffee_report,
        programme,
        base,
        DEMO_USER,
        password,
        otp_key,
        links,
        _delivery_sign_ins(trial),
        caseload_report,
    )


def _delivery_sign_ins(trial: Trial) -> tuple[tuple[str, str, str], ...]:
    """Passwords, made for this run, for one letter writer (the first, by name, with letters
    still to write) and a coordinator of every site, so that the demo shows what each staff
    role sees."""
    from django.contrib.auth import get_user_model

    from hearten.interventions.letters import recipients_for
    from hearten.trials.models import TrialRole
    from hearten.trials.people import add_role

    users = get_user_model()
    writer: str | None = None
    writer_role = "letter writer"
    for name in (
        TrialRole.objects.filter(trial=trial, role="letter-writer")
        .order_by("user__username")
        .values_list("user__username", flat=True)
    ):
        mine = recipients_for(users.objects.get(username=name), trial)
        unwritten = sum(1 for r in mine if r.letter is None)
        if unwritten:
            writer = name
            writer_role = f"letter writer, who has {unwritten} of {len(mine)} letters to write"
            break
    if not users.objects.filter(username=DEMO_COORDINATOR).exists():
        users.objects.create_user(username=DEMO_COORDINATOR)  # its password is set below
    every_site = list(trial.sites.order_by("code").values_list("code", flat=True))
    add_role(
        trial, DEMO_COORDINATOR, "coordinator", [], sites=every_site, now=timezone.now()
    )  # named: uploads
    signed = []
    accounts: tuple[tuple[str, str | None], ...] = (
        (writer_role, writer),
        ("coordinator", DEMO_COORDINATOR),
    )
    for role, username in accounts:
        if username is None:
            continue
        password = secrets.token_urlsafe(12)
        user = users.objects.get(username=username)
        user.set_password(password)
        user.save(update_fields=["password"])
        signed.append((role, username, password))
    return tuple(signed)
