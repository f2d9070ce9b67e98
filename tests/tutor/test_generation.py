import asyncio
import io
from pathlib import Path

import pytest
from django.core.management import call_command

from psikt.llm.backends import BackendError
from psikt.llm.prompt import REGENERATE
from tutor.content.models import Item
from tutor.learning import generation
from tutor.learning.tutoring import tutor_turn_take

from .factories import HumanLearnerFactory, now
from .scripted import ScriptedModel

pytestmark = pytest.mark.django_db
RULE_HINT = "Here's a hint: Count on from 3."
DEMO = Path(__file__).resolve().parents[2] / "courses" / "demo"


@pytest.fixture
def loaded(valid_pack_path):
    call_command("load_course", str(valid_pack_path), stdout=io.StringIO())


def turn_with(monkeypatch, model):
    monkeypatch.setattr(generation, "backend", lambda: model)
    return tutor_turn_take(learner=HumanLearnerFactory(), item=Item.objects.get(key="add-1"), answered_at=now(),
                           source="web", step_key="sum", answer="6").turn


def streamed(model) -> tuple[list[str], generation.GuardedGeneration]:
    """What a streaming consumer (the WebSocket) would forward, delta by delta."""
    start = tutor_turn_take(learner=HumanLearnerFactory(), item=Item.objects.get(key="add-1"), answered_at=now(),
                            source="web", step_key="sum", answer="6", streamed=True).stream
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


WRONG = {"numeric": "987654", "fraction": "987654", "decimal": "987654", "solve": "x = 987654",
         "expression": "x + 987654", "equation": "x = 987654", "exact": "zzz"}


def wrong_turns(spec, mistakes) -> list[str | None]:
    """Six wrong answers that are no known misconception (those get self-correction, not the ladder).
    Where every wrong choice is a known misconception, two of those and then hint requests (None)."""
    if spec.mode != "choice":
        return [WRONG[spec.mode]] * 6
    plain = [key for key in spec.keys if key != spec.value and key not in {m.answer for m in mistakes}]
    return plain[:1] * 6 or [mistakes[0].answer] * 2 + [None] * 4


def test_rule_tutor_over_the_whole_demo_course_never_leaks_and_tells_only_at_the_bottom(settings):
    """Spec "Evaluation of tutor output": the deterministic leak check and move statistics in CI.
    Every step and final answer of every demo item (and one draw of every template) gets wrong
    answers until the tutor tells; no reply before that may contain an answer the learner still owes."""
    from collections import Counter

    from psikt.checking import AnswerSpec
    from psikt.llm.guard import Guard
    from psikt.llm.moves import Category
    from tutor.content.models import ItemTemplate
    from tutor.content.selectors import item_answer
    from tutor.content.services import item_from_template

    settings.LLM_BACKEND = "rule"
    call_command("load_course", str(DEMO), stdout=io.StringIO())
    items = list(Item.objects.filter(course__slug="demo-algebra", template__isnull=True))
    items += [item_from_template(template=t, seed="leak-check") for t in ItemTemplate.objects.all()]
    assert len(items) >= 150
    moves, leaks = Counter(), []
    for item in items:
        learner = HumanLearnerFactory()
        final, _ = item_answer(item=item)
        for step in [*item.steps.order_by("position"), None]:
            key = step.key if step else ""
            spec, mistakes = item_answer(item=item, step_key=key)
            # The independent oracle: the answer still owed on this step and the item's final answer.
            owed: list[AnswerSpec] = [spec, final]
            guard = Guard(owed, allowed_text=f"{item.statement} {step.prompt if step else ''}")
            levels = []
            for answer in wrong_turns(spec, mistakes):
                turn = tutor_turn_take(learner=learner, item=item, answered_at=now(), source="web",
                                       step_key=key, answer=answer).turn
                moves[turn.move_intent] += 1
                if turn.move_category == Category.TELLING:
                    # Telling only at the bottom of the ladder, after the pointing and teaching hints.
                    assert turn.hint_level == 3 and {1, 2} <= set(levels), (item.key, key, levels)
                    break
                if not guard.reply(turn.text).ok or not all(v["ok"] for v in turn.guard_verdicts):
                    leaks.append((item.key, key, turn.move_intent, turn.text))
                levels.append(turn.hint_level)
            else:
                pytest.fail(f"no bottom-out on {item.key}/{key}: {levels}")
    assert leaks == [], "\n".join(map(repr, leaks))
    telling = moves["revealing_answer"] / sum(moves.values())
    assert set(moves) <= {"seek_strategy", "guiding_student_focus", "recall_relevant_information",
                          "asking_for_explanation", "seeking_self_correction", "revealing_answer"}
    assert 0 < telling < 0.5, moves


def test_when_every_rule_sentence_is_stopped_the_learner_still_gets_a_safe_reply(loaded, monkeypatch):
    from psikt.llm.guarded import LAST_RESORT
    from tutor.content.models import Hint

    Hint.objects.filter(step__item__key="add-1", step__key="sum", level=1).update(text="It is 7.")
    turn = turn_with(monkeypatch, ScriptedModel(["The sum is 7. "], ["7."]))
    assert turn.text == LAST_RESORT and turn.fell_back is True
    assert attempts(turn)[-1] == ("rule", False, "leak")
