"""The move check is on in the tutor turn (issue 17, item 4): a model's probing reply that asks the
learner nothing, or a hint that says the step is done, is replaced by the rule text, over REST."""

import io

import pytest
from django.core.management import call_command

from tests.api.helpers import program
from tests.tutor.scripted import ScriptedModel
from tutor.content.models import Item
from tutor.learning import generation, tasks
from tutor.learning.models import TutorTurn

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(valid_pack_path):
    call_command("load_course", str(valid_pack_path), stdout=io.StringIO())
    return program("owner")


def _turn(owner, settings, monkeypatch, model, path: str, body: dict) -> dict:
    """The turn's reply as a client polls it, written by the generation task with `model`."""
    settings.LLM_BACKEND = "openai"
    monkeypatch.setattr(generation, "backend", lambda: model)
    monkeypatch.setattr(tasks.tutor_turn_generate, "delay", lambda turn_id: None)  # run by hand below
    learner = owner.post("/api/v1/learners/", {"course": "tiny", "external_id": "s1", "planner": "mastery"},
                         format="json").json()["id"]
    item = Item.objects.get(course__slug="tiny", key="add-1").pk
    response = owner.post(f"/api/v1/learners/{learner}/{path}", {**body, "item": item}, format="json")
    assert response.status_code in (201, 202), response.content
    turn_id = response.json()["feedback"]["turn"] if path == "attempts/" else response.json()["id"]
    assert tasks.tutor_turn_generate(turn_id) is True
    return owner.get(f"/api/v1/learners/{learner}/tutor/{turn_id}/").json()


def test_a_probing_reply_that_asks_nothing_is_replaced_by_the_rule_text(owner, settings, monkeypatch):
    # "34" for 3 + 4 is the pack's known misconception: the move is seeking self-correction.
    model = ScriptedModel(["You wrote the digits side by side. ", "Add them instead."])
    polled = _turn(owner, settings, monkeypatch, model, "attempts/", {"step": "sum", "answer": "34"})
    assert polled["move"] == "seeking_self_correction" and polled["fell_back"] is True
    assert polled["text"].startswith("Not quite. You wrote the digits side by side; add them.") and "?" in polled["text"]
    assert "Add them instead" not in polled["text"] and len(model.prompts) == 1  # replaced, not retried
    stored = TutorTurn.objects.get(pk=polled["id"])
    assert {"attempt": "first", "ok": False, "reason": "move"} in stored.guard_verdicts


def test_a_hint_that_says_the_step_is_done_is_replaced_by_the_rule_text(owner, settings, monkeypatch):
    model = ScriptedModel(["Good thinking, you've solved this step. ", "Move on."])
    polled = _turn(owner, settings, monkeypatch, model, "tutor/", {"message": "I am stuck"})
    assert (polled["move"], polled["fell_back"]) == ("seek_strategy", True)
    assert polled["text"] == "Here's a hint: Count on from 3."
    stored = TutorTurn.objects.get(pk=polled["id"])
    assert stored.guard_verdicts[0] == {"attempt": "first", "ok": False, "reason": "ends_step"}
