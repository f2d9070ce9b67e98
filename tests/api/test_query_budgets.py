"""Query budgets of the REST entry points of a model-student's loop: `next/`, `attempts/` (checked
and self-graded) and `attempts/batch/` per entry, each the same exact number after a short and a
long history (how they are measured, and why these lengths: tests/query_budget.py).

The numbers below are what SQLite and PostgreSQL both run (Django logs BEGIN, SAVEPOINT, RELEASE and
COMMIT on both; PostgreSQL's row lock is a clause of the same SELECT). Should a vendor ever differ,
make that budget a {vendor: count} mapping read with `connection.vendor`, and say why."""

from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.query_budget import HISTORIES, LONG, assert_queries, history_give, off_the_traits_boundary, queries_exactly
from tutor.content.models import Item
from tutor.learning.engine import course_engine
from tutor.learning.knowledge import next_item_choose
from tutor.learning.models import Learner, LearnerState
from tutor.learning.tutoring import tutor_turn_take

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("in_process_tasks")]

# GET next/ choosing a pack item, through the step path (tutor.learning.stepping; the API client is
# known per process by its token's hash): BEGIN; the learner's state, locked, with its course, its
# last attempt, whether the client may still act and the course's active tracer (one SELECT ...
# FOR UPDATE); UPDATE the state (planner state, current item and reason); COMMIT. The item and its
# rendering (KC keys, steps) come from the course engine's per-process content cache.
NEXT = 4
# GET next/ again before the served item is answered (issue 19: next/ is idempotent): BEGIN, the
# lock, COMMIT: no planner, no UPDATE.
NEXT_AGAIN = 3
# GET next/ when the planner chooses a template: as NEXT, but between the lock and the UPDATE the
# draw stores a fresh item (content.services.item_from_template): the template; its course; the
# course's KCs; SAVEPOINT; the item looked up twice (item_store, then its _upsert); INSERT the item;
# its KCs (read, insert); its steps (read by the delete that replaces them); DELETE and INSERT its
# misconceptions; then per step of the template (this one has one, so 5 grow with a template's
# steps, never with history): INSERT the step, its KCs (read, insert), INSERT its hints, INSERT its
# misconceptions; RELEASE; and after the COMMIT the drawn item's content for the response (the
# item, its KCs, steps, their KCs, hints, misconceptions: kept per process from then on).
NEXT_FROM_TEMPLATE = 28
# POST attempts/ with an answer to check (a step's, wrong: the turn gives the first hint): API
# client (is it still allowed to act?); the learner's state (ownership); the item (in the learner's
# course); does the step exist; BEGIN; tracer version; the state, locked; this visit's answers and
# turns on the step (whether the answer is evidence, the hint rung, a recall asked); the previous
# answer's time (a clock never goes back); SAVEPOINT, INSERT the attempt, RELEASE (the idempotency
# race's savepoint); UPDATE the state (tracer and planner state, last attempt); INSERT the turn;
# COMMIT; on commit, the learner's classes (the dashboard's answer_recorded: live overviews). The
# checker's input, the item's steps and their KCs and the hint's text come from the course
# engine's per-process content cache.
ATTEMPT_CHECKED = 17
# POST attempts/ self-graded (correct, timestamp, idempotency key), without "next": as
# ATTEMPT_CHECKED without the step lookup, and with a lookup of the idempotency key (was this
# answer stored before?). With "next": true (what tutor.simclient sends) it is 8: tests/api/test_steps.py.
ATTEMPT_SELF_GRADED = 17
# POST attempts/batch/ = BATCH_BASE + BATCH_PER_LEARNER * learners + BATCH_PER_ENTRY * entries
#                       + BATCH_PER_STEP_ENTRY * entries on a step.
# Base: API client; the states of all the batch's learners, in one query.
BATCH_BASE = 2
# Per learner in the batch: BEGIN and COMMIT of the learner's all-or-nothing transaction.
BATCH_PER_LEARNER = 2
# Per entry (self-graded, as above): the item; SAVEPOINT (the turn's transaction inside the
# learner's); tracer version; the state, locked (again for each entry); this visit's answers and
# turns on the step; idempotency key; previous answer's time; SAVEPOINT, INSERT the attempt,
# RELEASE; UPDATE the state; INSERT the turn; RELEASE; and after the learner's COMMIT, the learner's
# classes (answer_recorded is published once per entry). The batch still takes each entry's turn on
# its own; the cohort step (cohorts/{id}/step/) takes them in bulk.
BATCH_PER_ENTRY = 15
# Per entry on a step rather than the final answer: does the step exist in the item.
BATCH_PER_STEP_ENTRY = 1


def learner_with_history(owner, course, *, history: int, name: str = "s") -> tuple[Learner, datetime]:
    """A model-student of `owner` (the default planner, adaptive) with `history` earlier answers,
    and the time of the last one. The course's engine, built and cached by the first request for a
    course, is warm before anything is measured, as on a running server."""
    response = owner.post("/api/v1/learners/", {"course": course.slug, "external_id": name}, format="json")
    assert response.status_code == 201
    learner = Learner.objects.get(pk=response.json()["id"])
    last = history_give(learner=learner, course=course, answers=history, source="api",
                        start=timezone.now() - timedelta(days=1))
    course_engine(course)
    return learner, last


def item_id(course, key: str) -> int:
    return Item.objects.get(course=course, key=key).pk


@HISTORIES
def test_next(owner, course, history):
    learner, last = learner_with_history(owner, course, history=history)
    # The learner's clock, as simulators send it: the planner's choice does not hang on the wall clock.
    at = {"at": (last + timedelta(hours=1)).isoformat()}
    # The history ends with an item served: asking again serves it again.
    served = LearnerState.objects.get(learner=learner).current_item
    with queries_exactly(NEXT_AGAIN, f"GET next/ again after {history} answers"):
        response = owner.get(f"/api/v1/learners/{learner.pk}/next/", at)
    assert response.status_code == 200 and response.json()["item"]["id"] == served.pk
    tutor_turn_take(learner=learner, item=served, source="api", graded=True, answered_at=last + timedelta(minutes=30))
    with queries_exactly(NEXT, f"GET next/ after {history + 1} answers"):
        response = owner.get(f"/api/v1/learners/{learner.pk}/next/", at)
    assert response.status_code == 200
    # NEXT is the budget of a pack item; drawing from a template is the next test's.
    assert Item.objects.get(pk=response.json()["item"]["id"]).template_id is None


@pytest.mark.parametrize("history", [8, LONG], ids=["short-history", "long-history"])
def test_next_drawing_from_a_template(owner, course, history):
    """The mastery planner (rules, no randomness) comes to the template once `add` and `frac` are
    done and lin's two pack items were each practised: 3 + 3 + 1 + 1 = 8 answers at the least (its
    BKT passes 0.95 after three right answers). After 30, every KC is at its cap of 10 and it reviews
    the weakest, lin, whose least practised item is again the template."""
    response = owner.post("/api/v1/learners/", {"course": "tiny", "external_id": "m", "planner": "mastery"},
                          format="json")
    learner = Learner.objects.get(pk=response.json()["id"])
    done, lin = (3, 1) if history == 8 else (10, 5)
    graded = [("add-1", True)] * done + [("frac-1", True)] * done + [("lin-expr", False), ("lin-line", False)] * lin
    assert len(graded) == history
    start = timezone.now() - timedelta(days=1)
    for n, (key, correct) in enumerate(graded):
        next_item_choose(learner=learner, course=course, now=start + timedelta(minutes=n))  # each in a visit
        tutor_turn_take(learner=learner, item=Item.objects.get(course=course, key=key), source="api", graded=correct,
                        answered_at=start + timedelta(minutes=n))
    course_engine(course)
    with queries_exactly(NEXT_FROM_TEMPLATE, f"GET next/ (a template) after {history} answers"):
        response = owner.get(f"/api/v1/learners/{learner.pk}/next/")
    assert response.status_code == 200
    assert Item.objects.get(pk=response.json()["item"]["id"]).template.key == "lin-one-step"


@HISTORIES
def test_attempt_checked(owner, course, history):
    learner, _ = learner_with_history(owner, course, history=history)
    off_the_traits_boundary(history=history)
    answer = {"item": item_id(course, "add-1"), "step": "sum", "answer": "6"}
    with queries_exactly(ATTEMPT_CHECKED, f"POST attempts/ (checked) after {history} answers"):
        response = owner.post(f"/api/v1/learners/{learner.pk}/attempts/", answer, format="json")
    assert response.status_code == 201
    assert (response.json()["verdict"], response.json()["feedback"]["hint_level"]) == ("incorrect", 1)


@HISTORIES
def test_attempt_self_graded(owner, course, history):
    learner, last = learner_with_history(owner, course, history=history)
    off_the_traits_boundary(history=history)
    answer = {"item": item_id(course, "add-1"), "correct": True, "timestamp": (last + timedelta(hours=1)).isoformat(),
              "idempotency_key": "run-1"}
    with queries_exactly(ATTEMPT_SELF_GRADED, f"POST attempts/ (self-graded) after {history} answers"):
        response = owner.post(f"/api/v1/learners/{learner.pk}/attempts/", answer, format="json")
    assert response.status_code == 201
    assert response.json()["verdict"] == "correct"


STEPS = (("add-1", ""), ("add-1", "sum"), ("frac-1", ""), ("frac-1", "gcd"), ("lin-expr", ""))


@HISTORIES
def test_batch_per_entry(owner, course, history):
    """Batches of 1 entry, of 5 entries of one learner, of one entry for each of 5 learners, and of 5
    entries of 2 learners interleaved: each costs the base, plus its learners, plus its entries."""
    learners = [learner_with_history(owner, course, history=history, name=f"s{n}")[0] for n in range(5)]
    first, second = learners[:2]
    off_the_traits_boundary(history=history, answers=10)  # the first learner's answers in the batches below
    ticks, now = iter(range(100)), timezone.now()

    def batch(order: list[Learner]) -> tuple[list[dict], int]:
        """One batch with an entry for each learner in `order`, as tutor.simclient would send it, each
        of a learner's entries on another step of the items, in a visit served before the batch (a
        step solved in a visit takes no new answer)."""
        entries, given = [], dict.fromkeys(order, 0)
        for learner in given:
            next_item_choose(learner=learner, course=course, now=now)
        for learner in order:
            tick, (key, step) = next(ticks), STEPS[given[learner]]
            given[learner] += 1
            entries.append({"learner": learner.pk, "item": item_id(course, key), "step": step, "correct": True,
                            "idempotency_key": f"k{tick}", "timestamp": (now + timedelta(seconds=tick)).isoformat()})
        with CaptureQueriesContext(connection) as captured:
            response = owner.post("/api/v1/attempts/batch/", {"attempts": entries}, format="json")
        assert response.status_code == 200 and response.json()["failed"] == 0, response.json()
        assert {entry["status"] for entry in response.json()["results"]} == {201}  # every answer stored
        return captured.captured_queries, sum(bool(entry["step"]) for entry in entries)

    for order in ([first], [first] * 5, learners, [first, second, first, second, first]):
        entries, learners_in_it = len(order), len(set(order))
        queries, on_steps = batch(order)
        assert_queries(queries, BATCH_BASE + BATCH_PER_LEARNER * learners_in_it + BATCH_PER_ENTRY * entries
                       + BATCH_PER_STEP_ENTRY * on_steps,
                       f"POST attempts/batch/ with {entries} entries of {learners_in_it} learners after {history} answers")
