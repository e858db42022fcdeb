"""Simulated staff and survey answers for the demo (pure: numpy only, seeded).

Numbers chosen to look like the first programme: four local authorities, about 920
children's social workers in 80 teams of 5–18; SWEMWBS metric scores with mean about 21.6,
SD about 3.5, a team intraclass correlation of about 0.05–0.07 and a baseline–follow-up
correlation of about 0.7 (measured on the default seed); 90% consent, 88% baseline and 72%
follow-up response among consenters; wellbeing a little lower with a heavier caseload
(0.02 on the item scale per child); and a small true effect of letters (+0.12 on the 1–5
item scale, about 0.2 SD of the metric score).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

import numpy as np

SITES: dict[str, tuple[str, int]] = {
    "Bracknell Forest": ("BF", 10),
    "Dudley": ("DU", 24),
    "Shropshire": ("SH", 20),
    "Southwark": ("SW", 26),
}
ROLES = (
    "Social worker",
    "Senior social worker",
    "Advanced practitioner",
    "Newly qualified social worker",
)
ROLE_WEIGHTS = (0.5, 0.25, 0.1, 0.15)
TRUE_EFFECT = 0.12  # on the 1–5 item scale
CASELOAD_SLOPE = 0.02  # item-scale wellbeing lost per extra child held (about 0.1 metric points)
ITEMS = 7


@dataclass(frozen=True, slots=True)
class Person:
    """A simulated member of staff with a latent wellbeing level and response behaviour."""

    staff_id: str
    site: str
    team: str
    role: str
    fte: float
    start_date: date
    caseload: int
    level: float  # stable person-and-team part of wellbeing, item scale
    consent: str  # "yes", "no" or "silent"
    answers_baseline: bool
    answers_follow_up: bool
    name: str = ""  # synthetic, for the letters' greeting and the delivery list
    preferred_name: str = ""  # the first name they go by, when not their given one
    site_name: str = ""
    team_name: str = ""


#: Given names, each with the shorter name some who bear it go by ("" if none); none is a
#: colleague's name in the simulated letters.
_GIVEN = (
    ("Sarah", ""), ("Emma", ""), ("Laura", ""), ("Claire", ""), ("Hannah", ""), ("Amy", ""),
    ("Rachel", ""), ("Gemma", ""), ("Fatima", ""), ("Chloe", ""), ("James", "Jim"),
    ("David", "Dave"), ("Michael", "Mike"), ("Paul", ""), ("Andrew", "Andy"), ("Amir", ""),
    ("Elizabeth", "Liz"), ("Katherine", "Kate"), ("Rebecca", "Becky"), ("Victoria", "Vicky"),
    ("Robert", "Rob"), ("Christopher", "Chris"), ("Samuel", "Sam"), ("Jonathan", "Jon"),
)  # fmt: skip
_SURNAMES = (
    "Smith", "Jones", "Williams", "Taylor", "Brown", "Davies", "Evans", "Wilson", "Thomas",
    "Johnson", "Roberts", "Walker", "Wright", "Robinson", "Thompson", "White", "Hughes",
    "Edwards", "Green", "Hall", "Wood", "Harris", "Clarke", "Patel", "Khan", "Ali", "Begum",
    "Lewis", "Jackson", "Martin", "Okafor", "Nowak",
)  # fmt: skip
#: The kinds of children's social work team a site's teams are, in turn.
_TEAM_KINDS = (
    "Children in Care", "Child Protection", "Assessment", "Family Support", "Care Leavers",
)  # fmt: skip


def team_name(site: str, number: int) -> str:
    """The display name of a site's team ``number`` (from 1), e.g. "Southwark Assessment
    team 2": the kinds of team in turn, numbered within each kind."""
    kind = _TEAM_KINDS[(number - 1) % len(_TEAM_KINDS)]
    return f"{site} {kind} team {(number - 1) // len(_TEAM_KINDS) + 1}"


def _named(rng: np.random.Generator, people: list[Person]) -> list[Person]:
    """Synthetic names from a short list, and the sites' and teams' display names. The names
    come from a generator spawned from ``rng`` (spawning draws nothing), so every other draw
    of the demo is what it was before staff had names."""
    names = rng.spawn(1)[0]
    out = []
    for p in people:
        given, short = _GIVEN[int(names.integers(len(_GIVEN)))]
        surname = _SURNAMES[int(names.integers(len(_SURNAMES)))]
        goes_by = short if short and names.random() < 0.5 else ""
        number = int(p.team.rsplit("-", 1)[1])
        out.append(
            replace(p, name=f"{given} {surname}", preferred_name=goes_by, site_name=p.site,
                    team_name=team_name(p.site, number))
        )  # fmt: skip
    return out


def simulate_staff(rng: np.random.Generator, today: date) -> list[Person]:
    people: list[Person] = []
    for site, (prefix, n_teams) in SITES.items():
        for t in range(1, n_teams + 1):
            team = f"{prefix}-{t:02d}"
            team_effect = rng.normal(0.0, 0.13)
            for _ in range(int(rng.integers(5, 19))):
                consent = str(rng.choice(["yes", "no", "silent"], p=[0.9, 0.04, 0.06]))
                caseload = int(np.clip(rng.poisson(18), 4, 38))
                people.append(
                    Person(
                        staff_id=f"{prefix}{100000 + len(people)}",
                        site=site,
                        team=team,
                        role=str(rng.choice(ROLES, p=ROLE_WEIGHTS)),
                        fte=float(rng.choice([1.0, 0.8, 0.6, 0.5], p=[0.78, 0.12, 0.06, 0.04])),
                        start_date=today - timedelta(days=int(rng.integers(30, 15 * 365))),
                        caseload=caseload,
                        level=3.35
                        + team_effect
                        + rng.normal(0.0, 0.55)
                        - CASELOAD_SLOPE * (caseload - 18),
                        consent=consent,
                        answers_baseline=bool(rng.random() < 0.88),
                        answers_follow_up=bool(rng.random() < 0.72),
                    )
                )
    return _named(rng, people)


def simulate_answers(rng: np.random.Generator, level: float, shift: float = 0.0) -> list[int]:
    """Seven SWEMWBS answers (1–5) around ``level + shift`` with occasion and item noise."""
    occasion = level + shift + rng.normal(0.0, 0.2)
    return [int(v) for v in np.clip(np.rint(occasion + rng.normal(0.0, 0.55, ITEMS)), 1, 5)]


_MOMENTS = (
    "When you stayed late on {day} to finish the assessments {place}",
    "The way you chaired the strategy meeting {place} on {day}",
    "When you went back for a third visit on {day} after two were missed",
    "Your preparation for the review in {month}, which {colleague} called the best she had seen",
    "When you covered three extra visits for a colleague who was off sick in {month}",
    "The care you took over the chronology in {month}, {place}",
    "When you sat with a frightened teenager {place} until a carer arrived",
    "Your patience with a parent who shouted at you {place} on {day}",
    "When you found a foster placement for a baby late on {day}",
    "The notes you wrote after a home visit in {month}, which the panel praised",
)
_IMPACTS = (
    "the children felt listened to for the first time in months",
    "the whole team could see what good practice looks like",
    "the family agreed to the plan and kept to it",
    "a newly qualified colleague learned more from watching you than from any training",
    "the panel accepted the plan without a second meeting",
    "the young person went back to school the following week",
    "everyone in the room stayed calm and the meeting reached a decision",
    "the baby was safe that night",
)
_PLACES = (
    "in the duty room", "at the family centre", "at the contact centre", "in the school office",
    "over the phone", "at the town office", "in reception", "at the youth centre",
    "on the out-of-hours rota", "at the children's centre",
)  # fmt: skip
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "a bank holiday")
_MONTHS = ("June", "July", "August", "September")


_DETAILS = (
    "You did it without being asked.",
    "I know you had {n} other visits that week.",
    "You rang the school twice to make sure it happened.",
    "{colleague} told me about it afterwards.",
    "It took you until gone {hour} o'clock.",
    "You had only been in the team {n} weeks.",
    "You stayed kind even when it was hard.",
    "The independent reviewing officer mentioned it to me.",
    "You brought cake for the team the next morning too.",
    "It is the {n}th time this year you have done something like it.",
)
_COLLEAGUES = ("Priya", "Tom", "Grace", "Dan", "Aisha", "Mark", "Sofia", "Ben", "Ruth", "Kwame")


def simulate_letter(rng: np.random.Generator) -> str:
    """A manager's specific lines about one person, varied enough to be personal."""

    def pick(options: tuple[str, ...]) -> str:
        return options[int(rng.integers(len(options)))]

    moment = pick(_MOMENTS).format(
        place=pick(_PLACES), day=pick(_DAYS), month=pick(_MONTHS), colleague=pick(_COLLEAGUES)
    )
    detail = pick(_DETAILS).format(
        n=int(rng.integers(3, 12)), colleague=pick(_COLLEAGUES), hour=int(rng.integers(6, 10))
    )
    return f"{moment}, {pick(_IMPACTS)}. {detail}"
