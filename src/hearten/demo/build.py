"""Build the demo programme through Hearten's own services, end to end."""

from __future__ import annotations

import dataclasses
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from importlib import resources
from pathlib import Path

import numpy as np
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from rich.console import Console

from hearten.analysis.run import run_analysis
from hearten.demo.caseload import caseload_trial
from hearten.demo.ipe import add_ipe
from hearten.demo.questions import answer_own_questions, own_generator
from hearten.demo.roster import write_roster
from hearten.demo.simulate import (
    TRUE_EFFECT,
    Person,
    simulate_answers,
    simulate_letter,
    simulate_staff,
)
from hearten.demo.steps import Steps
from hearten.errors import StateError
from hearten.files import write_atomic
from hearten.reports.preregistration import lock_and_preregister
from hearten.reports.programme import write_programme_report
from hearten.reports.render import write_report
from hearten.reports.sap import write_sap
from hearten.reports.standards import write_standards
from hearten.surveys.models import Invitation
from hearten.surveys.services import invite, plan_waves, record_consent, submit_response
from hearten.trials.allocation import arms_by_participant, commit_seed, randomise_trial
from hearten.trials.design import parse_design
from hearten.trials.lifecycle import add_evaluator, create_trial, discard_trial
from hearten.trials.models import Trial
from hearten.trials.roster import import_roster

#: The demo's own accounts all begin so; it refuses a database with any other (``demo_only``).
DEMO_PREFIX = "demo-"
DEMO_USER = "demo-evaluator"
DEMO_COORDINATOR = "demo-coordinator"
RANDOMISATION_SEED = 20190901


#: The demo programme's name, as in the programme its trials are modelled on.
PROGRAMME = "Happier, Healthier Professionals (demo)"

#: The demo's trials, as its progress lines name them.
LABELS = {
    "demo-letters": "letters trial",
    "demo-goals": "goals trial",
    "demo-coffee": "coffee trial",
    "demo-caseload": "caseload trial",
}


def _label(trial: Trial) -> str:
    return LABELS.get(trial.slug, trial.slug)


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


def _answer_wave(
    trial: Trial,
    wave: str,
    people: dict[str, Person],
    rng: np.random.Generator,
    steps: Steps,
    shift_for: dict[str, float] | None = None,
) -> None:
    invitations = list(
        Invitation.objects.filter(wave__trial=trial, wave__name=wave)
        .select_related("participant", "participant__identity", "wave")
        .order_by("participant__identity__staff_id")  # fixed order: same seed, same demo
    )
    survey = steps.step(_label(trial), f"{wave} survey answered", total=len(invitations))
    own = own_generator(trial.slug)  # the trial's own questions: a stream of their own
    with survey as advance, transaction.atomic():
        for inv in invitations:
            person = people[inv.participant.identity.staff_id]
            if inv.participant.consent == "pending" and person.consent != "silent":
                record_consent(inv, person.consent == "yes")
            answers = person.answers_baseline if wave == "baseline" else person.answers_follow_up
            if inv.participant.consent == "consented" and answers:
                shift = (shift_for or {}).get(inv.participant.pseudonym, 0.0)
                values = simulate_answers(rng, person.level, shift)
                submit_response(inv, {f"swemwbs_{i}": v for i, v in enumerate(values, 1)})
                answer_own_questions(inv, own, trial.slug)
            advance()


def _authenticator_key(username: str) -> str:
    """A new authenticator-app key for the demo's evaluator (evaluators sign in in two steps)."""
    from base64 import b32encode

    from django.contrib.auth import get_user_model
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = get_user_model().objects.get(username=username)
    TOTPDevice.objects.filter(user=user).delete()
    device = TOTPDevice.objects.create(user=user, name="demo authenticator", confirmed=True)
    return b32encode(device.bin_key).decode()


def _fresh_trial(resource: str, closes: dict[str, date] | None = None) -> Trial:
    """The demo trial declared in ``resource``, made afresh (any earlier one deleted); a wave
    named in ``closes`` gets that closing date (a date the design file cannot fix, since the
    demo is built on the day it is run)."""
    design = parse_design(
        resources.files("hearten.demo").joinpath(resource).read_text(), f"the demo's {resource}"
    )
    if closes:
        waves = [
            w.model_copy(update={"closes": closes[w.name]}) if w.name in closes else w
            for w in design.waves
        ]
        design = design.model_copy(update={"waves": waves})
    for earlier in Trial.objects.filter(slug=design.slug):
        discard_trial(earlier, "the demo is built again")
    trial = create_trial(design)
    plan_waves(trial)
    return trial


def _enrol_and_randomise(
    trial: Trial,
    people: list[Person],
    roster: Path,
    rng: np.random.Generator,
    steps: Steps,
    seed: int,
    offices: dict[str, str] | None = None,
    randomised_at: datetime | None = None,
) -> dict[str, Person]:
    """Import the staff, run the baseline survey, commit the seed and randomise (at
    ``randomised_at`` when given: the seed's commitment and the plan's lock move back with
    it, keeping the order they happened in); returns the simulated people by staff number."""
    label = _label(trial)
    with steps.step(label, "roster imported, baseline invited"):
        write_roster(people, roster, offices)
        import_roster(trial, roster)
        by_id = {p.staff_id: p for p in people}
        invite(trial.waves.get(name="baseline"))
    _answer_wave(trial, "baseline", by_id, rng, steps)
    with steps.step(label, "seed committed, plan locked, randomised"):
        commit_seed(trial, seed)  # published before the draw, revealed by it
        version, _, _ = lock_and_preregister(trial)  # the plan, frozen before any outcome
        write_sap(trial, version)
        now = timezone.now()
        randomise_trial(trial, now=randomised_at or now)
        if randomised_at is not None:
            from django.db.models import F

            from hearten.analysis.models import PlanVersion
            from hearten.trials.models import SeedCommitment

            shift = randomised_at - now
            for model in (SeedCommitment, PlanVersion):
                model.objects.filter(trial=trial).update(created_at=F("created_at") + shift)
    return by_id


def _deliver_letters(trial: Trial, rng: np.random.Generator, home: Path, steps: Steps) -> set[str]:
    """Each letters-arm team's manager writes most of their letters (fidelity is never
    perfect); approved letters are printed and posted; costs are recorded."""
    from django.contrib.auth import get_user_model

    from hearten.demo.costing import cost_letters
    from hearten.interventions.letters import (
        mark_posted,
        print_letters,
        recipients_for,
        send_letter,
        set_plan,
        write_letter,
    )
    from hearten.interventions.models import Letter
    from hearten.process.deliverers import answer
    from hearten.trials.people import add_role, open_delivery

    # Managers are asked to write their letters within two weeks: the list page says by when.
    deadline = timezone.now().date() + timedelta(days=14)
    set_plan(trial, "letters", "Alex Morgan", "Director of Children's Services", deadline=deadline)
    arms = arms_by_participant(trial)
    teams = sorted(
        {
            p.team.code
            for p in trial.participants.select_related("team")
            if arms.get(p.id) == "letters"
        }
    )
    users = get_user_model()
    for team in teams:
        username = f"demo-manager-{team.lower()}"
        users.objects.filter(username=username).delete()
        users.objects.create_user(username=username)  # no password: the demo signs in as them
        add_role(trial, username, "letter-writer", [team])
    open_delivery(trial)
    writing = steps.step(_label(trial), "letters written, by team", total=len(teams))
    with writing as advance:
        for team in teams:
            writer = users.objects.get(username=f"demo-manager-{team.lower()}")
            # In staff-number order, so the same seed gives the same letters (pseudonyms are
            # random).
            mine = sorted(
                recipients_for(writer, trial), key=lambda r: r.participant.identity.staff_id
            )
            for i, r in enumerate(mine):
                # The first team's manager, whom the demo signs in as, has every other letter
                # still to write, so that a newcomer can write one.
                if team == teams[0] and i % 2 == 1:
                    continue
                if rng.random() >= 0.9:  # a few letters are never written
                    continue
                for _ in range(4):  # the check sends a too-similar letter back to be rewritten
                    who = r.participant.pseudonym
                    if write_letter(writer, trial, who, simulate_letter(rng)).status == "ready":
                        send_letter(writer, trial, who)  # the manager previews it and sends it
                        break
            advance()
    # Each manager answers the deliverer survey (minutes per letter, acceptability), from a
    # generator of its own so the rest of the demo draws what it always drew.
    survey = np.random.default_rng(len(teams))
    for team in teams:
        answer(trial, users.objects.get(username=f"demo-manager-{team.lower()}"),
               minutes_per_letter=int(survey.integers(6, 21)),
               acceptability=int(survey.integers(3, 6)))  # fmt: skip
    with steps.step(_label(trial), "letters printed and posted"):
        print_letters(trial, home / "demo" / "letters", timezone.now(), each=False)  # to print
        mark_posted(trial)
        cost_letters(trial, timezone.now().date())
    return set(
        Letter.objects.filter(trial=trial, status="posted").values_list(
            "participant__pseudonym", flat=True
        )
    )


def _analyse_and_report(trial: Trial, steps: Steps) -> Path:
    """Run the trial's locked analysis plan and write its report (HTML and PDF)."""
    with steps.step(_label(trial), "analysed"):
        run_analysis(trial)
    with steps.step(_label(trial), "report and reporting checklist written"):
        report = write_report(trial)
        write_standards(trial)
    return report


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
        trial = _fresh_trial("design.toml", {"follow-up": today + timedelta(days=21)})
        people = simulate_staff(rng, today)
    by_id = _enrol_and_randomise(
        trial, people, home / "demo" / "roster.csv", rng, steps, RANDOMISATION_SEED
    )
    delivered = _deliver_letters(trial, rng, home, steps)
    # The letter's effect reaches those who received one (a CACE of TRUE_EFFECT).
    shift = {pseudonym: TRUE_EFFECT for pseudonym in delivered}
    invite(trial.waves.get(name="follow-up"))
    _answer_wave(trial, "follow-up", by_id, rng, steps, shift)
    report = _analyse_and_report(trial, steps)

    password = secrets.token_urlsafe(12)
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(username=DEMO_USER).first()
    if user is not None:
        user.set_password(password)
        user.save(update_fields=["password"])
        add_evaluator(trial, DEMO_USER)
    else:
        add_evaluator(trial, DEMO_USER, password)
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
    goals_report = _goals_trial(np.random.default_rng(seed + 1), home, steps)
    add_evaluator(Trial.objects.get(slug="demo-goals"), DEMO_USER)
    coffee_report = _coffee_trial(np.random.default_rng(seed + 2), home, steps)
    add_evaluator(Trial.objects.get(slug="demo-coffee"), DEMO_USER)
    caseload_report = caseload_trial(
        np.random.default_rng(seed + 3), home, steps, RANDOMISATION_SEED + 3
    )
    add_evaluator(Trial.objects.get(slug="demo-caseload"), DEMO_USER)
    with steps.step("programme", "pooled report written"):
        programme = write_programme_report(PROGRAMME, list(LABELS), alpha=0.05)
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
    add_role(trial, DEMO_COORDINATOR, "coordinator", [])
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


def _coffee_trial(rng: np.random.Generator, home: Path, steps: Steps) -> Path:
    """The coffee trial: seven Kent offices randomised; machines and notes in the coffee
    offices (one closed for a fortnight); six months of HR absence and leaving with no true
    effect (as published); analysed and reported."""
    from datetime import timedelta

    from hearten.analysis.models import PlanVersion
    from hearten.demo.costing import cost_coffee
    from hearten.hr.imports import import_hr
    from hearten.interventions.perks import add_perk, interrupt
    from hearten.reports.preregistration import write_preregistration

    with steps.step("coffee trial", "trial created, staff simulated"):
        trial = _fresh_trial("coffee.toml")
        today = timezone.now().date()
        staff = simulate_staff(rng, today)
        teams = sorted({p.team for p in staff})[:14]
        offices = {t: f"Kent office {i // 2 + 1}" for i, t in enumerate(teams)}
        people = [
            dataclasses.replace(
                p,
                site="Kent",
                staff_id=f"K{p.staff_id}",
                site_name="Kent",
                team_name=f"Kent team {teams.index(p.team) + 1}",
            )
            for p in staff
            if p.team in offices
        ]
    # The demo's fiction: randomisation was six and a half months ago, so the HR window
    # has happened (the clock given to the randomisation; the allocation's time never
    # changes after), and the report's "before randomisation" stays true.
    began = today - timedelta(days=200)
    by_id = _enrol_and_randomise(
        trial, people, home / "demo" / "coffee-roster.csv", rng, steps,
        RANDOMISATION_SEED + 2, offices,
        timezone.make_aware(datetime.combine(began, datetime.min.time())),
    )  # fmt: skip
    with steps.step("coffee trial", "perks delivered, HR records imported"):
        trial.refresh_from_db()
        write_preregistration(trial, PlanVersion.objects.get(trial=trial, number=1))
        arms = arms_by_participant(trial)
        coffee_offices = sorted(
            {
                p.office.code
                for p in trial.participants.select_related("office")
                if p.office is not None and arms.get(p.id) == "coffee"
            }
        )
        for n, office in enumerate(coffee_offices):
            perk = add_perk(trial, "coffee machine and thank-you note", began,
                            began + timedelta(days=179), office=office, cost=700.0)  # fmt: skip
            if n == 0:
                interrupt(trial, perk.pk, began + timedelta(days=60), began + timedelta(days=73),
                          "office closed for refurbishment")  # fmt: skip
        cost_coffee(trial, today)
        _write_hr(people, began, rng, home)
        import_hr(trial, "leavers", home / "demo" / "coffee-leavers.csv", {})
        import_hr(trial, "absence", home / "demo" / "coffee-absence.csv", {})
    invite(trial.waves.get(name="follow-up"))
    _answer_wave(trial, "follow-up", by_id, rng, steps)
    add_ipe(trial, RANDOMISATION_SEED + 12, ["arm"], 7)
    return _analyse_and_report(trial, steps)


def _write_hr(people: list[Person], began: date, rng: np.random.Generator, home: Path) -> None:
    """Six months of sickness spells (a few people take most of them) and about 7% leavers."""
    from datetime import timedelta

    absence = ["staff_id,start,end,reason"]
    leavers = ["staff_id,date,reason"]
    for p in sorted(people, key=lambda q: q.staff_id):
        leave_day = None
        first = max(began, p.start_date)
        if rng.random() < 0.07 and first + timedelta(days=25) < began + timedelta(days=175):
            leave_day = first + timedelta(days=int(rng.integers(20, (began - first).days + 175)))
            leavers.append(f"{p.staff_id},{leave_day},moved to another authority")
        day = max(began, p.start_date) + timedelta(days=int(rng.integers(0, 40)))
        proneness = rng.gamma(0.6, 1.0)
        while True:
            day += timedelta(days=int(rng.exponential(120 / (0.2 + proneness))) + 1)
            length = int(rng.geometric(0.25))
            end = day + timedelta(days=length - 1)
            if end >= began + timedelta(days=179) or (leave_day and end >= leave_day):
                break
            absence.append(
                f"{p.staff_id},{day},{end},{rng.choice(['stress', 'illness', 'injury'])}"
            )
            day = end + timedelta(days=1)
    write_atomic(home / "demo" / "coffee-absence.csv", "\n".join(absence) + "\n")
    write_atomic(home / "demo" / "coffee-leavers.csv", "\n".join(leavers) + "\n")


#: Engagement as published: about one in five open the programme; of those who do, most do
#: the first module and fewer go on each week, so very few finish all six.
OPEN_RATE = 0.2
FIRST_MODULE = 0.6
CONTINUE = 0.55


def _goals_trial(rng: np.random.Generator, home: Path, steps: Steps) -> Path:
    """The goals trial: two authorities' staff, randomised one by one, the programme's
    engagement funnel simulated, no true effect (as published), analysed and reported."""
    from datetime import timedelta

    from hearten.demo.costing import cost_goals
    from hearten.interventions.goals import enrol, log, save_module
    from hearten.interventions.models import Enrolment

    with steps.step("goals trial", "trial created, staff simulated"):
        trial = _fresh_trial("goals.toml")
        today = timezone.now().date()
        sites = sorted({p.site for p in simulate_staff(np.random.default_rng(0), today)})[:2]
        people = [p for p in simulate_staff(rng, today) if p.site in sites]
    by_id = _enrol_and_randomise(
        trial, people, home / "demo" / "goals-roster.csv", rng, steps,
        RANDOMISATION_SEED + 1,
    )  # fmt: skip
    with steps.step("goals trial", "goals programme used"):
        enrol(trial, "goals", today - timedelta(days=42))
        enrolments = sorted(
            Enrolment.objects.filter(trial=trial).select_related("participant__identity"),
            key=lambda e: e.participant.identity.staff_id,
        )
        for e in enrolments:
            if rng.random() >= OPEN_RATE:
                continue
            log(e, "opened")
            keep_going = FIRST_MODULE
            for module in range(1, 7):
                if rng.random() >= keep_going:
                    break
                log(e, "module-started", module)
                goal = "Write up one thing that went well each Friday" if module == 1 else ""
                save_module(e, module, {"goal": goal}, complete=True, now=timezone.now())
                keep_going = CONTINUE
        cost_goals(trial, today)
    invite(trial.waves.get(name="follow-up"))
    _answer_wave(trial, "follow-up", by_id, rng, steps)
    add_ipe(trial, RANDOMISATION_SEED + 11, ["arm", "stage"], 8)
    return _analyse_and_report(trial, steps)
