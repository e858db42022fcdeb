"""Response monitoring: rates by site, team and arm, small groups hidden, arms concealed."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from hearten.surveys.models import Invitation
from hearten.surveys.services import get_wave, invite, record_consent, save_page
from hearten.trials.allocation import randomise_trial
from hearten.trials.people import add_role, open_delivery
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db
PASSWORD = "a long passphrase 1"
ANSWERS = {f"swemwbs_{i}": 3 for i in range(1, 8)}


@pytest.fixture
def answered(trial: Any) -> Any:
    invite(get_wave(trial, "baseline"))
    for inv in Invitation.objects.filter(wave__trial=trial).order_by("id")[:13]:
        record_consent(inv, True)
        save_page(inv, "swemwbs", ANSWERS)
    randomise_trial(trial, 1)
    return trial


def test_a_coordinator_sees_rates_but_not_arms_until_delivery_opens(
    client: Client, answered: Any
) -> None:
    add_role(answered, "coord", "coordinator", [], PASSWORD)
    sign_in(client, "coord", PASSWORD)
    page = client.get(f"/trials/{answered.slug}/responses/").content.decode()
    assert "13 of 40 people have answered (32%)" in page
    assert "Dudley" in page
    assert "By arm" not in page
    open_delivery(answered)
    assert "By arm" in client.get(f"/trials/{answered.slug}/responses/").content.decode()


def test_small_teams_are_hidden_with_a_partner(client: Client, trial: Any) -> None:
    design = dict(trial.design)
    design["monitoring"] = {"min_group": 6}  # teams of 5 are all too small
    trial.design = parse_design_dict(design)
    trial.save()
    invite(get_wave(trial, "baseline"))
    evaluator = get_user_model().objects.create_user("eve", password=PASSWORD)
    trial.evaluators.add(evaluator)
    sign_in(client, "eve", PASSWORD)
    page = client.get(f"/trials/{trial.slug}/responses/").content.decode()
    assert page.count(">hidden<") == 8 + 2  # every team, and both sites at 0% too
    assert "0 of 40 people have answered" not in page  # nobody answered: 0% is hidden
    assert "Not shown yet, so that nobody's answer can be worked out." in page
    assert "Groups of fewer than 6 people are hidden" in page


def parse_design_dict(design: dict) -> dict:
    from hearten.trials.design import Design

    return Design.model_validate(design).model_dump(mode="json")


def test_nobody_else_sees_the_rates(client: Client, answered: Any) -> None:
    get_user_model().objects.create_user("mallory", password=PASSWORD)
    sign_in(client, "mallory", PASSWORD)
    assert client.get(f"/trials/{answered.slug}/responses/").status_code == 404
    add_role(answered, "writer", "letter-writer", ["DU-0"], PASSWORD)
    sign_in(client, "writer", PASSWORD)
    assert client.get(f"/trials/{answered.slug}/responses/").status_code == 404
