"""Redis down, seen through the transports a client uses: the API over HTTP (Django's test client)
and the practice socket (WebsocketCommunicator). Redis carries the cache (API throttle counters),
the channel layer (dashboard broadcasts) and the Celery broker; here each points at a port where
nothing listens, as when the server is down. The language model's server down is the last case.
No service is needed, so these run in both CI passes. (docs/security.md, the degradation table.)
"""

import io
import logging
from contextlib import contextmanager
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings as django_settings
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from tests.api.helpers import program
from tests.tutor.factories import ClassroomFactory, UserFactory
from tests.tutor.scripted import ScriptedModel
from tutor.asgi import application
from tutor.content.models import Item
from tutor.learning import generation, tasks
from tutor.learning.models import Attempt, Enrollment, Learner, TutorTurn
from tutor.ops import outage

DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1: every connection is refused
CACHE_DOWN = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": DEAD_REDIS}}
CHANNEL_LAYER_DOWN = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer",
                                  "CONFIG": {"hosts": [{"address": DEAD_REDIS}]}}}
MODEL_TEXT = "What do you get when you count on from 3?"


@pytest.fixture
def loaded(valid_pack_path):
    call_command("load_course", str(valid_pack_path), stdout=io.StringIO())
    return Item.objects.get(key="add-1")


@pytest.fixture
def cache_down(settings):
    settings.CACHES = CACHE_DOWN


@contextmanager
def broker_down():
    """The Celery app publishes to a dead broker (no eager shortcut) until the block ends; its pooled
    connections to the real broker are dropped on the way in and on the way out (app.close())."""
    from tutor.celery import app

    saved = app.conf.broker_url, app.conf.task_always_eager
    app.close()
    app.conf.broker_url, app.conf.task_always_eager = DEAD_REDIS, False
    try:
        yield
    finally:
        app.close()
        app.conf.broker_url, app.conf.task_always_eager = saved


async def practice_socket(user=None, session: str = "") -> WebsocketCommunicator:
    """A practice socket for `user`, or for the session a login gave (through the session cookie)."""
    headers = [(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1")]
    if session:
        headers.append((b"cookie", f"{django_settings.SESSION_COOKIE_NAME}={session}".encode()))
    communicator = WebsocketCommunicator(application, "/ws/practice/", headers=headers)
    if user is not None:
        communicator.scope["user"] = user
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def answered(communicator: WebsocketCommunicator, item: Item, answer: str) -> list[dict]:
    """The frames of one answer's turn, up to its "done" (or an error)."""
    await communicator.send_json_to({"type": "answer", "item": item.pk, "step": "sum", "answer": answer})
    messages = []
    while not messages or messages[-1]["type"] not in ("done", "error"):
        messages.append(await communicator.receive_json_from(timeout=10))
    return messages


@pytest.mark.django_db
def test_the_api_answers_with_its_throttle_cache_down_and_warns_once(loaded, cache_down, caplog, monkeypatch):
    monkeypatch.setattr(outage, "_warned_at", {})  # no warning left from an earlier test
    api = program("outage")
    learner = api.post("/api/v1/learners/", {"course": "tiny", "external_id": "s1"}, format="json")
    assert learner.status_code == 201, learner.content
    url = f"/api/v1/learners/{learner.json()['id']}"
    for day, answer in ((1, "5"), (2, "6"), (3, "7")):
        response = api.post(f"{url}/attempts/", {"item": loaded.pk, "step": "sum", "answer": answer,
                                                 "timestamp": f"2031-01-0{day}T00:00:00Z"}, format="json")
        assert response.status_code == 201, response.content
    assert api.get(f"{url}/next/").status_code == 200
    assert Attempt.objects.filter(learner_id=learner.json()["id"]).count() == 3
    # Five requests through a dead cache, one warning: an outage must not flood the log.
    warnings = [r for r in caplog.records if r.name == "tutor.api.throttling" and r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "throttle" in warnings[0].getMessage()


@pytest.mark.django_db
def test_a_teacher_sees_the_class_pages_with_the_cache_down(loaded, cache_down, caplog, monkeypatch):
    """The class aggregates are cached in Redis; without it they are computed for each request."""
    monkeypatch.setattr(outage, "_warned_at", {})
    teacher = UserFactory(role="teacher")
    classroom = ClassroomFactory(course=loaded.course)
    classroom.teachers.add(teacher)
    learner = Learner.objects.create(kind=Learner.Kind.HUMAN, user=UserFactory())
    Enrollment.objects.create(classroom=classroom, learner=learner)
    browser = Client()
    browser.force_login(teacher)
    for page in ("", "mastery.csv", "curriculum/"):
        response = browser.get(f"/teach/class/{classroom.pk}/{page}")
        assert response.status_code == 200, (page, response.status_code)
    warnings = [r for r in caplog.records if r.name == "tutor.dashboard.selectors" and r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "unreachable" in warnings[0].getMessage()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("channel_layer_of_this_test")
async def test_a_practice_answer_is_stored_and_answered_with_the_channel_layer_down(loaded, cache_down, settings,
                                                                                    caplog):
    settings.CHANNEL_LAYERS = CHANNEL_LAYER_DOWN
    user = await database_sync_to_async(UserFactory)()

    @database_sync_to_async
    def enrolled():  # in a class, so the answer also tries the (dead) dashboard broadcast
        learner = Learner.objects.create(user=user, kind=Learner.Kind.HUMAN)
        Enrollment.objects.create(learner=learner, classroom=ClassroomFactory(course=loaded.course))
        return learner

    learner = await enrolled()
    communicator = await practice_socket(user)
    messages = await answered(communicator, loaded, "6")
    assert messages[0] == {"type": "start", "verdict": "incorrect", "move": messages[0]["move"], "hint_level": 1}
    assert messages[-1]["type"] == "done" and messages[-1]["html"]
    stored = await database_sync_to_async(list)(Attempt.objects.filter(learner=learner).values_list("raw_answer", flat=True))
    assert stored == ["6"]
    # The socket stays usable for the next turn.
    message = (await answered(communicator, loaded, "7"))[-1]
    assert message["type"] == "done" and message["status"] == "solved"
    await communicator.disconnect()
    # The teacher's live overview missed the pushes (the dashboard's receiver of answer_recorded);
    # that is logged, not hidden.
    assert [r.levelno for r in caplog.records if r.name == "django.dispatch" and "_answer_recorded" in r.getMessage()
            ] == [logging.ERROR, logging.ERROR]


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("channel_layer_of_this_test")
async def test_with_redis_down_a_learner_signs_in_and_practises(loaded, cache_down, settings):
    """Login's protection (django-axes) counts failures in the database, and sessions live there too."""
    settings.CHANNEL_LAYERS = CHANNEL_LAYER_DOWN
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # tests only: fast

    @database_sync_to_async
    def signed_in() -> str:
        user = UserFactory(username="ada")
        user.set_password("right-password-123")
        user.save()
        browser = Client()
        wrong = browser.post("/accounts/login/", {"username": "ada", "password": "wrong"})
        assert wrong.status_code == 200 and AccessAttempt.objects.get().failures_since_start == 1
        right = browser.post("/accounts/login/", {"username": "ada", "password": "right-password-123"})
        assert right.status_code == 302, right.content
        assert browser.get(f"/learn/{loaded.course.slug}/practice/").status_code == 200
        return browser.cookies[settings.SESSION_COOKIE_NAME].value

    communicator = await practice_socket(session=await signed_in())
    messages = await answered(communicator, loaded, "7")
    await communicator.disconnect()
    assert messages[-1]["type"] == "done" and messages[-1]["status"] == "solved"
    assert await database_sync_to_async(Attempt.objects.filter(learner__user__username="ada").count)() == 1


@pytest.mark.django_db(transaction=True)
def test_with_redis_down_a_model_turn_is_stored_pending_and_the_sweep_writes_it_once_redis_is_back(
        loaded, cache_down, settings, monkeypatch, in_process_tasks):
    settings.LLM_BACKEND = "openai"
    model = ScriptedModel([MODEL_TEXT])
    monkeypatch.setattr(generation, "backend", lambda: model)
    api = program("outage")
    learner_id = api.post("/api/v1/learners/", {"course": "tiny", "external_id": "s1"}, format="json").json()["id"]
    with broker_down():
        response = api.post(f"/api/v1/learners/{learner_id}/tutor/", {"message": "I am stuck", "item": loaded.pk},
                            format="json")
        assert response.status_code == 202, response.content
        assert response.json()["status"] == "pending"
    turn_url = response["Location"]
    assert api.get(turn_url).json()["status"] == "pending" and model.prompts == []  # the task never left

    # Redis is back (tasks run in process here); the periodic sweep finds the turn once it is stale.
    TutorTurn.objects.update(created_at=timezone.now() - tasks.PENDING_TURN_STALE - timedelta(seconds=1))
    assert tasks.tutor_turns_pending_requeue() == [response.json()["id"]]
    polled = api.get(turn_url).json()
    assert (polled["status"], polled["text"]) == ("done", MODEL_TEXT)


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("channel_layer_of_this_test")
async def test_with_the_language_model_server_down_the_learner_gets_the_rule_text(loaded, settings):
    """Not Redis, but the other outage of the practice path: the model's server refuses connections."""
    settings.LLM_BACKEND, settings.LLM_BASE_URL, settings.LLM_MODEL = "openai", "http://127.0.0.1:9/v1", "m"
    communicator = await practice_socket(await database_sync_to_async(UserFactory)())
    messages = await answered(communicator, loaded, "6")
    await communicator.disconnect()
    assert messages[-1]["type"] == "done"
    assert "".join(m["text"] for m in messages if m["type"] == "delta").strip() == "Here's a hint: Count on from 3."
    turn = await database_sync_to_async(TutorTurn.objects.get)(pk=messages[-1]["turn"])
    assert (turn.backend, turn.fell_back) == ("rule", True)
