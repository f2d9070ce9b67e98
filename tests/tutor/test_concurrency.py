"""Two requests for one learner at once must not corrupt its state (PostgreSQL: real row locks)."""

import threading
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, connections, transaction

from tutor.content.models import Item
from tutor.learning.knowledge import learner_state_locked, learner_state_rebuild
from tutor.learning.models import Attempt, LearnerState
from tutor.learning.tutoring import tutor_turn_take

from .factories import HumanLearnerFactory, now

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL (CI runs it there)"),
]


@pytest.fixture
def item(valid_pack_path):
    call_command("load_course", str(valid_pack_path), stdout=StringIO())
    return Item.objects.get(key="add-1")


def errors_of_threads(work, args) -> list[Exception]:
    """Run work(arg) in a thread per arg, each with its own database connection; what they raised."""
    errors = []

    def run(arg):
        try:
            work(arg)
        except Exception as error:  # noqa: BLE001 (collected for the test to assert on, never swallowed)
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(arg,)) for arg in args]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_parallel_answers_for_one_learner_keep_its_state_equal_to_a_rebuild(item):
    learner = HumanLearnerFactory()
    start = now()

    def answer(offset: int):
        for n in range(5):
            tutor_turn_take(learner=learner, item=item, source="api", step_key="sum", answer=str(n + offset),
                            answered_at=start + timedelta(hours=1), idempotency_key=f"{offset}-{n}")

    assert errors_of_threads(answer, (0, 10, 20, 30)) == []
    assert Attempt.objects.filter(learner=learner).count() == 20
    stored = LearnerState.objects.get(learner=learner)
    assert stored.last_attempt_id == Attempt.objects.filter(learner=learner).latest("id").pk
    with transaction.atomic():
        state, engine = learner_state_locked(learner=learner, course=item.course)
        learner_state_rebuild(state=state, engine=engine)
    assert state.tracer_state == stored.tracer_state
    assert state.planner_state == stored.planner_state


def test_parallel_answers_on_the_servers_clock_are_never_out_of_order(item):
    # Each answer's time is read under the learner's lock: read before it, a request that waited
    # for the lock would store an earlier time than the answer stored before it ("time went backwards").
    learner = HumanLearnerFactory()

    def answer(offset: int):
        for n in range(5):
            # Wrong, so that every answer is stored (a solved item takes no new answer in its visit).
            tutor_turn_take(learner=learner, item=item, source="api", graded=False, idempotency_key=f"{offset}-{n}")

    assert errors_of_threads(answer, range(6)) == []
    times = list(Attempt.objects.filter(learner=learner).order_by("id").values_list("answered_at", flat=True))
    assert len(times) == 30 and times == sorted(times)
