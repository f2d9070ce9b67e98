"""REST tutor turns with a language model: decided at once, written by a Celery task, read by polling."""

import json
from datetime import timedelta

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.utils import timezone

from tests.tutor.factories import HumanLearnerFactory, now
from tests.tutor.scripted import ScriptedModel
from tutor.content.models import Item
from tutor.learning import generation, tasks
from tutor.learning.models import TutorTurn
from tutor.learning.pending import prepared_dump, prepared_load
from tutor.learning.tutoring import turn_stream_end, tutor_turn_take
from tutor.privacy.services import learner_erase

pytestmark = pytest.mark.django_db
MODEL_TEXT = "What do you get when you count on from 3? "


@pytest.fixture
def model(settings, monkeypatch):
    settings.LLM_BACKEND = "openai"
    scripted = ScriptedModel([MODEL_TEXT], [MODEL_TEXT])
    monkeypatch.setattr(generation, "backend", lambda: scripted)
    return scripted


@pytest.fixture
def queued(monkeypatch):
    """Scheduled generations, recorded instead of run (a broker with no worker yet)."""
    turn_ids = []
    monkeypatch.setattr(tasks.tutor_turn_generate, "delay", turn_ids.append)
    return turn_ids


def _ask(owner, learner_id, item, capture):
    with capture(execute=True):
        return owner.post(f"/api/v1/learners/{learner_id}/tutor/", {"message": "I am stuck", "item": item}, format="json")


def test_a_model_turn_is_accepted_pending_then_written_by_the_task(
        owner, learner_id, item, model, queued, django_capture_on_commit_callbacks):
    response = _ask(owner, learner_id, item, django_capture_on_commit_callbacks)
    assert response.status_code == 202
    body = response.json()
    assert (body["status"], body["text"], body["move"], body["hint_level"]) == ("pending", "", "seek_strategy", 1)
    assert response["Location"] == f"/api/v1/learners/{learner_id}/tutor/{body['id']}/"
    assert queued == [body["id"]] and model.prompts == []  # scheduled on commit, nothing generated yet
    assert owner.get(response["Location"]).json()["status"] == "pending"

    assert tasks.tutor_turn_generate(body["id"]) is True
    polled = owner.get(response["Location"]).json()
    assert (polled["status"], polled["text"], polled["fell_back"]) == ("done", MODEL_TEXT.strip(), False)
    turn = TutorTurn.objects.get(pk=body["id"])
    assert (turn.backend, turn.model_name, turn.pending_request, turn.tokens) == ("openai", "scripted", None, 1)
    # The prompt the model saw is the one whose hash the turn recorded when the move was decided.
    assert model.prompts[0].sha256 == turn.prompt_sha256 and "Count on from 3." in model.prompts[0].messages[-1]["content"]
    # A redelivered task writes nothing.
    assert tasks.tutor_turn_generate(body["id"]) is False
    assert len(model.prompts) == 1 and TutorTurn.objects.get(pk=body["id"]).text == MODEL_TEXT.strip()


def test_an_answer_with_a_model_backend_is_stored_at_once_and_its_reply_queued_not_written_under_the_lock(
        owner, learner_id, item, model, queued, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = owner.post(f"/api/v1/learners/{learner_id}/attempts/",
                              {"item": item, "step": "sum", "answer": "6"}, format="json")
    assert response.status_code == 201
    feedback = response.json()["feedback"]
    assert (feedback["status"], feedback["text"], feedback["move"]) == ("pending", "", "seek_strategy")
    assert queued == [feedback["turn"]] and model.prompts == []  # nothing generated in the request
    assert tasks.tutor_turn_generate(feedback["turn"]) is True
    polled = owner.get(f"/api/v1/learners/{learner_id}/tutor/{feedback['turn']}/").json()
    assert (polled["status"], polled["text"]) == ("done", MODEL_TEXT.strip())


@pytest.mark.django_db(transaction=True)
def test_without_a_broker_the_task_runs_on_commit_and_the_turn_comes_back_written(
        owner, learner_id, item, model, in_process_tasks):
    response = owner.post(f"/api/v1/learners/{learner_id}/tutor/", {"message": "help", "item": item}, format="json")
    assert response.status_code == 201
    assert (response.json()["status"], response.json()["text"]) == ("done", MODEL_TEXT.strip())


def test_the_generation_guard_still_applies_in_the_task(
        owner, learner_id, item, settings, monkeypatch, queued, django_capture_on_commit_callbacks):
    settings.LLM_BACKEND = "openai"
    leaking = ScriptedModel(["The answer is 7. "], ["It is 7. "])  # add-1 is 3 + 4
    monkeypatch.setattr(generation, "backend", lambda: leaking)
    turn_id = _ask(owner, learner_id, item, django_capture_on_commit_callbacks).json()["id"]
    tasks.tutor_turn_generate(turn_id)
    turn = TutorTurn.objects.get(pk=turn_id)
    assert "7" not in turn.text and "Count on from 3." in turn.text
    assert turn.fell_back and [v["reason"] for v in turn.guard_verdicts if not v["ok"]] == ["leak", "leak"]


def test_past_the_soft_time_limit_the_rule_text_is_written(
        owner, learner_id, item, settings, monkeypatch, queued, django_capture_on_commit_callbacks):
    settings.LLM_BACKEND = "openai"
    monkeypatch.setattr(generation, "backend", lambda: ScriptedModel(["Think ", SoftTimeLimitExceeded()]))
    turn_id = _ask(owner, learner_id, item, django_capture_on_commit_callbacks).json()["id"]
    assert tasks.tutor_turn_generate(turn_id) is True
    turn = TutorTurn.objects.get(pk=turn_id)
    assert (turn.status, turn.backend, turn.fell_back) == ("done", "rule", True)
    assert "Count on from 3." in turn.text
    assert turn.guard_verdicts[0]["detail"] == "the generation ran past its time limit"


def test_a_turn_whose_learner_was_erased_is_skipped(
        owner, learner_id, item, model, queued, django_capture_on_commit_callbacks):
    turn_id = _ask(owner, learner_id, item, django_capture_on_commit_callbacks).json()["id"]
    learner_erase(learner=TutorTurn.objects.get(pk=turn_id).learner)
    assert tasks.tutor_turn_generate(turn_id) is False and model.prompts == []


def test_the_sweep_queues_again_only_turns_that_lost_their_task(
        owner, learner_id, item, model, queued, django_capture_on_commit_callbacks):
    stale, _fresh = (_ask(owner, learner_id, item, django_capture_on_commit_callbacks).json()["id"] for _ in range(2))
    TutorTurn.objects.filter(pk=stale).update(created_at=timezone.now() - tasks.PENDING_TURN_STALE - timedelta(seconds=1))
    queued.clear()
    assert tasks.tutor_turns_pending_requeue() == [stale] and queued == [stale]
    tasks.tutor_turn_generate(stale)
    assert tasks.tutor_turns_pending_requeue() == []


def test_the_stored_request_rebuilds_the_prepared_turn_exactly(course):
    """Down the hint ladder to the revealed answer, through a recall of a weak prerequisite: what the
    task rebuilds from JSON is what the request decided."""
    learner, item = HumanLearnerFactory(), Item.objects.get(course=course, key="lin-expr")
    intents = set()
    for answer in (None, "x", "2*x", None, "5", "6"):
        start = tutor_turn_take(learner=learner, item=item, answered_at=now(), source="web", step_key="expand",
                                answer=answer, streamed=True).stream
        turn_stream_end(start=start, text="...", facts={"backend": "rule", "model_name": ""})  # the ladder climbs
        prepared = start.prepared
        intents.add(prepared.decision.intent.value)
        loaded = prepared_load(json.loads(json.dumps(prepared_dump(prepared))))
        assert (loaded.decision, loaded.request) == (prepared.decision, prepared.request)
        assert (tuple(loaded.guard.protected), loaded.guard.allowed_text, loaded.guard.reveal) == (
            tuple(prepared.guard.protected), prepared.guard.allowed_text, prepared.guard.reveal)
    assert {"recall_relevant_information", "revealing_answer"} <= intents


def test_a_prompt_template_changed_since_the_request_still_gets_its_reply(
        owner, learner_id, item, model, queued, django_capture_on_commit_callbacks):
    turn_id = _ask(owner, learner_id, item, django_capture_on_commit_callbacks).json()["id"]
    TutorTurn.objects.filter(pk=turn_id).update(prompt_sha256="0" * 64)  # as if hashed by an older template
    assert tasks.tutor_turn_generate(turn_id) is True
    turn = TutorTurn.objects.get(pk=turn_id)
    assert (turn.status, turn.text) == ("done", MODEL_TEXT.strip())
    assert turn.prompt_sha256 == model.prompts[0].sha256  # the prompt the model was actually given
