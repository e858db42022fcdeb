"""The trial's own questions on the participant's pages: asked by arm and condition, checked
on the server, stored with names redacted, exported with the codebook."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from hearten.surveys.exports import build_exports
from hearten.surveys.models import Invitation, Response
from hearten.surveys.services import get_wave, invite, record_consent
from hearten.trials.allocation import arms_by_participant, randomise_trial
from tests.conftest import CLOCK, FIXTURES
from tests.trials.test_questions import QUESTIONS as QUESTIONS_OF_TEST
from tests.trials.test_questions import design

#: The clock the services are given (a fixed one: nothing here depends on the day).
NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)

pytestmark = pytest.mark.django_db

SWEMWBS = {f"swemwbs_{i}": "4" for i in range(1, 8)}

ROSTER = "staff_id,site,team,role,fte,start_date,caseload,email,name,preferred_name\n" + "".join(
    f"S{n:03d},{site},{site[:2].upper()}-{t},Social worker,1.0,2020-01-15,12,s{n}@example.org,"
    f"{first} {last},{pref}\n"
    for n, (site, t, first, last, pref) in enumerate(
        [
            (site, t, first, last, pref)
            for site in ("Dudley", "Shropshire")
            for t in range(4)
            for first, last, pref in (
                ("Samantha", "Okafor", "Sam"),
                ("Will", "Young", ""),
                ("Priya", "Hall", ""),
                ("Tom", "Brennan", "Tommy"),
                ("Aisha", "Rahman", ""),
            )
        ],
        start=1,
    )
)


@pytest.fixture
def asked(tmp_path: Path) -> Any:
    """A randomised trial whose follow-up asks the questions of ``test_questions``."""
    from hearten.surveys.services import plan_waves
    from hearten.trials.design import parse_design
    from hearten.trials.lifecycle import create_trial
    from hearten.trials.roster import import_roster

    assert (FIXTURES / "design.toml").is_file()
    trial = create_trial(parse_design(design()), now=CLOCK)
    plan_waves(trial)
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER)
    import_roster(trial, roster, now=CLOCK)
    randomise_trial(trial, 5, now=CLOCK)
    invite(get_wave(trial, "follow-up"), NOW)
    return trial


def link_in(trial: Any, arm: str) -> Invitation:
    arms = arms_by_participant(trial)
    inv = next(
        i
        for i in Invitation.objects.filter(wave__trial=trial).order_by("id")
        if arms[i.participant_id] == arm
    )
    record_consent(inv, True, now=NOW)
    return inv


def to_questions(client: Client, inv: Invitation) -> str:
    url = f"/s/{inv.token}/"
    page = client.post(url, {"page": "swemwbs", **SWEMWBS}, follow=True)
    return page.content.decode()


def test_the_control_arm_is_asked_about_usual_practice_and_the_other_arm_is_not(
    client: Client, asked: Any
) -> None:
    control = to_questions(client, link_in(asked, "control"))
    assert "Your views" in control
    assert "Page 2 of 2" in control
    assert "I feel valued by my employer" in control
    assert "has anyone at work thanked you in writing" in control
    # Asked after "Yes" on the same page: drawn with its condition, hidden by script.
    assert "Answer this if you chose “Yes” above." in control
    assert 'data-show-if="thanked"' in control
    letters = to_questions(client, link_in(asked, "letters"))
    assert "I feel valued by my employer" in letters
    assert "thanked you in writing" not in letters
    assert "Who thanked you" not in letters
    for text in (control, letters):  # no arm is ever named to a participant
        assert "control" not in text.lower().replace("govuk", "")
        assert "letters" not in text.lower()


def test_the_server_keeps_an_answer_only_when_its_condition_holds(
    client: Client, asked: Any
) -> None:
    inv = link_in(asked, "control")
    url = f"/s/{inv.token}/"
    to_questions(client, inv)
    sent = {"page": "your-views", "valued": "4", "thanked": "2", "thanked_by": "My manager",
            "comment": "", "checked": "yes"}  # fmt: skip
    page = client.post(url, sent, follow=True)
    assert "Thank you" in page.content.decode()
    stored = Response.objects.get(invitation=inv, instrument="your-views").answers
    assert stored == {"valued": 4, "thanked": 2}  # "No": who thanked them is not kept


def test_a_too_long_comment_and_a_bad_answer_are_explained_and_not_stored(
    client: Client, asked: Any
) -> None:
    inv = link_in(asked, "letters")
    url = f"/s/{inv.token}/"
    to_questions(client, inv)
    page = client.post(url, {"page": "your-views", "valued": "9", "comment": "x" * 1001})
    text = page.content.decode()
    assert "There is a problem" in text
    assert "Choose one of the answers to “I feel valued by my employer”" in text
    assert "must be 1000 characters or fewer (it is 1001)" in text
    assert not Response.objects.filter(invitation=inv, instrument="your-views").exists()
    # A tampered post naming a question the participant is not asked stores nothing of it.
    client.post(url, {"page": "your-views", "valued": "5", "thanked": "1", "checked": "yes"})
    assert Response.objects.get(invitation=inv, instrument="your-views").answers == {"valued": 5}


def test_the_check_page_shows_the_comment_and_the_stored_comment_has_no_names(
    client: Client, asked: Any
) -> None:
    inv = link_in(asked, "letters")
    url = f"/s/{inv.token}/"
    to_questions(client, inv)
    comment = "Tommy and samantha okafor's support helped. I will stay. Will Young left."
    page = client.post(url, {"page": "your-views", "valued": "5", "comment": comment})
    assert "Check your answers" in page.content.decode()
    assert "Tommy and samantha okafor&#x27;s support" in page.content.decode()
    client.post(url, {"page": "your-views", "valued": "5", "comment": comment, "checked": "yes"})
    stored = Response.objects.get(invitation=inv, instrument="your-views").answers["comment"]
    assert stored == "[name] and [name] [name]'s support helped. I will stay. [name] [name] left."


def test_the_export_carries_the_questions_and_the_codebook_describes_them(
    client: Client, asked: Any
) -> None:
    inv = link_in(asked, "control")
    url = f"/s/{inv.token}/"
    to_questions(client, inv)
    client.post(url, {"page": "your-views", "valued": "2", "thanked": "1",
                      "thanked_by": "Priya, by e-mail", "checked": "yes"})  # fmt: skip
    tables = build_exports(asked)
    wide = tables["responses_wide"].set_index("pseudonym")
    who = inv.participant.pseudonym
    assert wide.loc[who, "follow-up_valued".replace("-", "_")] == 2
    assert wide.loc[who, "follow_up_thanked_by"] == "[name], by e-mail"
    long = tables["responses_long"]
    text = long[long["variable"] == "thanked_by"].iloc[0]
    assert text["kind"] == "text"
    assert text["text"] == "[name], by e-mail"
    book = tables["codebook"].set_index("variable")
    assert book.loc["follow_up_valued", "values"].startswith("1=Strongly disagree; 2=Disagree")
    assert "asked in arm(s) control only" in book.loc["follow_up_thanked", "label"]
    assert "asked when thanked is 1" in book.loc["follow_up_thanked_by", "label"]
    assert "staff names replaced by [name]" in book.loc["follow_up_thanked_by", "values"]


def test_a_comment_that_mentions_bullying_brings_support_on_the_next_page(
    client: Client, asked: Any
) -> None:
    inv = link_in(asked, "letters")
    url = f"/s/{inv.token}/"
    to_questions(client, inv)
    sent = {"page": "your-views", "valued": "2", "checked": "yes",
            "comment": "I feel bullied by Sam in supervision."}  # fmt: skip
    page = client.post(url, sent, follow=True).content.decode()
    assert "Thank you" in page
    assert "Support if you need it" in page
    assert "the team cannot reply to you" in page
    assert "Samaritans" in page

    other = link_in(asked, "control")
    to_questions(client, other)
    calm = {"page": "your-views", "valued": "4", "checked": "yes",
            "comment": "We had a lot of domestic abuse referrals this month."}  # fmt: skip
    page = client.post(f"/s/{other.token}/", calm, follow=True).content.decode()
    assert "Thank you" in page
    assert "Support if you need it" not in page


def test_the_survey_time_counts_the_trials_own_questions(client: Client, asked: Any) -> None:
    from hearten.surveys.study import study_of
    from hearten.surveys.survey_time import survey_estimate
    from hearten.surveys.timing import Item, pages_of
    from hearten.trials.questions import question_pages

    own = question_pages(asked.design)
    pages = pages_of(["swemwbs", "your-views"], own)
    # Every item of the trial's own page, both comments among them (one asked of some only).
    assert [i.kind for i in pages[1].items] == ["choice", "choice", "text", "text"]
    assert pages[1].items[1] == Item("choice", 2)
    found = survey_estimate(study_of(asked), ["swemwbs", "your-views"], own)
    assert (found.questions, found.pages) == (11, 2)
    inv = Invitation.objects.filter(wave__trial=asked).order_by("id").first()
    assert inv is not None
    page = client.get(f"/s/{inv.token}/").content.decode()  # the consent page says so
    assert "Do you agree to take part?" in page
    assert f"takes about {found.minutes} minutes" in page


def test_a_long_comment_is_written_to_every_export_format(
    client: Client, asked: Any, tmp_path: Path
) -> None:
    import pandas as pd

    from hearten.surveys.exports import write_exports

    inv = link_in(asked, "letters")
    to_questions(client, inv)
    comment = "Supervision keeps being cancelled. " * 25  # about 875 characters
    client.post(f"/s/{inv.token}/", {"page": "your-views", "valued": "3", "comment": comment,
                                     "checked": "yes"})  # fmt: skip
    for fmt in ("csv", "parquet", "dta"):
        written = write_exports(asked, tmp_path / fmt, fmt, now=CLOCK)  # type: ignore[arg-type]
        wide = next(p for p in written if p.name.startswith("responses_wide"))
        read = {"csv": pd.read_csv, "parquet": pd.read_parquet, "dta": pd.read_stata}[fmt]
        column = read(wide)["follow_up_comment"].dropna()
        assert [x for x in column if x] == [comment.strip()]  # Stata's missing text is ""


def test_support_is_shown_at_the_top_of_the_page_after_a_flagged_comment(
    client: Client, tmp_path: Path
) -> None:
    from hearten.surveys.services import plan_waves
    from hearten.trials.design import parse_design
    from hearten.trials.lifecycle import create_trial
    from hearten.trials.roster import import_roster

    more = (
        '\n[[questions]]\nname = "last-words"\nheading = "One more thing"\n\n'
        '[[questions.items]]\nkey = "best"\ntext = "What helps most at work?"\nkind = "text"\n'
    )
    text = design(QUESTIONS_OF_TEST + more, asks='questions = ["your-views", "last-words"]')
    trial = create_trial(parse_design(text), now=CLOCK)
    plan_waves(trial)
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER)
    import_roster(trial, roster, now=CLOCK)
    randomise_trial(trial, 5, now=CLOCK)
    invite(get_wave(trial, "follow-up"), NOW)
    inv = link_in(trial, "letters")
    url = f"/s/{inv.token}/"
    to_questions(client, inv)
    sent = {"page": "your-views", "valued": "2", "comment": "Some days I want to die."}
    page = client.post(url, sent, follow=True).content.decode()
    assert "One more thing" in page  # the next page ...
    assert "Support if you need it" in page  # ... opens with where to find support
    assert "Samaritans" in page
    assert "Support if you need it" not in client.get(f"{url}?page=2").content.decode()
