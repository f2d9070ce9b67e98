"""The query budget of a browser turn over the practice WebSocket, the same exact number for a
learner with a short and with a long history (see tests/query_budget.py).

Counted across the real consumer: the consumer runs its database work through
`database_sync_to_async`, which (Channels sets no ThreadSensitiveContext) runs every such call in
asgiref's one thread-sensitive executor thread. The capture is entered and left there too, so that
it sees that thread's connection: the turn (`tutor_turn_take(..., streamed=True)`), its on-commit
work and, after the stream, `turn_stream_end`."""

import io
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.query_budget import HISTORIES, assert_queries, history_give, off_the_traits_boundary
from tutor.content.models import Course, Item
from tutor.learning.engine import course_engine
from tutor.learning.models import Enrollment
from tutor.learning.services import learner_for_user

from .factories import ClassroomFactory, UserFactory
from .test_practice_socket import connected, receive_until

pytestmark = [pytest.mark.django_db(transaction=True),
              pytest.mark.usefixtures("channel_layer_of_this_test", "in_process_tasks")]

# One answer frame to "done" (the learner was resolved when the socket connected, so no ownership
# query): is the account still active (a socket opened before a deactivation must not go on
# storing answers, issue 18 Deliver 9); the item (one the learner may work on); does the step exist; BEGIN; the active tracer
# version (is the cached engine current?); the learner's state, locked, with its last attempt; this
# visit's answers and turns on the step (whether the answer is evidence, the hint rung, a recall
# asked); the previous answer's time (a clock never goes back); SAVEPOINT, INSERT the attempt, RELEASE; UPDATE the state (tracer and planner state, last
# attempt); COMMIT; on commit, the learner's classes (the dashboard's answer_recorded,
# one query whatever the number of classes); then, once the text has streamed with no lock held,
# BEGIN, INSERT the turn, COMMIT (turn_stream_end). The same on SQLite and PostgreSQL. The
# checker's input, the item's steps and their KCs and the hint's text come from the course
# engine's per-process content cache (tutor/learning/course_content.py).
BROWSER_TURN = 18


def learner_in_class_with_history(pack, history: int):
    """A browser learner enrolled in a class of the course, with `history` earlier answers; the
    course's engine is built (as a running server has it) before anything is measured."""
    call_command("load_course", str(pack), stdout=io.StringIO())
    course = Course.objects.get(slug="tiny")
    user = UserFactory()
    learner = learner_for_user(user=user)
    Enrollment.objects.create(classroom=ClassroomFactory(course=course), learner=learner)
    history_give(learner=learner, course=course, answers=history, source="web",
                 start=timezone.now() - timedelta(days=1))
    course_engine(course)
    return user, Item.objects.get(course=course, key="add-1").pk


@HISTORIES
async def test_a_browser_turn(valid_pack_path, history):
    user, item = await database_sync_to_async(learner_in_class_with_history)(valid_pack_path, history)
    off_the_traits_boundary(history=history)
    communicator = await connected(user)
    connected_ok, _ = await communicator.connect()
    assert connected_ok
    captured = CaptureQueriesContext(connection)
    await database_sync_to_async(captured.__enter__)()
    try:
        await communicator.send_json_to({"type": "answer", "item": item, "step": "sum", "answer": "6"})
        messages = await receive_until(communicator, "done")
    finally:
        await database_sync_to_async(captured.__exit__)(None, None, None)
    queries = await database_sync_to_async(lambda: captured.captured_queries)()
    await communicator.disconnect()
    assert (messages[0]["type"], messages[0]["verdict"], messages[0]["hint_level"]) == ("start", "incorrect", 1)
    assert messages[-1]["type"] == "done"
    assert_queries(queries, BROWSER_TURN, f"a browser turn after {history} answers")
