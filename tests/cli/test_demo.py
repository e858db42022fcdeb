"""`hearten demo` from a fresh HEARTEN_HOME, through the installed entry point, twice."""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import DemoBuild


def hearten_command() -> list[str]:
    exe = shutil.which("hearten", path=str(Path(sys.executable).parent))
    assert exe, "the hearten entry point is installed with the package"
    return [exe]


def fresh_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(HEARTEN_HOME=str(home), COLUMNS="200")
    return env


def _latest_result(db: sqlite3.Connection, slug: str) -> dict[str, Any]:
    (result,) = db.execute(
        "SELECT result FROM analysis_analysisrun r JOIN trials_trial t ON r.trial_id = t.id "
        "WHERE t.slug = ? ORDER BY r.id DESC LIMIT 1",
        (slug,),
    ).fetchone()
    return dict(json.loads(result))


DEMO_SLUGS = ("demo-letters", "demo-goals", "demo-coffee", "demo-caseload")
#: What differs between two builds of the demo by design: when things happened, the salt of
#: each seed's published commitment (fresh on every commit) with the hashes over it, and the
#: length of the audit log at the draw (which keeps the earlier build's events).
ALLOCATION_PER_BUILD = (
    "audit_events", "audit_head", "commitment", "committed_at", "randomised_at", "salt",
)  # fmt: skip


def _repeatable(result: dict[str, Any]) -> dict[str, Any]:
    """A stored run without what differs between builds (:data:`ALLOCATION_PER_BUILD`, the
    run's time and the plan's times)."""
    kept = {k: v for k, v in result.items() if k != "as_of"}
    allocation = {k: v for k, v in kept["allocation"].items() if k not in ALLOCATION_PER_BUILD}
    plan = dict(kept.get("plan") or {})
    plan.pop("locked_at", None)
    plan["versions"] = [
        {k: v for k, v in version.items() if k != "at"} for version in plan.get("versions", [])
    ]
    return {**kept, "allocation": allocation, "plan": plan}


@pytest.mark.long
def test_the_demo_builds_analyses_and_reports(demo_build: DemoBuild) -> None:
    home, first = demo_build.home, demo_build
    report = home / "reports" / "demo-letters" / "report.html"
    assert f"Report: {report}" in first.out  # whole, never wrapped
    assert "hearten serve" in first.out
    assert re.search(r"as demo-evaluator with password \S+", first.out.replace("\n", " "))
    flat = first.out.replace("\n", " ")
    # The letter writer shown still has letters to write, so a newcomer can write one (issue 21).
    shown = re.search(
        r"letter writer, who has (\d+) of (\d+) letters to write: demo-manager-(\S+) with "
        r"password \S+",
        flat,
    )
    assert shown, first.out
    to_write, of, team = int(shown[1]), int(shown[2]), shown[3]
    assert 1 <= to_write < of
    assert re.search(r"coordinator: demo-coordinator with password \S+", flat)
    assert len(re.findall(r"http://127\.0\.0\.1:8000/s/[\w-]+/", first.out)) == 3
    # The links are to the open follow-up wave, which has a closing date for the consent
    # page and e-mails to give (issue 18).
    with sqlite3.connect(home / "hearten.sqlite3") as db:
        (closes,) = db.execute(
            "SELECT w.closes_on FROM surveys_wave w JOIN trials_trial t ON w.trial_id = t.id "
            "WHERE t.slug = 'demo-letters' AND w.name = 'follow-up'"
        ).fetchone()
    assert closes is not None
    with sqlite3.connect(home / "hearten.sqlite3") as db:
        named, sites = db.execute(
            "SELECT (SELECT COUNT(*) FROM trials_trialrole_sites rs "
            "JOIN trials_trialrole r ON rs.trialrole_id = r.id "
            "JOIN auth_user u ON r.user_id = u.id JOIN trials_trial t ON r.trial_id = t.id "
            "WHERE u.username = 'demo-coordinator' AND t.slug = 'demo-letters'), "
            "(SELECT COUNT(*) FROM trials_site s JOIN trials_trial t ON s.trial_id = t.id "
            "WHERE t.slug = 'demo-letters')"
        ).fetchone()
    assert named == sites > 0  # every site named: a coordinator given none uploads nothing
    with sqlite3.connect(home / "hearten.sqlite3") as db:
        (deadline,) = db.execute("SELECT deadline FROM interventions_letterplan").fetchone()
    assert deadline is not None  # the letter writer's list page says by when
    html = report.read_text()
    assert "Participant flow" in html
    assert "<svg" in html
    assert "Effect on those who took part" in html  # letters delivered
    goals = home / "reports" / "demo-goals" / "report.html"
    assert f"report: {goals}" in first.out  # whole, never wrapped
    assert "Goals programme: invited" in goals.read_text()
    coffee = home / "reports" / "demo-coffee" / "report.html"
    text = coffee.read_text()
    assert "Sickness absence and leaving" in text
    assert "coffee machine and thank-you note" in text
    assert "before randomisation" in text  # committed before the draw, as recorded
    assert "does not show that the seed was fixed" not in text
    # a small process evaluation with synthetic transcripts, labelled, in both reports
    for ipe in (text, goals.read_text()):
        assert "Process evaluation: what people said" in ipe
        assert "These transcripts are synthetic" in ipe
        assert "coded by 2 coders" in ipe
    assert "“It was the first time anyone senior said" in text
    for slug in ("demo-letters", "demo-goals", "demo-coffee"):
        folder = home / "reports" / slug
        assert (folder / "report.pdf").read_bytes().startswith(b"%PDF")
        assert "Plan SHA-256" in (folder / "preregistration.md").read_text()
        assert (folder / "preregistration.pdf").exists()
        assert "CONSORT 2025 checklist" in (folder / "reporting-pack.md").read_text()
        assert "## 7. UK Evaluation Registry" in (folder / "reporting-pack.md").read_text()
        assert (
            "pre-registered primary outcome, analysed as locked"
            in (folder / "report.html").read_text()
        )
    programme = home / "reports" / "programme-happier-healthier-professionals-demo"
    assert f"pooling all four: {programme / 'report.html'}" in first.out  # whole, never wrapped
    assert "The trials, pooled" in (programme / "report.html").read_text()
    assert "Value for money across the programme" in (programme / "report.html").read_text()
    for slug in ("demo-letters", "demo-goals", "demo-coffee"):
        page = (home / "reports" / slug / "report.html").read_text()
        assert "<h2>Value for money</h2>" in page
        assert "One costing and one effect serve the whole report" in page
        assert "PSS Pay &amp; Prices Index" in page  # the one index, named with its table
    letters_page = (home / "reports" / "demo-letters" / "report.html").read_text()
    assert "answers to the deliverer survey" in letters_page  # writing time from the survey
    goals_page = (home / "reports" / "demo-goals" / "report.html").read_text()
    assert "social workers&#x27; time on a module" in goals_page
    assert "Cost per day of sickness absence avoided" in text  # the coffee trial's HR
    assert (programme / "report.pdf").exists()
    # every PDF the demo writes passes the structural check: reports, plans, packs, letters
    from tests.reports.test_tagged_pdf import structure

    letters = home / "demo" / "letters" / "all-letters.pdf"
    pdfs = [*sorted((home / "reports").rglob("*.pdf")), letters]
    assert len(pdfs) >= 13
    for pdf in pdfs:
        s = structure(pdf.read_bytes())
        assert (s["ua"], s["lang"], s["marked"]) == ("1", "en-GB", True), pdf.name
        assert s["title"], pdf.name
    # The fourth trial: a structural change rolled out in steps, pooled beside the others.
    caseload = home / "reports" / "demo-caseload" / "report.html"
    assert f"stepped-wedge trial's report: {caseload}" in first.out
    page = caseload.read_text()
    for text in (
        "stepped-wedge cluster randomised trial",
        "Who started when",
        "Participant flow by sequence and period",
        "Sickness absence and leaving by period",
        "re-draws of the allocation to sequences",
        "As Hedges' g",
        # what teams said before they started: usual practice, asked in control periods only
        "What deliverers said, and teams before the change",
        "only of people whose team was then in the condition Caseloads as usual",
    ):
        assert text in page, text
    assert caseload.with_suffix(".pdf").read_bytes().startswith(b"%PDF")
    pack = (caseload.parent / "reporting-pack.md").read_text()
    assert "## 1. CONSORT extension for stepped-wedge cluster randomised trials" in pack
    assert "Teams randomised to 4 sequences" in pack
    assert (caseload.parent / "reporting-pack.pdf").read_bytes().startswith(b"%PDF")
    pooled = (programme / "report.html").read_text()
    assert "Protected caseloads, rolled out in steps (demo)" in pooled
    assert "stepped wedge" in pooled
    # the stepped wedge's pooled g is corrected as the parallel trials' are (as its report says)
    assert "with the same small-sample correction, and the mixed model's interval" in pooled
    assert "without the small-sample correction of Hedges' g" not in pooled

    db = sqlite3.connect(home / "hearten.sqlite3")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    goals_uptake = _latest_result(db, "demo-goals")["uptake"]
    assert goals_uptake["funnel"]["invited"] != "0"
    letters = "(SELECT id FROM trials_trial WHERE slug = 'demo-letters')"
    people = db.execute(f"SELECT COUNT(*) FROM trials_participant WHERE trial_id = {letters}")
    people = people.fetchone()[0]
    teams = db.execute(f"SELECT COUNT(*) FROM trials_team WHERE trial_id = {letters}").fetchone()[0]
    sites = db.execute(f"SELECT COUNT(*) FROM trials_site WHERE trial_id = {letters}").fetchone()[0]
    # ... and the database agrees: that many of the team's staff have no letter yet.
    (unwritten,) = db.execute(
        "SELECT COUNT(*) FROM trials_participant p JOIN trials_team t ON p.team_id = t.id "
        f"WHERE p.trial_id = {letters} AND lower(t.code) = ? AND p.withdrawn_at IS NULL "
        "AND NOT EXISTS (SELECT 1 FROM interventions_letter l WHERE l.participant_id = p.id)",
        (team,),
    ).fetchone()
    assert unwritten == to_write
    # The simulated staff have names, some a preferred first name, and teams and sites
    # display names, so letters greet "Dear Liz," from the "Southwark Assessment team 2".
    named, preferred = db.execute(
        "SELECT COUNT(NULLIF(k.name, '')), COUNT(NULLIF(k.preferred_name, '')) "
        "FROM trials_identitykey k JOIN trials_participant p ON k.participant_id = p.id "
        f"WHERE p.trial_id = {letters}"
    ).fetchone()
    team_names = {
        code: name
        for code, name in db.execute(
            f"SELECT code, name FROM trials_team WHERE trial_id = {letters}"
        )
    }
    site_names = {
        n for (n,) in db.execute(f"SELECT name FROM trials_site WHERE trial_id = {letters}")
    }
    db.close()
    assert named == people
    assert 0 < preferred < people
    assert team_names["SW-01"] == "Southwark Children in Care team 1"
    assert len(set(team_names.values())) == 80
    assert site_names == {"Bracknell Forest", "Dudley", "Shropshire", "Southwark"}
    with (home / "demo" / "roster.csv").open() as f:
        header = f.readline().strip().split(",")
    assert {"name", "preferred_name", "site_name", "team_name"} <= set(header)
    assert sites == 4
    assert teams == 80
    assert 850 <= people <= 1000


def test_the_demo_shows_one_labelled_line_per_trial_and_step(demo_build: DemoBuild) -> None:
    assert demo_build.out.startswith("Building the demo: 4 trials")
    lines = [line.split() for line in demo_build.out.splitlines() if line.startswith("  ")]
    steps = [" ".join(words[:2]) for words in lines if words[-1] == "s"]
    for trial in ("letters trial", "goals trial", "coffee trial", "caseload trial"):
        assert steps.count(trial) >= 6, demo_build.out
    answered = r"letters trial +baseline survey answered \(\d[\d,]*\): \d+\.\d s"
    assert re.search(answered, demo_build.out), demo_build.out
    assert "━" not in demo_build.out, "no unlabelled bars left in the output"


@pytest.mark.long
def test_the_demo_can_run_again_with_the_same_results(
    demo_build: DemoBuild, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    shutil.copytree(demo_build.home, home)
    db = sqlite3.connect(home / "hearten.sqlite3")
    first = {slug: _repeatable(_latest_result(db, slug)) for slug in DEMO_SLUGS}
    letters = "(SELECT id FROM trials_trial WHERE slug = 'demo-letters')"
    count = f"SELECT COUNT(*) FROM trials_participant WHERE trial_id = {letters}"
    people = db.execute(count).fetchone()[0]
    db.close()
    second = subprocess.run(
        [*hearten_command(), "demo"],
        env=fresh_env(home),
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert second.returncode == 0, second.stderr
    assert second.stdout.startswith("A demo was built here before: it is replaced")
    db = sqlite3.connect(home / "hearten.sqlite3")
    assert db.execute("SELECT COUNT(*) FROM trials_trial").fetchone()[0] == 4
    # The same seed gives the same demo, number for number: its pseudonyms are drawn from the
    # seed too (the goals trial randomises people in pseudonym order), so every trial has the
    # same allocation, answers and results; only the times and the seeds' fresh salts differ.
    for slug in DEMO_SLUGS:
        assert _repeatable(_latest_result(db, slug)) == first[slug], slug
    assert db.execute(count).fetchone()[0] == people
    # Each earlier trial went by discard_trial (an allocation is never deleted otherwise),
    # which the audit log records; the new trials verify against their own events.
    discarded = "SELECT trial_slug FROM trials_auditevent WHERE action = 'trial-discarded'"
    assert sorted(r[0] for r in db.execute(discarded)) == sorted(
        ["demo-letters", "demo-goals", "demo-coffee", "demo-caseload"]
    )
    db.close()
    verified = subprocess.run(
        [*hearten_command(), "audit", "verify", "demo-letters"],
        env=fresh_env(home), capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "randomisation time: randomised at" in verified.stdout


def test_commands_refuse_a_database_that_needs_upgrading(tmp_path: Path) -> None:
    result = subprocess.run(
        [*hearten_command(), "trial", "list"],
        env=fresh_env(tmp_path / "home"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert "run `hearten db upgrade` first" in result.stderr
    upgrade = subprocess.run(
        [*hearten_command(), "db", "upgrade"],
        env=fresh_env(tmp_path / "home"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert upgrade.returncode == 0, upgrade.stderr
    assert "is up to date" in upgrade.stdout


@pytest.mark.django_db
def test_the_demo_touches_no_database_but_a_demo_one() -> None:
    """The demo deletes its own trials and resets its accounts' passwords: it refuses a
    database holding anything else (a real trial, a real account) unless told to go ahead."""
    from django.contrib.auth import get_user_model

    from hearten.demo.build import DEMO_USER, demo_only
    from hearten.errors import StateError

    users = get_user_model().objects
    users.create_user(username=DEMO_USER)
    users.create_user(username="demo-coder-a")
    demo_only()  # an earlier demo's accounts only
    users.create_user(username="evaluator")  # a real account, once the demo's own name
    with pytest.raises(StateError, match="account 'evaluator'") as refused:
        demo_only()
    assert "\n" not in str(refused.value)
    assert "--force" in str(refused.value)
    demo_only(force=True)


@pytest.mark.long
@pytest.mark.database
def test_the_demo_command_refuses_a_database_with_a_real_trial(tmp_path: Path) -> None:
    from tests.conftest import FIXTURES

    env = fresh_env(tmp_path / "home")
    for args in (["db", "upgrade"], ["trial", "create", str(FIXTURES / "design.toml")]):
        done = subprocess.run([*hearten_command(), *args], env=env, capture_output=True,
                              text=True, timeout=300)  # fmt: skip
        assert done.returncode == 0, done.stderr
    refused = subprocess.run([*hearten_command(), "demo"], env=env, capture_output=True,
                             text=True, timeout=300)  # fmt: skip
    assert refused.returncode != 0
    said = (refused.stdout + refused.stderr).strip()
    assert "this database holds data that is not the demo's (trial 'letters-test')" in said
    assert "Traceback" not in said
    listed = subprocess.run([*hearten_command(), "trial", "list"], env=env, capture_output=True,
                            text=True, timeout=120)  # fmt: skip
    assert "letters-test" in listed.stdout
    assert "demo-letters" not in listed.stdout


def test_the_demo_staff_have_reproducible_names_and_team_names(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from datetime import date

    import numpy as np

    from hearten.demo import simulate

    day = date(2026, 1, 5)
    first = simulate.simulate_staff(np.random.default_rng(7), day)
    again = simulate.simulate_staff(np.random.default_rng(7), day)
    assert [p.name for p in first] == [p.name for p in again]  # the seed gives the names
    assert all(len(p.name.split()) == 2 for p in first)
    goes_by = [p for p in first if p.preferred_name]
    assert 0 < len(goes_by) < len(first)
    assert all(p.preferred_name != p.name.split()[0] for p in goes_by)
    assert {p.site_name for p in first} == {p.site for p in first}
    assert simulate.team_name("Southwark", 1) == "Southwark Children in Care team 1"
    assert simulate.team_name("Southwark", 7) == "Southwark Child Protection team 2"
    assert len({p.team_name for p in first}) == len({p.team for p in first})
    # The names come from a spawned generator: the seed's other draws are what they were
    # before staff had names.
    named = np.random.default_rng(7)
    simulate.simulate_staff(named, day)
    monkeypatch.setattr(simulate, "_named", lambda rng, people: people)
    bare = np.random.default_rng(7)
    unnamed = simulate.simulate_staff(bare, day)
    assert named.bit_generator.state == bare.bit_generator.state
    assert [p.level for p in unnamed] == [p.level for p in first]
    assert named.random() == bare.random()
