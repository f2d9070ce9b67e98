"""One simulated step in one round trip (issue 19): next/ is idempotent, `attempts/` with
`"next": true` answers and serves the next item in one transaction, and the cohort step endpoint
(`cohorts/{id}/step/`) does that for many learners of a cohort at once."""

import uuid
from datetime import timedelta

import pytest
from django.core.cache.backends.locmem import LocMemCache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.api.helpers import program
from tests.api.test_query_budgets import learner_with_history
from tests.query_budget import off_the_traits_boundary, queries_exactly
from tutor.api.serializers import MAX_BATCH
from tutor.api.throttling import AttemptRateThrottle
from tutor.learning.models import Attempt, Learner, LearnerState

START = timezone.now() - timedelta(days=1)


def at(minutes: int) -> str:
    return (START + timedelta(minutes=minutes)).isoformat()


def state_of(learner: int) -> LearnerState:
    return LearnerState.objects.get(learner_id=learner)


# ---- next/ is idempotent ------------------------------------------------------------------------

@pytest.mark.django_db
def test_next_again_before_an_answer_serves_the_same_item_in_the_same_visit(owner, learner_id):
    first = owner.get(f"/api/v1/learners/{learner_id}/next/").json()
    served = state_of(learner_id)
    again = owner.get(f"/api/v1/learners/{learner_id}/next/").json()
    assert again == first
    after = state_of(learner_id)
    # Neither a new visit nor a planner call (its state is untouched).
    assert (after.visit, after.planner_state, after.current_item_id) == (served.visit, served.planner_state,
                                                                       served.current_item_id)


@pytest.mark.django_db
def test_an_answer_in_the_visit_moves_next_on_and_a_solved_item_takes_no_new_answer(owner, learner_id):
    item = owner.get(f"/api/v1/learners/{learner_id}/next/").json()["item"]["id"]
    url = f"/api/v1/learners/{learner_id}/attempts/"
    assert owner.post(url, {"item": item, "correct": True, "idempotency_key": "a"}, format="json").status_code == 201
    visit = state_of(learner_id).visit
    # The same item solved again in its visit: the solving answer comes back, nothing is stored.
    assert owner.post(url, {"item": item, "correct": True, "idempotency_key": "b"}, format="json").status_code == 200
    assert Attempt.objects.filter(learner_id=learner_id).count() == 1
    following = owner.get(f"/api/v1/learners/{learner_id}/next/").json()
    assert state_of(learner_id).visit == visit + 1
    assert owner.get(f"/api/v1/learners/{learner_id}/next/").json() == following
    assert state_of(learner_id).visit == visit + 1


# ---- attempts/ with "next": true ---------------------------------------------------------------

@pytest.mark.django_db
def test_an_attempt_asking_for_next_returns_what_next_serves(owner, learner_id):
    url = f"/api/v1/learners/{learner_id}/attempts/"
    item = owner.get(f"/api/v1/learners/{learner_id}/next/").json()["item"]["id"]
    response = owner.post(url, {"item": item, "correct": True, "timestamp": at(1), "next": True}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["verdict"] == "correct" and body["mastery"]
    assert body["next"] == owner.get(f"/api/v1/learners/{learner_id}/next/").json()  # served, in its visit
    assert state_of(learner_id).current_item_id == body["next"]["item"]["id"]
    # Without the opt-in the response is the attempt alone, as before.
    plain = owner.post(url, {"item": body["next"]["item"]["id"], "correct": False, "timestamp": at(2)}, format="json")
    assert plain.status_code == 201 and "next" not in plain.json()


@pytest.mark.django_db
def test_a_replayed_step_returns_the_same_next_item(owner, learner_id):
    url = f"/api/v1/learners/{learner_id}/attempts/"
    item = owner.get(f"/api/v1/learners/{learner_id}/next/").json()["item"]["id"]
    step = {"item": item, "correct": True, "timestamp": at(1), "idempotency_key": "k1", "next": True}
    first = owner.post(url, step, format="json")
    again = owner.post(url, step, format="json")  # the first response was lost
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert Attempt.objects.filter(learner_id=learner_id).count() == 1


@pytest.mark.django_db
def test_a_bad_answer_with_next_stores_and_serves_nothing(owner, learner_id):
    url = f"/api/v1/learners/{learner_id}/attempts/"
    item = owner.get(f"/api/v1/learners/{learner_id}/next/").json()["item"]["id"]
    before = state_of(learner_id)
    response = owner.post(url, {"item": 999999, "correct": True, "next": True}, format="json")
    assert (response.status_code, response.json()["error"]) == (404, "unknown_item")
    assert owner.post(url, {"item": item, "correct": True, "next": "perhaps"}, format="json").status_code == 400
    after = state_of(learner_id)
    assert (after.visit, after.current_item_id, Attempt.objects.count()) == (before.visit, before.current_item_id, 0)


# ---- the query budget of one step --------------------------------------------------------------

# POST attempts/ with "next": true, self-graded as tutor.simclient sends it (issue 19's target: at
# most 8). The API client is known by its token's hash (kept per process, the token seen before).
# BEGIN; the learner's state, locked (SELECT ... FOR UPDATE), with its course, its last answer,
# whether the client may still act, the course's active tracer and whether the learner is in a
# class, all in that one query; the attempts of the learner's current visit and of the idempotency
# key; the tutor turns of that visit; INSERT the attempt; INSERT the turn; UPDATE the state (the
# answer folded in and the next item served); COMMIT. Course content (the answer's item, its steps,
# the next item rendered) comes from the course engine's per-process cache.
STEP_SINGLE = 8


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("in_process_tasks")
@pytest.mark.parametrize("history", [2, 30], ids=["short-history", "long-history"])
def test_query_budget_of_one_step(owner, course, history):
    learner, last = learner_with_history(owner, course, history=history)
    off_the_traits_boundary(history=history)
    served = state_of(learner.pk).current_item_id
    step = {"item": served, "correct": True, "timestamp": (last + timedelta(hours=1)).isoformat(),
            "idempotency_key": "run-1", "next": True}
    with queries_exactly(STEP_SINGLE, f"POST attempts/ with next after {history} answers"):
        response = owner.post(f"/api/v1/learners/{learner.pk}/attempts/", step, format="json")
    assert response.status_code == 201 and response.json()["next"]["item"]["id"]


# ---- the cohort step endpoint ------------------------------------------------------------------

def step_url(cohort) -> str:
    return f"/api/v1/cohorts/{cohort.pk}/step/"


@pytest.fixture
def members(cohort) -> list[int]:
    return list(cohort.learners.order_by("pk").values_list("pk", flat=True))


@pytest.mark.django_db
def test_a_cohort_steps_first_then_with_answers(owner, cohort, members):
    first = owner.post(step_url(cohort), {"entries": [{"learner": m} for m in members]}, format="json")
    assert first.status_code == 200
    body = first.json()
    assert (body["applied"], body["failed"]) == (3, 0)
    assert [r["learner"] for r in body["results"]] == members
    assert all(r["status"] == 200 and "attempt" not in r for r in body["results"])
    for member, result in zip(members, body["results"], strict=True):
        assert owner.get(f"/api/v1/learners/{member}/next/").json() == result["next"]  # the same item, served
    answers = [{"learner": m, "item": r["next"]["item"]["id"], "correct": n % 2 == 0, "timestamp": at(n),
                "idempotency_key": f"s{n}"} for n, (m, r) in enumerate(zip(members, body["results"], strict=True))]
    second = owner.post(step_url(cohort), {"entries": answers}, format="json").json()
    assert [r["status"] for r in second["results"]] == [201, 201, 201]
    assert [r["attempt"]["verdict"] for r in second["results"]] == ["correct", "incorrect", "correct"]
    assert all(r["attempt"]["mastery"] and r["next"]["item"]["id"] for r in second["results"])
    for member, result in zip(members, second["results"], strict=True):
        assert state_of(member).current_item_id == result["next"]["item"]["id"]
        assert Attempt.objects.filter(learner_id=member).count() == 1
    # The same step sent again (its response was lost): the same results, nothing new stored.
    again = owner.post(step_url(cohort), {"entries": answers}, format="json").json()
    assert [r["status"] for r in again["results"]] == [200, 200, 200]
    assert [r["next"] for r in again["results"]] == [r["next"] for r in second["results"]]
    assert Attempt.objects.count() == 3


@pytest.mark.django_db
def test_a_bad_entry_rolls_back_its_learner_only(owner, cohort, members):
    a, b, _ = members
    served = {r["learner"]: r["next"]["item"]["id"] for r in owner.post(
        step_url(cohort), {"entries": [{"learner": a}, {"learner": b}]}, format="json").json()["results"]}
    before = state_of(a)
    entries = [{"learner": a, "item": served[a], "correct": True, "timestamp": at(1)},
               {"learner": b, "item": served[b], "correct": True, "timestamp": at(1)},
               {"learner": a, "item": 999999, "correct": True, "timestamp": at(2)},
               {"learner": a, "correct": True},  # an answer without its item
               {"learner": 999999}]
    body = owner.post(step_url(cohort), {"entries": entries}, format="json").json()
    assert [r["status"] for r in body["results"]] == [424, 201, 424, 400, 404]
    assert body["results"][3]["error"]["error"] == "invalid"
    assert (body["applied"], body["failed"]) == (1, 4)
    after = state_of(a)
    assert (after.visit, after.current_item_id, Attempt.objects.filter(learner_id=a).count()) == (
        before.visit, before.current_item_id, 0)


@pytest.mark.django_db
def test_only_the_cohorts_own_learners_step(owner, cohort, members):
    outsider = owner.post("/api/v1/learners/", {"course": "tiny", "external_id": "solo"}, format="json").json()["id"]
    body = owner.post(step_url(cohort), {"entries": [{"learner": outsider}, {"learner": members[0]}]},
                      format="json").json()
    assert [r["status"] for r in body["results"]] == [404, 200]
    assert state_of(outsider).current_item_id is None
    theirs = program("other").post("/api/v1/cohorts/", {"course": "tiny", "size": 1}, format="json").json()
    response = owner.post(f"/api/v1/cohorts/{theirs['id']}/step/", {"entries": [{"learner": theirs["learners"][0]}]},
                          format="json")
    assert (response.status_code, response.json()["error"]) == (404, "not_found")
    assert owner.post("/api/v1/cohorts/99999999999999999999/step/", {"entries": []}, format="json").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("body, code", [
    ({"entries": []}, 400), ({"entries": "all"}, 400), ({}, 400), ([1], 400),
    ({"entries": [{"learner": 1}] * (MAX_BATCH + 1)}, 413),
])
def test_malformed_or_oversize_steps_are_refused_whole(owner, cohort, body, code):
    response = owner.post(step_url(cohort), body, format="json")
    assert response.status_code == code and response.json()["error"]
    assert LearnerState.objects.filter(current_item__isnull=False).count() == 0


@pytest.mark.django_db
def test_each_entry_counts_against_the_rate(owner, cohort, members, monkeypatch):
    monkeypatch.setattr(AttemptRateThrottle, "rate", "4/min", raising=False)
    monkeypatch.setattr(AttemptRateThrottle, "cache", LocMemCache(f"throttle-{uuid.uuid4()}", {}))
    entries = {"entries": [{"learner": m} for m in members]}
    assert owner.post(step_url(cohort), entries, format="json").status_code == 200  # 3 of 4
    refused = owner.post(step_url(cohort), entries, format="json")  # 3 more: over, refused whole
    assert refused.status_code == 429 and 55 <= int(refused["Retry-After"]) <= 60
    assert owner.post(step_url(cohort), {"entries": [{"learner": members[0]}]}, format="json").status_code == 200


# ---- queries per request, by the number of entries -----------------------------------------------

# POST cohorts/{id}/step/ with N learners each answering (self-graded, with timestamp and key): the
# same number whatever N (issue 19). The cohort (is it the client's?), then what the single step
# makes, in bulk: BEGIN; every learner's state locked in one SELECT ... FOR UPDATE ORDER BY id; the
# attempts of their current visits and keys in one query; the turns of those visits in one; one
# INSERT of all the attempts, one of all the turns, one UPDATE of all the states (CASE per row);
# COMMIT.
STEP_QUERIES = 1 + STEP_SINGLE


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("in_process_tasks")
def test_queries_per_cohort_step_by_entries(owner, course):
    cohort_body = owner.post("/api/v1/cohorts/", {"course": "tiny", "size": 4, "planner": "adaptive"},
                             format="json").json()
    members = cohort_body["learners"]
    url = f"/api/v1/cohorts/{cohort_body['id']}/step/"
    served = {r["learner"]: r["next"]["item"]["id"]
              for r in owner.post(url, {"entries": [{"learner": m} for m in members]}, format="json").json()["results"]}
    counts = {}
    for tick, size in enumerate((1, 2, 4), start=1):
        entries = [{"learner": m, "item": served[m], "correct": True, "timestamp": at(tick),
                    "idempotency_key": f"t{tick}-{m}"} for m in members[:size]]
        with CaptureQueriesContext(connection) as captured:
            body = owner.post(url, {"entries": entries}, format="json").json()
        assert body["failed"] == 0, body
        served.update({r["learner"]: r["next"]["item"]["id"] for r in body["results"]})
        counts[size] = len(captured.captured_queries)
    assert counts == dict.fromkeys((1, 2, 4), STEP_QUERIES), counts
    assert Learner.objects.filter(cohort_id=cohort_body["id"]).count() == 4


@pytest.mark.django_db
def test_a_first_step_takes_the_learners_clock(owner, cohort, members):
    body = owner.post(step_url(cohort), {"entries": [{"learner": members[0], "at": "2030-01-01T00:00:00Z"},
                                                      {"learner": members[1], "at": "yesterday"},
                                                      {"learner": members[2], "timestamp": at(1)}]},
                      format="json").json()
    assert [r["status"] for r in body["results"]] == [200, 400, 400]
    assert body["results"][1]["error"]["fields"]["at"]
    assert "give item too" in str(body["results"][2]["error"]["fields"])
