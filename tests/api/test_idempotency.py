"""An idempotency key names one request (issue 18, defect 9): re-sent as it was, it replays the first
result; sent with another body, it is a 422 and nothing is stored. The batch endpoint and the practice
socket take keys too (the single attempts endpoint: tests/api/test_learners.py)."""

import io

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.core.management import call_command

from tests.api import test_simclient
from tests.tutor.factories import UserFactory
from tutor.asgi import application
from tutor.content.models import Item
from tutor.learning.models import Attempt, TutorTurn

URL = "/api/v1/attempts/batch/"
served = test_simclient.served  # the live server with a simulation course and a token


@pytest.mark.django_db
def test_a_key_reused_inside_a_batch_fails_its_learner_only(owner, pair, item):
    a, b = pair
    first = {"learner": a, "item": item, "step": "sum", "answer": "34", "idempotency_key": "k1",
             "timestamp": "2031-01-01T00:00:00Z"}
    entries = [
        first,
        first,  # re-sent as it was: a replay
        {"learner": b, "item": item, "correct": True, "idempotency_key": "k1", "timestamp": "2031-01-01T00:00:00Z"},
        first | {"answer": "7", "timestamp": "2031-01-02T00:00:00Z"},  # the same key for another answer
    ]
    results = owner.post(URL, {"attempts": entries}, format="json").json()["results"]
    assert [r["status"] for r in results] == [424, 424, 201, 422]
    assert results[3]["error"] == {"error": "idempotency_key_reused", "detail": results[3]["error"]["detail"],
                                   "fields": {"idempotency_key": "k1"}}
    assert "'k1'" in results[3]["error"]["detail"]
    # All or nothing per learner, as for any failing entry: a's answers are not stored, b's is.
    assert list(Attempt.objects.values_list("learner_id", flat=True)) == [b]


@pytest.mark.django_db
def test_a_key_reused_across_batches_replays_the_same_request_and_refuses_another(owner, pair, item):
    a, _ = pair
    first = {"learner": a, "item": item, "step": "sum", "answer": "34", "idempotency_key": "k1",
             "timestamp": "2031-01-01T00:00:00Z"}
    stored = owner.post(URL, {"attempts": [first, first]}, format="json").json()["results"]
    assert [r["status"] for r in stored] == [201, 200] and stored[0]["attempt"] == stored[1]["attempt"]
    again = owner.post(URL, {"attempts": [first]}, format="json").json()["results"]
    assert (again[0]["status"], again[0]["attempt"]) == (200, stored[0]["attempt"])
    later = {"learner": a, "item": item, "correct": True, "idempotency_key": "k2", "timestamp": "2031-01-03T00:00:00Z"}
    other = owner.post(URL, {"attempts": [later, first | {"answer": "7"}]}, format="json").json()
    assert [r["status"] for r in other["results"]] == [424, 422] and other["failed"] == 2
    assert Attempt.objects.count() == 1 and TutorTurn.objects.count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("channel_layer_of_this_test")
async def test_a_key_reused_for_another_answer_over_the_socket_is_refused(valid_pack_path):
    await database_sync_to_async(call_command)("load_course", str(valid_pack_path), stdout=io.StringIO())
    user = await database_sync_to_async(UserFactory)()
    item = await database_sync_to_async(Item.objects.get)(key="add-1")
    communicator = WebsocketCommunicator(application, "/ws/practice/",
                                         headers=[(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1")])
    communicator.scope["user"] = user
    assert (await communicator.connect())[0]

    async def answer(text: str) -> dict:
        await communicator.send_json_to({"type": "answer", "item": item.pk, "step": "sum", "answer": text,
                                         "idempotency_key": "tab-1"})
        while (message := await communicator.receive_json_from(timeout=10))["type"] not in ("done", "error"):
            pass
        return message

    first = await answer("6")
    assert "replayed" not in first
    assert (await answer("6"))["replayed"] is True
    refused = await answer("7")
    assert (refused["error"], "'tab-1'" in refused["detail"]) == ("idempotency_key_reused", True)
    assert await database_sync_to_async(Attempt.objects.count)() == 1
    await communicator.disconnect()


def test_the_simulated_client_sends_a_new_key_with_each_new_answer(served):
    """A step tried again after its answer's response was lost builds a new answer (its item may
    differ): it must carry a new key, or the server refuses it as a key reused (422)."""
    from tutor.simclient.client import Api, Learner, Stats
    from tutor.simclient.domain import served_world

    api = Api(served["url"], served["token"], Stats())
    sent, real_call = [], api.call

    def lost_once(endpoint, method, path, **kwargs):
        response = real_call(endpoint, method, path, **kwargs)  # the server stores it...
        if endpoint == "attempts":
            sent.append(kwargs["json"])
            if len(sent) == 1:
                return None  # ...and the answer to it is lost on the way back
        return response

    api.call = lost_once
    learner_id = real_call("create", "POST", "/learners/", json={"course": "sim-f1-s1-0", "planner": "random"}).json()["id"]
    learner = Learner(served_world("F1", "S1", 0), 0, learner_id, "lost")
    assert learner.step(api, retries=0) is False
    assert learner.step(api, retries=0) is True
    assert sent[0]["idempotency_key"] != sent[1]["idempotency_key"]
    api.close()
