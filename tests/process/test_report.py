"""The trial report's process evaluation section: the sample's flow, themes beside the
effects, by uptake stage, within the disclosure rules."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from hearten.analysis.run import run_analysis
from hearten.process.codebook import load_codebook
from hearten.process.coding import code_of, tag_quote
from hearten.process.models import Transcript
from hearten.process.sampling import draw_sample, record
from hearten.process.transcripts import upload
from hearten.reports.render import write_report
from hearten.surveys.services import invite
from hearten.trials.allocation import arms_by_participant, randomise_trial
from hearten.trials.models import Participant
from tests.analysis.test_run import _answer
from tests.conftest import CLOCK

#: The clock the services are given (a fixed one: nothing here depends on the day).
NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)

pytestmark = pytest.mark.django_db


@pytest.fixture
def analysed_with_interviews(trial: Any, coders: tuple[Any, Any]) -> Any:
    invite(trial.waves.get(name="baseline"), NOW)
    _answer(trial, "baseline", {})
    randomise_trial(trial, 11, now=CLOCK)
    arms = arms_by_participant(trial)
    invite(trial.waves.get(name="follow-up"), NOW)
    _answer(trial, "follow-up", {pid: 1 for pid, a in arms.items() if a == "letters"})
    run_analysis(trial, CLOCK)
    people = list(Participant.objects.filter(trial=trial).order_by("pseudonym"))
    draw = draw_sample(trial, [p.pseudonym for p in people], 6, seed=7, strata=["arm"], now=CLOCK)
    load_codebook(trial, "code,parent,definition\nValued,,Felt valued\nNo time,,No time\n")
    declined = False  # exactly one control member declines: five of six stay to be shown
    for m in draw.members.select_related("participant").order_by("id"):
        who = m.participant.pseudonym
        record(trial, who, "invited", CLOCK)
        if arms[m.participant_id] == "control" and not declined:
            record(trial, who, "declined", CLOCK)
            declined = True
            continue
        record(trial, who, "agreed", CLOCK)
        says = "I felt valued." if arms[m.participant_id] == "letters" else "No time for it."
        t = upload(
            trial,
            f"INT-{m.id}",
            f"Respondent: {says}\n",
            interviewee=who,
            synthetic=True,
            now=CLOCK,
        )
        for coder in coders:
            code = code_of(trial, "Valued" if "valued" in says else "No time")
            tag_quote(t, code, coder, says)
    return trial


def test_the_report_sets_themes_beside_the_effects_within_the_rules(
    analysed_with_interviews: Any,
) -> None:
    trial = analysed_with_interviews
    html = write_report(trial, now=CLOCK).read_text()
    assert "Process evaluation: what people said" in html
    assert "These transcripts are synthetic" in html
    interviewed = Transcript.objects.filter(trial=trial).count()
    assert f"{interviewed} interviewed" in html
    assert "12 sampled, 12 invited" in html
    effect = trial.analysis_runs.order_by("-id").first().result["effects"][0]
    assert f"effect {effect['estimate']:.2f} (" in html
    arms = arms_by_participant(trial)
    in_letters = sum(
        1 for t in Transcript.objects.filter(trial=trial) if arms[t.participant_id] == "letters"
    )
    assert f"{in_letters} of {in_letters}" in html
    assert "“I felt valued.”" in html


def test_a_small_arm_is_not_shown_and_gives_no_quote(analysed_with_interviews: Any) -> None:
    trial = analysed_with_interviews
    arms = arms_by_participant(trial)
    control = [p for p, a in arms.items() if a == "control"]
    Transcript.objects.filter(trial=trial, participant_id__in=control).delete()
    kept = Transcript.objects.filter(trial=trial, participant__isnull=False)
    assert all(arms[t.participant_id] == "letters" for t in kept)
    html = write_report(trial, now=CLOCK).read_text()
    assert "“I felt valued.”" in html  # one column, nothing to subtract from
    one_control = Participant.objects.get(id=control[0])
    upload(
        trial,
        "INT-C",
        "Respondent: No time for it.\n",
        interviewee=one_control.pseudonym,
        now=CLOCK,
    )
    html = write_report(trial, now=CLOCK).read_text()
    assert "not shown" in html
    assert "“I felt valued.”" not in html
    assert "“No time for it.”" not in html
