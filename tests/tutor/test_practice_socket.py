import asyncio
import io

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.core.management import call_command

from tutor.asgi import application
from tutor.content.models import Item
from tutor.learning.models import Attempt, TutorTurn

from .factories import UserFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("channel_layer_of_this_test")]
ORIGIN = (b"origin", b"http://127.0.0.1")


@pytest.fixture
def loaded(valid_pack_path):
    call_command("load_course", str(valid_pack_path), stdout=io.StringIO())


async def connected(user, origin=ORIGIN) -> WebsocketCommunicator:
    from django.contrib.auth import get_user_model  # noqa: F401  (apps ready)

    communicator = WebsocketCommunicator(application, "/ws/practice/", headers=[origin, (b"host", b"127.0.0.1")])
    communicator.scope["user"] = user
    return communicator


async def receive_until(communicator, kind: str) -> list[dict]:
    messages = []
    while True:
        message = await communicator.receive_json_from(timeout=10)
        messages.append(message)
        if message["type"] in (kind, "error"):
            return messages


async def test_answer_streams_start_deltas_done_in_order(loaded):
    user = await database_sync_to_async(UserFactory)()
    item = await database_sync_to_async(Item.objects.get)(key="add-1")
    communicator = await connected(user)
    connected_ok, _ = await communicator.connect()
    assert connected_ok
    await communicator.send_json_to({"type": "answer", "item": item.pk, "step": "sum", "answer": "6"})
    messages = await receive_until(communicator, "done")

    kinds = [m["type"] for m in messages]
    assert kinds[0] == "start" and kinds[-1] == "done" and set(kinds[1:-1]) == {"delta"}
    assert messages[0]["verdict"] == "incorrect" and messages[0]["hint_level"] == 1
    assert "".join(m["text"] for m in messages[1:-1]).strip() == "Here's a hint: Count on from 3."
    turn = await database_sync_to_async(TutorTurn.objects.get)(pk=messages[-1]["turn"])
    assert turn.text == "Here's a hint: Count on from 3." and turn.backend == "rule"
    await communicator.disconnect()


async def test_anonymous_is_refused(loaded):
    from django.contrib.auth.models import AnonymousUser

    communicator = await connected(AnonymousUser())
    connected_ok, code = await communicator.connect()
    assert not connected_ok and code == 4401
    await communicator.disconnect()  # as the server does after a refusal: the consumer ends cleanly


async def test_foreign_origin_is_refused(loaded):
    user = await database_sync_to_async(UserFactory)()
    communicator = await connected(user, origin=(b"origin", b"http://evil.example"))
    connected_ok, _ = await communicator.connect()
    assert not connected_ok
    await communicator.disconnect()


async def test_one_turn_at_a_time_and_bad_messages(loaded):
    user = await database_sync_to_async(UserFactory)()
    item = await database_sync_to_async(Item.objects.get)(key="add-1")
    communicator = await connected(user)
    await communicator.connect()
    await communicator.send_json_to({"type": "dance"})
    assert (await communicator.receive_json_from())["error"] == "bad_message"
    await communicator.send_json_to({"type": "answer", "item": 999999, "answer": "1"})
    assert (await communicator.receive_json_from())["error"] == "unknown_item"
    await communicator.send_to(text_data='{"type": "answer", "item": Infinity, "answer": "1"}')
    assert (await communicator.receive_json_from())["error"] == "unknown_item"
    await communicator.send_to(text_data="not json")   # answered, and the socket stays open
    assert (await communicator.receive_json_from())["error"] == "bad_message"
    await communicator.send_json_to({"type": "answer", "item": item.pk, "answer": "1", "idempotency_key": 5})
    assert (await communicator.receive_json_from())["error"] == "bad_idempotency_key"
    # A NUL in the key reached PostgreSQL, which cannot store it: the turn failed there instead of being refused.
    await communicator.send_json_to({"type": "answer", "item": item.pk, "answer": "1", "idempotency_key": "k\x00y"})
    assert (await communicator.receive_json_from())["error"] == "bad_idempotency_key"
    await communicator.send_json_to({"type": "answer", "item": item.pk, "step": "nope", "answer": "1"})
    assert (await communicator.receive_json_from())["error"] == "unknown_step"
    await communicator.send_json_to({"type": "answer", "item": item.pk, "answer": "7"})
    await communicator.send_json_to({"type": "answer", "item": item.pk, "answer": "7"})
    messages = await receive_until(communicator, "done")
    busy = [m for m in messages if m["type"] == "error"]
    if not busy:  # the busy error can arrive after done when the first turn finished very fast
        busy = [await communicator.receive_json_from(timeout=10)]
    assert busy[0]["error"] == "busy"
    await communicator.disconnect()
    assert await database_sync_to_async(Attempt.objects.count)() == 1


@pytest.mark.parametrize("frame", ["[" * 100_000 + "]" * 100_000, '{"type": "answer", "a":' * 5000 + "1" + "}" * 5000])
async def test_json_nested_too_deep_gets_an_error_frame_and_the_socket_stays_open(loaded, frame):
    """Issue 18 defect 10: RecursionError in the frame's parse closed the socket (1011)."""
    user = await database_sync_to_async(UserFactory)()
    item = await database_sync_to_async(Item.objects.get)(key="add-1")
    communicator = await connected(user)
    await communicator.connect()
    await communicator.send_to(text_data=frame)
    assert (await communicator.receive_json_from(timeout=10))["error"] == "bad_message"
    await communicator.send_json_to({"type": "answer", "item": item.pk, "step": "sum", "answer": "7"})
    assert (await receive_until(communicator, "done"))[-1]["type"] == "done"
    await communicator.disconnect()
    assert await database_sync_to_async(Attempt.objects.count)() == 1


class SlowRuleBackend:
    """The rule backend with a pause before every piece, like a slow model: stop has time to arrive."""

    name, model = "rule", "rule-v1-slow"

    async def stream(self, request):
        from psikt.llm.backends import RuleBackend

        async for piece in RuleBackend().stream(request):
            await asyncio.sleep(0.2)
            yield piece


async def test_stop_cancels_generation_and_persists_no_turn(loaded, monkeypatch):
    monkeypatch.setattr("tutor.learning.generation.backend", SlowRuleBackend)
    user = await database_sync_to_async(UserFactory)()
    item = await database_sync_to_async(Item.objects.get)(key="add-1")
    communicator = await connected(user)
    await communicator.connect()
    await communicator.send_json_to({"type": "hint", "item": item.pk, "step": "sum"})
    first = await communicator.receive_json_from(timeout=10)
    assert first["type"] == "start"
    await communicator.send_json_to({"type": "stop"})
    messages = await receive_until(communicator, "stopped")
    assert messages[-1]["type"] == "stopped" and all(m["type"] == "delta" for m in messages[:-1])
    await asyncio.sleep(0.1)
    assert await database_sync_to_async(TutorTurn.objects.count)() == 0
    await communicator.disconnect()


async def test_answers_with_a_null_idempotency_key_are_each_stored(loaded):
    user = await database_sync_to_async(UserFactory)()
    item = await database_sync_to_async(Item.objects.get)(key="add-1")
    communicator = await connected(user)
    await communicator.connect()
    for answer in ("1", "2"):
        await communicator.send_json_to({"type": "answer", "item": item.pk, "answer": answer, "idempotency_key": None})
        done = (await receive_until(communicator, "done"))[-1]
        assert done["type"] == "done" and "replayed" not in done
    await communicator.disconnect()
    assert await database_sync_to_async(Attempt.objects.count)() == 2
