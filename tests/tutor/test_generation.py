import asyncio

import pytest
from django.core.management import call_command

from llm.backends import BackendError
from tutor.content.models import Item
from tutor.learning import generation
from tutor.learning.tutoring import tutor_turn_take

from .factories import HumanLearnerFactory, now

pytestmark = pytest.mark.django_db
RULE_HINT = "Here's a hint: Count on from 3."


class ScriptedModel:
    """A model backend that streams fixed pieces, optionally failing after some of them."""

    name, model = "openai", "scripted"

    def __init__(self, pieces, fail_after=None):
        self.pieces, self.fail_after = pieces, fail_after

    async def stream(self, request):
        for index, piece in enumerate(self.pieces):
            if index == self.fail_after:
                raise BackendError("500 mid-stream")
            await asyncio.sleep(0)
            yield piece


@pytest.fixture
def loaded(valid_pack_path):
    call_command("load_course", str(valid_pack_path), stdout=open("/dev/null", "w"))


def turn_with(monkeypatch, model):
    monkeypatch.setattr(generation, "backend", lambda: model)
    return tutor_turn_take(learner=HumanLearnerFactory(), item=Item.objects.get(key="add-1"), answered_at=now(),
                           source="web", step_key="sum", answer="6").turn


def test_a_clean_model_reply_is_used(loaded, monkeypatch):
    turn = turn_with(monkeypatch, ScriptedModel(["Try counting ", "up from three. ", "What do you get?"]))
    assert turn.text == "Try counting up from three. What do you get?"
    assert (turn.backend, turn.model_name, turn.fell_back) == ("openai", "scripted", False)
    assert [v["ok"] for v in turn.guard_verdicts] == [True, True]


def test_a_leaking_reply_falls_back_to_the_rule_text(loaded, monkeypatch):
    turn = turn_with(monkeypatch, ScriptedModel(["The sum is ", "7. ", "Well done."]))
    assert turn.text == RULE_HINT
    assert turn.fell_back is True and turn.backend == "rule"
    assert {"ok": False, "reason": "leak"} in turn.guard_verdicts


def test_a_leak_after_a_clean_sentence_ends_the_reply_there(loaded, monkeypatch):
    turn = turn_with(monkeypatch, ScriptedModel(["Good try. ", "It is 7. "]))
    assert turn.text == "Good try." and turn.fell_back is False


def test_a_backend_failure_before_any_text_falls_back(loaded, monkeypatch):
    turn = turn_with(monkeypatch, ScriptedModel(["never sent"], fail_after=0))
    assert turn.text == RULE_HINT and turn.fell_back is True
    assert turn.guard_verdicts[-1]["detail"] == "500 mid-stream"


def test_backend_is_chosen_by_settings(settings, tmp_path):
    settings.LLM_BACKEND = "openai"
    settings.LLM_BASE_URL, settings.LLM_MODEL = "http://127.0.0.1:9/v1", "m"
    assert generation.backend().name == "openai"
    settings.LLM_BACKEND, settings.LLM_LOCAL_PATH = "local", str(tmp_path)
    assert generation.backend().name == "local"
    settings.LLM_BACKEND = "rule"
    assert generation.backend().name == "rule"
