"""Every page and e-mail a participant of every arm can meet names the study by its public
title, never by the trial's internal name or any arm's name or label (issue 18, part 1)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from hearten.interventions.goals import enrol
from hearten.interventions.models import Enrolment
from hearten.messaging.models import Message
from hearten.surveys.models import Invitation
from hearten.surveys.services import close_wave, get_wave, invite, record_consent
from hearten.trials.allocation import arms_by_participant, randomise_trial
from hearten.trials.design import DesignError, parse_design
from hearten.trials.public import arm_words_in
from tests.conftest import CLOCK, Inbox

#: The clock the services are given (a fixed one: nothing here depends on the day).
NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)

pytestmark = pytest.mark.django_db


def _leaks(text: str, trial: Any) -> str | None:
    """The internal name, or an arm's name or label, if ``text`` shows one."""
    if trial.name.lower() in text.lower():
        return trial.name
    words = [w for a in trial.design["arms"] for w in (a["name"], a["label"])]
    return arm_words_in(re.sub(r"<[^>]+>", " ", text), words)


def test_every_participant_page_and_e_mail_hides_the_trial_and_its_arms(
    trial: Any, hearten: Callable[..., Any], smtp: Inbox, tmp_path: Path
) -> None:
    randomise_trial(trial, 7, now=CLOCK)
    wave = get_wave(trial, "baseline")
    invite(wave, NOW)
    enrol(trial, "letters", timezone.localdate() - timedelta(days=8), now=CLOCK)
    invitations = list(Invitation.objects.filter(wave=wave).order_by("id"))
    arm_of = arms_by_participant(trial)
    by_arm: dict[str, list[Invitation]] = {}
    for inv in invitations:
        by_arm.setdefault(arm_of[inv.participant_id], []).append(inv)
    assert set(by_arm) == {"control", "letters"}
    seen = 0
    for arm, people in by_arm.items():
        answerer, decliner, leaver = people[:3]
        client = Client()
        pages = []
        base = f"/s/{answerer.token}/"
        pages.append(client.get(base))  # consent
        pages.append(client.post(base, {"consent": "yes"}, follow=True))  # page 1
        pages.append(client.post(base, {"page": "swemwbs"}))  # errors
        for suffix in ("information/", "privacy/", "leave-study/", "concern/", "stop-emails/"):
            pages.append(client.get(base + suffix))
        pages.append(client.post(base + "stop-emails/"))  # e-mails stopped
        pages.append(client.post(base + "concern/", {"concern": ""}))  # refused: empty
        pages.append(client.post(base + "concern/", {"concern": "A worry"}, follow=True))
        answers = {f"swemwbs_{i}": "3" for i in range(1, 8)}
        pages.append(client.post(base, {"page": "swemwbs", **answers}))  # check your answers
        sent = {"page": "swemwbs", "checked": "yes", **answers}
        pages.append(client.post(base, sent, follow=True))  # thanks
        record_consent(decliner, False, now=NOW)
        pages.append(client.get(f"/s/{decliner.token}/"))
        out = f"/s/{leaver.token}/leave-study/"
        pages.append(client.post(out, {"choice": "stop"}))  # are you sure?
        pages.append(client.post(out, {"choice": "stop", "confirm": "yes"}))  # you have left
        pages.append(client.get(f"/s/{leaver.token}/"))
        for e in Enrolment.objects.filter(participant__in=[p.participant for p in people]):
            g = f"/g/{e.token}/"
            for suffix in ("information/", "privacy/", "leave-study/", "leave/", "concern/",
                           "stop-emails/"):  # fmt: skip
                pages.append(client.get(g + suffix))
        for page in pages:
            assert page.status_code in (200, 410), page.status_code
            text = page.content.decode()
            assert "Staff wellbeing study" in text
            assert _leaks(text, trial) is None, (
                arm,
                page.request["PATH_INFO"],
                _leaks(text, trial),
            )
            seen += 1
    # The e-mails: invitations to both arms, then reminders, then the programme's.
    assert hearten("worker", "--once").code == 0
    Message.objects.filter(kind="reminder-1").update(due_at=timezone.now())
    assert hearten("worker", "--once").code == 0
    assert len(smtp.messages) > 40  # invitations to both arms, reminders, programme
    for mail in smtp.messages:
        body = mail.get_payload(decode=True).decode()
        for text in (mail["Subject"], body):
            assert _leaks(text, trial) is None, (mail["Subject"], _leaks(text, trial))
        assert "Leave the study" in body
        assert "Raise a concern" in body
        assert "Privacy notice" in body
    closer = by_arm["control"][3]
    close_wave(wave, NOW)
    closed = Client().get(f"/s/{closer.token}/").content.decode()
    assert "This survey has closed" in closed
    assert _leaks(closed, trial) is None
    # The links file for the evaluator names no arm either.
    links = tmp_path / "links.csv"
    assert hearten("trial", "invite", trial.slug, "follow-up", "--out", str(links)).code == 0
    assert _leaks(links.read_text(), trial) is None
    assert seen > 20


def test_a_design_cannot_name_an_arm_in_what_participants_read(design_file: Path) -> None:
    text = design_file.read_text()
    with pytest.raises(DesignError, match=r"participants\.title contains 'letters'"):
        parse_design(text + '\n[participants]\ntitle = "Letters for social workers"\n')
    with pytest.raises(DesignError, match=r"information_sheet contains 'Business as usual'"):
        parse_design(
            text + '\n[participants]\ninformation_sheet = "Half carry on with business as usual."\n'
        )
    with pytest.raises(DesignError, match="support line 1 contains"):
        parse_design(
            text + '\n[support.union]\nname = "Unison"\nabout = "Ask about your letters."\n'
        )
    with pytest.raises(DesignError, match=r"\[privacy\] purposes contains 'letters'"):
        parse_design(text + '\n[privacy]\npurposes = "To see whether letters help."\n')
    ok = parse_design(text + '\n[participants]\ntitle = "Working well in Dudley"\n')
    assert ok.participants.title == "Working well in Dudley"
    assert parse_design(text).participants.title == "Staff wellbeing study"
