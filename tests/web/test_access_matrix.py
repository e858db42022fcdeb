"""Every role against every staff page of a trial, and of a trial that is not theirs.

Roles: the trial's evaluator, another trial's evaluator, a coordinator, a letter writer, a
signed-in user with no role, and someone not signed in. A page a role may not see answers 404
(no hint that the trial exists) or sends them to sign in; a page a role may see shows no study
code it should not: delivery staff meet only the codes of people who are to receive the
intervention (a letter writer only their own staff), never the control arm's, and nobody but
the evaluators meets a code beside an answer. A new staff page fails this test until it is
added to the matrix.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import get_resolver

from hearten.analysis.run import run_analysis
from hearten.reports.render import write_report
from hearten.trials.allocation import arms_by_participant
from hearten.trials.models import Participant
from hearten.trials.people import add_role, open_delivery
from tests.analysis.test_plan import _ready
from tests.conftest import CLOCK, sign_in
from tests.reports.test_preregistration_and_programme import _second

pytestmark = pytest.mark.django_db
PASSWORD = "a long passphrase 1"
CODE = re.compile(rb"P-[0-9A-Z]{8}")

#: The pages of one trial, by URL name: what each needs besides the trial's slug.
PAGES = {
    "trial-detail": {},
    "trial-report": {},
    "trial-report-pdf": {},
    "trial-delivery": {},
    "trial-delivery-csv": {},
    "trial-responses": {},
    "trial-uptake": {},
    "letters": {},
    "letter-reviews": {},
    "trial-uploads": {},
    "api-tokens": {},
    "trial-monitoring": {},
    "letter-review": {"pk": "review"},
    "letter": {"pseudonym": "mine"},
    "letter-pdf": {"pseudonym": "mine"},
    "letter-other": {"pseudonym": "other"},  # another writer's member of staff
    "interviews": {},
    "interview": {"name": "INT-01"},
    "trial-comments": {},
    "deliverer-survey": {},
}
#: Pages that are files to download or open, not pages in the staff layout.
DOWNLOADS = {"trial-report-pdf", "letter-pdf", "trial-delivery-csv"}
#: Who may see what (200); everyone else gets 404, and the anonymous a sign-in redirect.
ALLOWED = {
    "evaluator": {"trial-detail", "trial-report", "trial-report-pdf", "trial-delivery",
                  "trial-delivery-csv", "trial-responses", "trial-uptake", "interviews",
                  "interview", "trial-comments", "letter-reviews", "letter-review",
                  "trial-uploads", "api-tokens", "trial-monitoring"},
    "coordinator": {"trial-delivery", "trial-delivery-csv", "trial-responses", "trial-uptake",
                    "deliverer-survey", "trial-uploads", "api-tokens"},
    "site-coordinator": {"trial-delivery", "trial-delivery-csv", "trial-responses",
                         "trial-uptake", "deliverer-survey", "trial-uploads", "api-tokens"},
    "letter-writer": {"trial-delivery", "letters", "letter", "letter-pdf", "deliverer-survey"},
    "other-evaluator": set(),
    "no-role": set(),
}  # fmt: skip


@pytest.fixture
def world(trial: Any, write_roster: Any, hearten_home: Any) -> dict[str, Any]:
    users = get_user_model()
    _ready(trial)
    run_analysis(trial, CLOCK)
    write_report(trial, now=CLOCK)
    other = _second(trial, write_roster)
    arms = arms_by_participant(trial)
    people = Participant.objects.filter(trial=trial).select_related("team", "site").order_by("id")
    lettered = [p for p in people if arms[p.id] == "letters"]
    team = lettered[0].team.code
    for name in ("evaluator", "other-evaluator", "coordinator", "site-coordinator",
                 "letter-writer", "no-role"):  # fmt: skip
        users.objects.create_user(name, password=PASSWORD)
    trial.evaluators.add(users.objects.get(username="evaluator"))
    other.evaluators.add(users.objects.get(username="other-evaluator"))
    add_role(trial, "coordinator", "coordinator", [], now=CLOCK)
    add_role(trial, "site-coordinator", "coordinator", [], sites=["Dudley"], now=CLOCK)
    add_role(trial, "letter-writer", "letter-writer", [team], now=CLOCK)
    from hearten.interventions.letters import set_plan

    set_plan(trial, "letters", "A. Director", "Director", now=CLOCK)
    open_delivery(trial, now=CLOCK)
    from hearten.process.transcripts import upload

    for t in (trial, other):
        upload(t, "INT-01", "Interviewer: How was it?\nRespondent: Fine, thank you.\n", now=CLOCK)
    mine = {p.pseudonym for p in lettered if p.team.code == team}
    from hearten.interventions.letters import write_letter

    writer = users.objects.get(username="letter-writer")
    lines = (
        "When you covered duty for three weeks in March, you kept the whole team going and "
        "nobody missed a single visit."
    )
    write_letter(writer, trial, sorted(mine)[0], lines, now=CLOCK)
    from hearten.interventions.review import draw_sample

    sample = draw_sample(users.objects.get(username="evaluator"), trial, 1, seed=21, now=CLOCK)
    treated = {p.pseudonym for p in lettered}
    dudley = {p.pseudonym for p in lettered if p.site.code == "Dudley"}
    return {
        "trial": trial,
        "review": sample.reviews.get().pk,
        "mine": sorted(mine)[0],
        "other": next(p.pseudonym for p in lettered if p.team.code != team),
        # Study codes each role may meet, by page (None: any). Delivery staff see who is to
        # receive the intervention, never the control arm; nobody but evaluators sees answers.
        "may_see": {
            "letter-writer": {"*": mine},
            "coordinator": {"trial-delivery": treated, "trial-delivery-csv": treated, "*": set()},
            "site-coordinator": {
                "trial-delivery": dudley,
                "trial-delivery-csv": dudley,
                "*": set(),
            },
        },
    }


def _url(name: str, slug: str, world: dict[str, Any]) -> str:
    from django.urls import reverse

    kwargs = {"slug": slug}
    extra = PAGES[name]
    if "pseudonym" in extra:
        kwargs["pseudonym"] = world[extra["pseudonym"]]
    if "name" in extra:
        kwargs["name"] = extra["name"]
    if "pk" in extra:
        kwargs["pk"] = world[extra["pk"]]
    return reverse(name.removesuffix("-other"), kwargs=kwargs)


def test_the_matrix_covers_every_staff_page() -> None:
    named = {  # the API's own paths (an included resolver) have their matrix: tests/web/api
        p.name
        for p in get_resolver().url_patterns
        if getattr(p, "name", None) and "<slug:slug>" in str(p.pattern)
    }
    assert named == {n.removesuffix("-other") for n in PAGES}


@pytest.mark.parametrize("role", [*ALLOWED, "anonymous"])
def test_each_role_sees_only_its_pages(role: str, world: dict[str, Any]) -> None:
    client = Client()
    if role != "anonymous":
        assert sign_in(client, role, PASSWORD)
    trial = world["trial"]
    for name in PAGES:
        for slug in (trial.slug, "letters-two"):
            if role == "other-evaluator" and slug == "letters-two":
                continue  # their own trial
            page = client.get(_url(name, slug, world))
            allowed = slug == trial.slug and name in ALLOWED.get(role, set())
            where = f"{role} → {name} of {slug}"
            if role == "anonymous":
                assert page.status_code == 302, where
                assert page["Location"].startswith("/sign-in/"), where
            elif allowed:
                assert page.status_code == 200, where
                rules = world["may_see"].get(role)
                may_see = None if rules is None else rules.get(name, rules["*"])
                body = b"".join(page.streaming_content) if page.streaming else page.content
                if may_see is not None:
                    shown = {c.decode() for c in CODE.findall(body)}
                    assert shown <= may_see, f"{where} shows {shown - may_see}"
            else:
                assert page.status_code == 404, where


def test_a_site_coordinator_sees_nothing_of_another_site(world: dict[str, Any]) -> None:
    client = Client()
    assert sign_in(client, "site-coordinator", PASSWORD)
    slug = world["trial"].slug
    for page in ("responses", "uptake", "delivery"):
        body = client.get(f"/trials/{slug}/{page}/").content
        assert b"Shropshire" not in body, page
    assert b"Dudley" in client.get(f"/trials/{slug}/responses/").content


@pytest.mark.parametrize("role", list(ALLOWED))
def test_the_dashboard_offers_each_role_only_pages_it_can_open(
    role: str, world: dict[str, Any]
) -> None:
    from hearten.web.navigation import TRIAL_PAGES

    client = Client()
    assert sign_in(client, role, PASSWORD)
    slug = world["trial"].slug
    body = client.get("/trials/").content.decode()
    offered = set(re.findall(rf'href="(/trials/{slug}/[^"]*)"', body))
    for url in offered:
        assert client.get(url).status_code == 200, f"{role} is offered {url}"
    menu = {n for n in ALLOWED[role] if n in {p.url_name for p in TRIAL_PAGES}}
    assert len(offered) == len(menu), f"{role} is offered {sorted(offered)}"


@pytest.mark.parametrize("role", [r for r in ALLOWED if r != "no-role"])
def test_every_page_a_role_opens_shows_its_menu_and_a_way_back(
    role: str, world: dict[str, Any]
) -> None:
    client = Client()
    assert sign_in(client, role, PASSWORD)
    for name in sorted(ALLOWED[role] - DOWNLOADS):
        body = client.get(_url(name, world["trial"].slug, world)).content
        assert b'class="govuk-back-link' in body, name
        assert b"Sign out" in body, name
        assert f"Signed in as {role}".encode() in body, name
        assert b'aria-label="Pages of this trial"' in body, name


def test_a_staff_page_not_found_is_the_staff_404_and_a_survey_link_the_participants(
    world: dict[str, Any],
) -> None:
    client = Client()
    assert sign_in(client, "letter-writer", PASSWORD)
    staff = client.get(f"/trials/{world['trial'].slug}/responses/")
    assert staff.status_code == 404
    assert b"your trials" in staff.content
    assert b"survey link" not in staff.content
    survey = client.get("/s/no-such-link/")
    assert survey.status_code == 404
    assert b"your trials" not in survey.content
