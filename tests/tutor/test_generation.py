import asyncio
import io

import pytest
from django.core.management import call_command

from llm.backends import BackendError
from llm.prompt import REGENERATE
from tutor.content.models import Item
from tutor.learning import generation
from tutor.learning.tutoring import turn_begin, tutor_turn_take

from .factories import HumanLearnerFactory, now

pytestmark = pytest.mark.django_db
RULE_HINT = "Here's a hint: Count on from 3."


class ScriptedModel:
    """A model backend that streams one script of fixed pieces per call (an exception in a script is
    raised there), and records the prompts it was given and how many pieces each stream handed out."""

    name, model = "openai", "scripted"

    def __init__(self, *scripts):
        self.scripts = list(scripts)
        self.prompts, self.handed_out, self.closed = [], [], []

    async def stream(self, request):
        self.prompts.append(request.prompt)
        pieces = self.scripts[len(self.prompts) - 1]
        self.handed_out.append(0)
        try:
            for piece in pieces:
                if isinstance(piece, Exception):
                    raise piece
                await asyncio.sleep(0)
                self.handed_out[-1] += 1
                yield piece
        finally:
            self.closed.append(True)


@pytest.fixture
def loaded(valid_pack_path):
    call_command("load_course", str(valid_pack_path), stdout=io.StringIO())


def turn_with(monkeypatch, model):
    monkeypatch.setattr(generation, "backend", lambda: model)
    return tutor_turn_take(learner=HumanLearnerFactory(), item=Item.objects.get(key="add-1"), answered_at=now(),
                           source="web", step_key="sum", answer="6").turn


def streamed(model) -> tuple[list[str], generation.GuardedGeneration]:
    """What a streaming consumer (the WebSocket) would forward, delta by delta."""
    start = turn_begin(learner=HumanLearnerFactory(), item=Item.objects.get(key="add-1"), answered_at=now(),
                       source="web", step_key="sum", answer="6")
    reply = generation.GuardedGeneration(start.prepared, model)

    async def collect():
        return [delta async for delta in reply.deltas()]

    return asyncio.run(collect()), reply


def attempts(turn) -> list[tuple[str, bool, str]]:
    return [(v["attempt"], v["ok"], v["reason"]) for v in turn.guard_verdicts]


def test_a_clean_model_reply_is_used(loaded, monkeypatch):
    model = ScriptedModel(["Try counting ", "up from three. ", "What do you get?"])
    turn = turn_with(monkeypatch, model)
    assert turn.text == "Try counting up from three. What do you get?"
    assert (turn.backend, turn.model_name, turn.fell_back) == ("openai", "scripted", False)
    assert attempts(turn) == [("first", True, ""), ("first", True, "")]
    assert len(model.prompts) == 1


def test_a_leak_is_regenerated_once_and_the_clean_retry_is_sent(loaded, monkeypatch):
    model = ScriptedModel(["The sum is ", "7. ", "Well done."], ["Try counting ", "up from three."])
    turn = turn_with(monkeypatch, model)
    assert turn.text == "Try counting up from three."
    assert (turn.backend, turn.fell_back) == ("openai", False)
    assert attempts(turn) == [("first", False, "leak"), ("regenerated", True, "")]
    first, retry = model.prompts
    assert REGENERATE["leak"] not in first.messages[-1]["content"]
    assert retry.messages[-1]["content"].endswith(REGENERATE["leak"])
    assert retry.sha256 != first.sha256 == turn.prompt_sha256
    assert "The sum is 7" not in retry.messages[-1]["content"]  # the rejected text is not shown back
    # The leaking stream was closed at the stopped sentence: "Well done." was never even read.
    assert model.handed_out == [2, 2] and model.closed == [True, True]


def test_a_second_leak_falls_back_to_the_rule_text(loaded, monkeypatch):
    turn = turn_with(monkeypatch, ScriptedModel(["The sum is 7. "], ["It is 7. "]))
    assert turn.text == RULE_HINT
    assert (turn.backend, turn.model_name, turn.fell_back) == ("rule", "rule-v1", True)
    assert attempts(turn) == [("first", False, "leak"), ("regenerated", False, "leak"), ("rule", True, "")]


def test_no_leaking_text_reaches_the_consumer(loaded):
    deltas, reply = streamed(ScriptedModel(["Good try. ", "The sum ", "is 7. "], ["So 3 + 4 ", "= 7."]))
    assert "".join(deltas).split() == ["Good", "try.", "Here's", "a", "hint:", "Count", "on", "from", "3."]
    assert not any("7" in delta for delta in deltas)
    assert reply.regenerated and reply.fell_back and reply.model_sentences == 1


def test_after_a_clean_sentence_the_retry_continues_from_what_was_read(loaded, monkeypatch):
    model = ScriptedModel(["Good try. ", "It is 7. "], ["Count up from three."])
    turn = turn_with(monkeypatch, model)
    assert turn.text == "Good try. Count up from three." and turn.fell_back is False
    assert 'The learner has already read: "Good try."' in model.prompts[1].messages[-1]["content"]


def test_a_backend_failure_falls_back_without_a_retry(loaded, monkeypatch):
    model = ScriptedModel([BackendError("500 mid-stream"), "never sent"])
    turn = turn_with(monkeypatch, model)
    assert turn.text == RULE_HINT and turn.fell_back is True and len(model.prompts) == 1
    assert turn.guard_verdicts[0] == {"attempt": "first", "ok": False, "reason": "error", "detail": "500 mid-stream"}


def test_a_failing_retry_falls_back(loaded, monkeypatch):
    turn = turn_with(monkeypatch, ScriptedModel(["It is 7. "], [BackendError("no first token within 2.0 s")]))
    assert turn.text == RULE_HINT and turn.fell_back is True
    assert attempts(turn) == [("first", False, "leak"), ("regenerated", False, "error"), ("rule", True, "")]


def test_an_empty_model_reply_gets_the_rule_text(loaded, monkeypatch):
    turn = turn_with(monkeypatch, ScriptedModel(["  "]))
    assert turn.text == RULE_HINT and turn.fell_back is True


def test_backend_is_chosen_by_settings(settings, tmp_path):
    settings.LLM_BACKEND = "openai"
    settings.LLM_BASE_URL, settings.LLM_MODEL = "http://127.0.0.1:9/v1", "m"
    assert generation.backend().name == "openai"
    settings.LLM_BACKEND, settings.LLM_LOCAL_PATH = "local", str(tmp_path)
    assert generation.backend().name == "local"
    settings.LLM_BACKEND = "rule"
    assert generation.backend().name == "rule"
