"""The class overview updates over its socket when a learner of the class answers."""

import json
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from tutor.asgi import application
from tutor.dashboard import consumers
from tutor.dashboard.pseudonyms import pseudonyms
from tutor.learning.engine import course_engine
from tutor.learning.levels import mastery_level
from tutor.learning.models import Attempt, Learner, LearnerState

from .helpers import answer

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("channel_layer_of_this_test")]
HEADERS = [(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1")]


def _socket(classroom_id: int, user, query: str = "", headers=HEADERS) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(application, f"/ws/teach/class/{classroom_id}/{query}", headers=headers)
    communicator.scope["user"] = user
    return communicator


def _ada_row(classroom):
    """ada's row of the heatmap as it should be now: her level in each skill, as a rank."""
    ada = Learner.objects.get(enrollment__classroom=classroom, kind="human")
    state = LearnerState.objects.get(learner=ada, course=classroom.course).tracer_state
    mastery = course_engine(classroom.course).tracer.mastery(state)
    answers = {kc: Attempt.objects.filter(learner=ada, item__kcs__key=kc).count() for kc in ("add", "frac", "lin")}
    return ada, [mastery_level(p=mastery[kc].p, sd=mastery[kc].sd, answers=answers[kc]).rank
                 for kc in ("add", "frac", "lin")]


async def _pseudonym_of(learner, classroom, token: str) -> str:
    enrolled = await database_sync_to_async(list)(classroom.learners.values_list("pk", flat=True))
    return pseudonyms(enrolled, token)[learner.pk]


async def test_an_answer_in_the_class_pushes_a_fresh_overview(classroom):
    teacher = await database_sync_to_async(classroom.teachers.get)()
    socket = _socket(classroom.pk, teacher)
    connected, _ = await socket.connect()
    assert connected
    await socket.send_to(text_data="not json")   # ignored: the socket stays up and keeps pushing
    await socket.send_to(bytes_data=b"\x00")
    ada = await database_sync_to_async(Learner.objects.get)(enrollment__classroom=classroom, kind="human")
    await database_sync_to_async(answer)(ada, "add-1", "7", timezone.now())
    message = await socket.receive_json_from(timeout=10)
    _, expected = await database_sync_to_async(_ada_row)(classroom)
    assert message["type"] == "overview"
    heatmap = message["heatmap"]["data"][0]
    assert heatmap["y"][0] == "ada"
    assert heatmap["z"][0] == expected
    assert sum(message["activity"]["data"][0]["y"]) == 1
    assert "Nobody is stuck right now." in message["html"]["needs_help"]
    await socket.disconnect()


async def test_every_table_of_the_overview_comes_with_each_update(classroom):
    """Issue 20: the learners table stayed stale until a reload; each update now carries every table
    the page shows, rendered as the page renders them."""
    teacher = await database_sync_to_async(classroom.teachers.get)()
    socket = _socket(classroom.pk, teacher)
    assert (await socket.connect())[0]
    ada = await database_sync_to_async(Learner.objects.get)(enrollment__classroom=classroom, kind="human")
    await database_sync_to_async(answer)(ada, "add-1", "7", timezone.now())
    message = await socket.receive_json_from(timeout=10)
    assert set(message["html"]) == {"needs_help", "learners", "mastery_table", "activity_table"}
    row = message["html"]["learners"].split(f'<tr data-learner="{ada.pk}">')[1].split("</tr>")[0]
    assert ">ada</a>" in row and "<td>1</td><td>1</td>" in row  # one answer, one right
    levels = message["html"]["mastery_table"].split(f'<tr data-learner="{ada.pk}">')[1].split("</tr>")[0]
    assert "<td class=\"level-" in levels and "Not started" in levels
    assert "<td>1</td><td>1</td>" in message["html"]["activity_table"]  # today: one answer, one learner
    await socket.disconnect()


async def test_a_malformed_anonymising_token_is_refused(classroom):
    teacher = await database_sync_to_async(classroom.teachers.get)()
    socket = _socket(classroom.pk, teacher, "?anon=%3Cscript%3E")
    connected, code = await socket.connect()
    assert not connected and code == 4400
    await socket.disconnect()


async def test_answers_outside_the_class_push_nothing(classroom, other_classroom):
    teacher = await database_sync_to_async(classroom.teachers.get)()
    socket = _socket(classroom.pk, teacher)
    assert (await socket.connect())[0]
    outsider = await database_sync_to_async(Learner.objects.get)(enrollment__classroom=other_classroom)
    await database_sync_to_async(answer)(outsider, "add-1", "7", timezone.now())
    assert await socket.receive_nothing(timeout=1.5)
    await socket.disconnect()


async def test_a_burst_of_answers_is_throttled_and_ends_on_the_last_state(classroom, monkeypatch):
    monkeypatch.setattr(consumers, "THROTTLE_SECONDS", 3.0)
    teacher = await database_sync_to_async(classroom.teachers.get)()
    socket = _socket(classroom.pk, teacher, "?anon=1")
    assert (await socket.connect())[0]
    ada = await database_sync_to_async(Learner.objects.get)(enrollment__classroom=classroom, kind="human")
    start = timezone.now()
    for n in range(4):
        await database_sync_to_async(answer)(ada, "add-1", "5", start + timedelta(seconds=n))
    # The first answer at once, the other three in one trailing update, then nothing more. The socket
    # is never idle for 5 s: with redis-py 8's default 5 s socket timeout, channels_redis 4.3 drops a
    # consumer whose layer receive waits that long (the Redis layer needs a longer socket_timeout).
    messages = [await socket.receive_json_from(timeout=10), await socket.receive_json_from(timeout=5)]
    assert await socket.receive_nothing(timeout=1.0)
    assert len(messages) == 2
    _, expected = await database_sync_to_async(_ada_row)(classroom)
    last = messages[-1]["heatmap"]["data"][0]
    assert sorted(last["y"]) == last["y"] == ["Learner 1", "Learner 2"]
    assert last["z"][last["y"].index(await _pseudonym_of(ada, classroom, "1"))] == expected
    assert sum(messages[-1]["activity"]["data"][0]["y"]) == 4
    await socket.disconnect()


async def test_a_reconnecting_page_gets_the_current_overview_at_once(classroom):
    ada = await database_sync_to_async(Learner.objects.get)(enrollment__classroom=classroom, kind="human")
    await database_sync_to_async(answer)(ada, "add-1", "7", timezone.now())  # while nobody listened
    teacher = await database_sync_to_async(classroom.teachers.get)()
    socket = _socket(classroom.pk, teacher, "?anon=1&fresh=1")
    assert (await socket.connect())[0]
    message = await socket.receive_json_from(timeout=10)
    _, expected = await database_sync_to_async(_ada_row)(classroom)
    heatmap = message["heatmap"]["data"][0]
    assert heatmap["z"][heatmap["y"].index(await _pseudonym_of(ada, classroom, "1"))] == expected
    assert "ada" not in json.dumps(message)
    await socket.disconnect()


@pytest.mark.parametrize("who,code", [("anonymous", 4401), ("learner", 4403), ("other_teacher", 4403)])
async def test_only_teachers_of_the_class_may_listen(classroom, other_classroom, who, code):
    if who == "anonymous":
        user = AnonymousUser()
    elif who == "learner":
        user = await database_sync_to_async(
            lambda: Learner.objects.get(enrollment__classroom=classroom, kind="human").user)()
    else:
        user = await database_sync_to_async(other_classroom.teachers.get)()
    socket = _socket(classroom.pk, user)
    connected, close_code = await socket.connect()
    assert not connected and close_code == code
    await socket.disconnect()  # as the server does after a refusal: the consumer ends cleanly


def _lose_access(classroom, teacher, how: str) -> None:
    if how == "taken_off_the_class":
        classroom.teachers.remove(teacher)
    elif how == "no_longer_a_teacher":
        teacher.role = "learner"
        teacher.save(update_fields=["role"])
    else:
        teacher.is_active = False
        teacher.save(update_fields=["is_active"])


@pytest.mark.parametrize("how", ["taken_off_the_class", "no_longer_a_teacher", "deactivated"])
async def test_a_teacher_who_loses_access_gets_no_further_update_and_is_disconnected(classroom, how):
    teacher = await database_sync_to_async(classroom.teachers.get)()
    socket = _socket(classroom.pk, teacher)
    assert (await socket.connect())[0]
    await database_sync_to_async(_lose_access)(classroom, teacher, how)
    ada = await database_sync_to_async(Learner.objects.get)(enrollment__classroom=classroom, kind="human")
    await database_sync_to_async(answer)(ada, "add-1", "7", timezone.now())
    assert await socket.receive_output(timeout=10) == {"type": "websocket.close", "code": 4403}
    await socket.disconnect()


async def test_a_foreign_origin_is_refused(classroom):
    teacher = await database_sync_to_async(classroom.teachers.get)()
    socket = _socket(classroom.pk, teacher, headers=[(b"origin", b"http://evil.example"), (b"host", b"127.0.0.1")])
    connected, _ = await socket.connect()
    assert not connected
    await socket.disconnect()


async def test_staff_may_listen(classroom):
    from tests.tutor.factories import UserFactory

    staff = await database_sync_to_async(UserFactory)(role="staff", is_staff=True)
    socket = _socket(classroom.pk, staff)
    assert (await socket.connect())[0]
    await socket.disconnect()


def test_a_channel_layer_that_is_down_never_fails_the_answer(classroom, monkeypatch):
    from tutor.learning.models import Attempt

    class Down:
        async def group_send(self, group, message):
            raise ConnectionError("channel layer down")

    monkeypatch.setattr("tutor.dashboard.services.get_channel_layer", lambda: Down())
    ada = Learner.objects.get(enrollment__classroom=classroom, kind="human")
    result = answer(ada, "add-1", "7", timezone.now())
    assert result.attempt.verdict == "correct" and Attempt.objects.filter(learner=ada).count() == 1
