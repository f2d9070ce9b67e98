"""The "now" page's socket (?view=now on the class's socket): every table of the page comes with each
update, on an answer, on an acknowledgement and with the clock."""

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tutor.asgi import application
from tutor.dashboard import consumers
from tutor.dashboard.now import class_now
from tutor.dashboard.now_page import FRAGMENTS
from tutor.learning.models import Learner

from .helpers import answer, struggling_history

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("channel_layer_of_this_test")]
HEADERS = [(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1")]


async def _connected(classroom, query: str = "?view=now") -> WebsocketCommunicator:
    socket = WebsocketCommunicator(application, f"/ws/teach/class/{classroom.pk}/{query}", headers=HEADERS)
    socket.scope["user"] = await database_sync_to_async(classroom.teachers.get)()
    assert (await socket.connect())[0]
    return socket


def _ada(classroom) -> Learner:
    return Learner.objects.get(enrollment__classroom=classroom, kind="human")


def _row(html: str, learner: Learner) -> str:
    return html.split(f'<tr data-learner="{learner.pk}"')[1].split("</tr>")[0]


async def test_an_answer_moves_the_learner_into_the_working_table_of_every_open_page(classroom):
    socket = await _connected(classroom)
    ada = await database_sync_to_async(_ada)(classroom)
    await database_sync_to_async(answer)(ada, "add-1", "5", timezone.now())
    message = await socket.receive_json_from(timeout=10)
    assert message["type"] == "now" and set(message["html"]) == set(FRAGMENTS)
    working = _row(message["html"]["now_working"], ada)
    assert ">ada</a>" in working and "0 right of 1 answer" in working and "wrong" in working
    assert f'data-learner="{ada.pk}"' not in message["html"]["now_away"]
    assert "sim-a" in message["html"]["now_away"]
    await socket.disconnect()


async def test_an_alert_appears_live_and_an_acknowledgement_takes_it_off_every_open_page(classroom):
    ada = await database_sync_to_async(_ada)(classroom)
    await database_sync_to_async(struggling_history)(ada)
    socket = await _connected(classroom, "?view=now&fresh=1")
    first = await socket.receive_json_from(timeout=10)
    assert "Stuck on Addition" in first["html"]["now_alerts"]
    alert = (await database_sync_to_async(class_now)(classroom=classroom)).alerts[0]

    def acknowledge():
        browser = Client()
        browser.force_login(classroom.teachers.get())
        return browser.post(reverse("dashboard:now-acknowledge", args=[classroom.pk]), {"alert": alert.value})

    assert (await database_sync_to_async(acknowledge)()).status_code == 302
    message = await socket.receive_json_from(timeout=10)
    assert "Stuck on Addition" not in message["html"]["now_alerts"]
    assert "1 alert acknowledged" in message["html"]["now_alerts"]
    await socket.disconnect()


async def test_the_page_is_sent_again_as_the_clock_moves(classroom, monkeypatch):
    """Who is idle and for how long change without any answer: the page comes every REFRESH_SECONDS."""
    monkeypatch.setattr(consumers, "REFRESH_SECONDS", 0.5)
    monkeypatch.setattr(consumers, "THROTTLE_SECONDS", 0.1)
    socket = await _connected(classroom)
    messages = [await socket.receive_json_from(timeout=5) for _ in range(2)]
    assert all(message["type"] == "now" for message in messages)
    await socket.disconnect()


async def test_the_overview_socket_sends_no_clock_updates(classroom, monkeypatch):
    monkeypatch.setattr(consumers, "REFRESH_SECONDS", 0.2)
    socket = await _connected(classroom, "")
    assert await socket.receive_nothing(timeout=1.0)
    await socket.disconnect()


async def test_an_unknown_view_is_refused(classroom):
    socket = WebsocketCommunicator(application, f"/ws/teach/class/{classroom.pk}/?view=admin", headers=HEADERS)
    socket.scope["user"] = await database_sync_to_async(classroom.teachers.get)()
    connected, code = await socket.connect()
    assert not connected and code == 4400
    await socket.disconnect()
