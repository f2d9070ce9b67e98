import uuid
from io import StringIO

import pytest
from django.core.cache.backends.locmem import LocMemCache
from django.core.management import call_command
from django.http import Http404

from tests.api.helpers import program
from tutor.accounts.models import ApiClient
from tutor.api import batch
from tutor.api.serializers import MAX_BATCH
from tutor.api.throttling import AttemptRateThrottle
from tutor.learning.models import Attempt, LearnerState, TutorTurn

pytestmark = pytest.mark.django_db
URL = "/api/v1/attempts/batch/"


def at(day: int) -> str:
    return f"2031-01-{day:02d}T00:00:00Z"


def statuses(response) -> list[int]:
    return [entry["status"] for entry in response.json()["results"]]


def test_results_come_in_request_order_and_each_learner_in_its_order(owner, pair, item):
    a, b = pair
    entries = [
        {"learner": a, "item": item, "step": "sum", "answer": "34", "timestamp": at(1)},
        {"learner": b, "item": item, "correct": True, "timestamp": at(5)},
        {"learner": a, "item": item, "step": "sum", "answer": "7", "timestamp": at(2)},
        {"learner": b, "item": item, "step": "sum", "correct": False, "timestamp": at(6)},
        {"learner": a, "item": item, "answer": "7", "timestamp": at(3)},
    ]
    response = owner.post(URL, {"attempts": entries}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert (body["applied"], body["failed"]) == (5, 0)
    assert [(r["index"], r["learner"], r["status"]) for r in body["results"]] == [
        (0, a, 201), (1, b, 201), (2, a, 201), (3, b, 201), (4, a, 201)]
    assert [r["attempt"]["verdict"] for r in body["results"]] == [
        "misconception", "correct", "correct", "incorrect", "correct"]
    # Stored in each learner's order, with the same ids the results name.
    for learner, indexes in ((a, [0, 2, 4]), (b, [1, 3])):
        stored = list(Attempt.objects.filter(learner_id=learner).order_by("id").values_list("id", flat=True))
        assert stored == [body["results"][i]["attempt"]["id"] for i in indexes]
        assert LearnerState.objects.get(learner_id=learner).last_attempt_id == stored[-1]
    # Each attempt took a full tutor turn, as a single attempt does.
    assert TutorTurn.objects.filter(attempt__isnull=False).count() == 5
    single = owner.post(f"/api/v1/learners/{a}/attempts/", {"item": item, "correct": True, "timestamp": at(4)},
                        format="json").json()
    assert set(single) == set(body["results"][0]["attempt"])


def test_a_bad_attempt_rolls_back_its_learner_only(owner, pair, item):
    a, b = pair
    entries = [
        {"learner": a, "item": item, "correct": True, "timestamp": at(1)},
        {"learner": b, "item": item, "step": "sum", "correct": True, "timestamp": at(1)},
        {"learner": a, "item": 999999, "correct": True, "timestamp": at(2)},
        {"learner": b, "item": item, "correct": True, "timestamp": at(2)},
        {"learner": a, "item": item, "correct": True, "timestamp": at(3)},
    ]
    body = owner.post(URL, {"attempts": entries}, format="json").json()
    assert [r["status"] for r in body["results"]] == [424, 201, 404, 201, 424]
    assert body["results"][2]["error"] == {"error": "unknown_item", "detail": "no such item in this learner's course",
                                           "fields": {"item": 999999}}
    assert body["results"][0]["error"]["error"] == "learner_rolled_back"
    assert "attempt 2" in body["results"][4]["error"]["detail"]
    assert (body["applied"], body["failed"]) == (2, 3)
    assert not Attempt.objects.filter(learner_id=a).exists()
    assert not TutorTurn.objects.filter(learner_id=a).exists()
    state = LearnerState.objects.get(learner_id=a)
    assert (state.last_attempt_id, state.planner_state) == (None, {})
    assert Attempt.objects.filter(learner_id=b).count() == 2


def test_time_going_backwards_inside_a_batch_fails_that_learner(owner, pair, item):
    a, b = pair
    entries = [
        {"learner": a, "item": item, "correct": True, "timestamp": at(5)},
        {"learner": a, "item": item, "correct": True, "timestamp": at(4)},
        {"learner": b, "item": item, "correct": True, "timestamp": at(4)},
    ]
    response = owner.post(URL, {"attempts": entries}, format="json")
    assert statuses(response) == [424, 409, 201]
    assert response.json()["results"][1]["error"]["error"] == "time_went_backwards"
    assert list(Attempt.objects.values_list("learner_id", flat=True)) == [b]


def test_malformed_entries_are_reported_and_fail_their_learner(owner, pair, item):
    a, b = pair
    entries = [
        {"learner": a, "item": item, "correct": True},
        {"learner": a, "item": "ADD", "correct": True},
        {"item": item, "correct": True},
        {"learner": "somebody", "item": item, "correct": True},
        {"learner": b, "item": item, "answer": "7", "correct": True},
        "not an object",
    ]
    response = owner.post(URL, {"attempts": entries}, format="json")
    assert response.status_code == 400 and "attempts" in response.json()["fields"]
    response = owner.post(URL, {"attempts": entries[:5]}, format="json")
    assert statuses(response) == [424, 400, 400, 400, 400]
    results = response.json()["results"]
    assert "item" in results[1]["error"]["fields"]
    assert "learner" in results[2]["error"]["fields"] and results[2]["learner"] is None
    assert "non_field_errors" in results[4]["error"]["fields"]
    assert not Attempt.objects.exists()


def test_other_clients_and_unknown_learners_are_not_found_per_entry(owner, pair, item):
    a, _ = pair
    stranger = program("stranger").post("/api/v1/learners/", {"course": "tiny"}, format="json").json()["id"]
    entries = [{"learner": stranger, "item": item, "correct": True}, {"learner": 424242, "item": item, "correct": True},
               {"learner": a, "item": item, "correct": True}]
    response = owner.post(URL, {"attempts": entries}, format="json")
    assert statuses(response) == [404, 404, 201]
    assert response.json()["results"][0]["error"] == {"error": "not_found", "detail": "no such learner"}
    assert list(Attempt.objects.values_list("learner_id", flat=True)) == [a]


def test_an_oversize_batch_is_refused_whole(owner, pair, item):
    entries = [{"learner": pair[0], "item": item, "correct": True}] * (MAX_BATCH + 1)
    response = owner.post(URL, {"attempts": entries}, format="json")
    assert response.status_code == 413
    assert response.json() == {"error": "batch_too_large", "detail": f"a batch has at most {MAX_BATCH} attempts, "
                               f"not {MAX_BATCH + 1}", "fields": {"attempts": MAX_BATCH + 1}}
    assert not Attempt.objects.exists()


@pytest.mark.parametrize("body", [{}, {"attempts": []}, {"attempts": {"learner": 1}}, []])
def test_a_batch_without_a_list_of_attempts_is_invalid(owner, body):
    response = owner.post(URL, body, format="json")
    assert (response.status_code, response.json()["error"]) == (400, "invalid")


def test_idempotency_keys_replay_inside_a_batch_and_across_batches(owner, pair, item):
    a, b = pair
    entries = [
        {"learner": a, "item": item, "step": "sum", "answer": "34", "idempotency_key": "k1", "timestamp": at(1)},
        {"learner": a, "item": item, "step": "sum", "answer": "34", "idempotency_key": "k1", "timestamp": at(1)},
        {"learner": b, "item": item, "correct": True, "idempotency_key": "k1", "timestamp": at(1)},
    ]
    first = owner.post(URL, {"attempts": entries}, format="json").json()["results"]
    assert [r["status"] for r in first] == [201, 200, 201]
    assert first[1]["attempt"] == first[0]["attempt"]
    # (The same key with another body is a 422: tests/api/test_idempotency.py.)
    assert Attempt.objects.count() == 2
    again = owner.post(URL, {"attempts": entries}, format="json").json()["results"]
    assert [r["status"] for r in again] == [200, 200, 200]
    assert [r["attempt"]["id"] for r in again] == [r["attempt"]["id"] for r in first]
    assert Attempt.objects.count() == 2 and TutorTurn.objects.count() == 2


def test_bench_batch_measures_both_ways_and_leaves_nothing(course):
    out = StringIO()
    call_command("bench_batch", "--course", "tiny", "--learners", "2", "--attempts", "6", stdout=out)
    assert "6 attempts, 2 learners" in out.getvalue() and "attempts/s" in out.getvalue()
    assert not Attempt.objects.exists() and not ApiClient.objects.filter(name="bench-batch").exists()


def test_a_body_over_the_upload_limit_is_a_json_413(owner, pair, item, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    entries = [{"learner": pair[0], "item": item, "answer": "7" * 2000}] * 6
    response = owner.post(URL, {"attempts": entries}, format="json")
    assert response.status_code == 413
    assert response.json() == {"error": "request_too_large", "detail": "the request body is over 10000 bytes"}
    assert not Attempt.objects.exists()


def test_an_oversize_batch_is_a_413_whatever_its_entries_hold(owner, pair, item):
    entries = [{"learner": pair[0], "item": item, "correct": True}] * MAX_BATCH + ["not an attempt"]
    response = owner.post(URL, {"attempts": entries}, format="json")
    assert (response.status_code, response.json()["error"]) == (413, "batch_too_large")
    assert not Attempt.objects.exists()


def test_a_learner_erased_while_the_batch_runs_fails_only_its_own_entries(owner, pair, item, monkeypatch):
    a, b = pair
    take = batch.attempt_take

    def erased_b(*, state, values):
        if state.learner_id == b:   # as learner_state_locked finds it once the erasure has committed
            raise Http404("this learner has been erased")
        return take(state=state, values=values)

    monkeypatch.setattr(batch, "attempt_take", erased_b)
    entries = [{"learner": a, "item": item, "correct": True}, {"learner": b, "item": item, "correct": True},
               {"learner": b, "item": item, "correct": False}]
    response = owner.post(URL, {"attempts": entries}, format="json")
    assert response.status_code == 200 and statuses(response) == [201, 404, 424]
    assert response.json()["results"][1]["error"] == {"error": "not_found", "detail": "this learner has been erased"}
    assert list(Attempt.objects.values_list("learner_id", flat=True)) == [a]


@pytest.fixture
def ten_a_minute(monkeypatch):
    """From here on the caller may send 10 requests a minute, counted in a cache of this test's own."""
    monkeypatch.setattr(AttemptRateThrottle, "rate", "10/min", raising=False)  # else API_THROTTLE_RATE
    monkeypatch.setattr(AttemptRateThrottle, "cache", LocMemCache(f"throttle-{uuid.uuid4()}", {}))


def wrong(learner: int, item: int, days) -> list[dict]:
    return [{"learner": learner, "item": item, "correct": False, "timestamp": at(day)} for day in days]


def test_each_attempt_of_a_batch_counts_as_one_request_against_the_rate(owner, pair, item, ten_a_minute):
    assert owner.post(URL, {"attempts": wrong(pair[0], item, range(1, 11))}, format="json").status_code == 200
    refused = owner.get(f"/api/v1/learners/{pair[0]}/")
    assert refused.status_code == 429 and refused.json()["error"] == "throttled"
    assert 55 <= int(refused["Retry-After"]) <= 60  # the ten attempts leave the window together


def test_a_batch_over_the_allowance_left_is_refused_whole_before_any_work(owner, pair, item, ten_a_minute):
    a, b = pair
    assert owner.post(URL, {"attempts": wrong(a, item, range(1, 5))}, format="json").status_code == 200
    refused = owner.post(URL, {"attempts": wrong(b, item, range(1, 8))}, format="json")  # 7, with 6 left
    assert refused.status_code == 429 and 55 <= int(refused["Retry-After"]) <= 60
    assert Attempt.objects.filter(learner_id=b).count() == 0 and TutorTurn.objects.filter(learner_id=b).count() == 0
    fits = owner.post(URL, {"attempts": wrong(b, item, range(1, 7))}, format="json")  # 6, with 6 left
    assert fits.status_code == 200 and fits.json()["applied"] == 6


def test_a_batch_larger_than_the_whole_rate_says_so_and_one_over_the_cap_is_a_413(owner, pair, item, ten_a_minute):
    never = owner.post(URL, {"attempts": wrong(pair[0], item, range(1, 12))}, format="json")
    assert never.status_code == 429 and "Retry-After" not in never
    assert never.json() == {"error": "throttled", "detail": "this request counts as 11 requests, more than the 10 "
                            "allowed per 60 s: send fewer attempts per request"}
    oversize = owner.post(URL, {"attempts": wrong(pair[0], item, range(1, 12)) * 10}, format="json")
    assert (oversize.status_code, oversize.json()["error"]) == (413, "batch_too_large")  # counted once, not 110
    assert not Attempt.objects.exists()
