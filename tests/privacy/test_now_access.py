"""The authorization matrix of the live "now" page (issue 20, item 5): only the class's teachers (and
staff) see it, acknowledge its alerts or listen on its socket; everyone else gets the login page,
404 or a refused socket, and no acknowledgement is stored."""

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from tests.dashboard.helpers import struggling_history
from tests.tutor.factories import HumanLearnerFactory
from tutor.asgi import application
from tutor.dashboard.models import AlertAcknowledgement
from tutor.dashboard.now import class_now
from tutor.learning.models import Enrollment

from .conftest import KINDS, REFUSED, visitor

SOCKET_REFUSED = {"anonymous": 4401, "learner": 4403, "other_learner": 4403, "other_teacher": 4403,
                  "demoted_teacher": 4403}


def _stuck_learner_in(classroom):
    """A learner of the class who is stuck now (wheel-spinning, the answer shown three times in a row)."""
    learner = HumanLearnerFactory()
    Enrollment.objects.create(classroom=classroom, learner=learner)
    struggling_history(learner)
    return learner


@pytest.fixture
def alert(people):
    _stuck_learner_in(people["classroom"])
    return class_now(classroom=people["classroom"]).alerts[0]


@pytest.mark.django_db
@pytest.mark.parametrize("kind", KINDS)
def test_now_page_and_acknowledge_authorization_matrix(client, people, alert, kind):
    user = visitor(kind, people)
    if user is not None:
        client.force_login(user)
    classroom = people["classroom"]
    page = client.get(reverse("dashboard:now", args=[classroom.pk]))
    acknowledged = client.post(reverse("dashboard:now-acknowledge", args=[classroom.pk]), {"alert": alert.value})
    if kind in REFUSED:
        assert (page.status_code, acknowledged.status_code) == (REFUSED[kind], REFUSED[kind])
        assert alert.value not in page.content.decode()
        assert not AlertAcknowledgement.objects.exists()
    else:
        assert (page.status_code, acknowledged.status_code) == (200, 302)
        assert alert.value in page.content.decode()
        assert AlertAcknowledgement.objects.get().acknowledged_by == user


@pytest.mark.django_db
def test_an_alert_of_another_class_cannot_be_acknowledged_through_ones_own(client, people):
    """The other class's teacher names a learner of a class they do not teach, through their own class."""
    other_classroom = people["other"].classrooms.get()
    _stuck_learner_in(other_classroom)
    value = class_now(classroom=other_classroom).alerts[0].value
    client.force_login(people["teacher"])
    response = client.post(reverse("dashboard:now-acknowledge", args=[people["classroom"].pk]), {"alert": value})
    assert response.status_code == 409 and not AlertAcknowledgement.objects.exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("channel_layer_of_this_test")
@pytest.mark.parametrize("kind", KINDS)
async def test_now_socket_authorization_matrix(people, kind):
    user = await database_sync_to_async(visitor)(kind, people)
    socket = WebsocketCommunicator(application, f"/ws/teach/class/{people['classroom'].pk}/?view=now&fresh=1",
                                   headers=[(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1")])
    socket.scope["user"] = user or AnonymousUser()
    connected, code = await socket.connect(timeout=10)
    if kind in SOCKET_REFUSED:
        assert not connected and code == SOCKET_REFUSED[kind]
    else:
        assert connected
        assert (await socket.receive_json_from(timeout=10))["type"] == "now"
    await socket.disconnect()
