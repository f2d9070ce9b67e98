import pytest
from django.db import connection

from tests.api.helpers import filled
from tutor.content.models import Item
from tutor.learning.models import Attempt, TutorTurn

pytestmark = pytest.mark.django_db


def test_create_learner_shapes_and_errors(owner):
    created = owner.post("/api/v1/learners/", {"course": "tiny", "external_id": "a"}, format="json")
    assert created.status_code == 201
    assert created.json() == {
        "id": created.json()["id"], "course": "tiny", "planner": "adaptive", "external_id": "a", "cohort": None,
    }
    duplicate = owner.post("/api/v1/learners/", {"course": "tiny", "external_id": "a"}, format="json")
    assert (duplicate.status_code, duplicate.json()["error"]) == (409, "duplicate_external_id")
    # external_id is optional: learners without one never clash.
    unnamed = [owner.post("/api/v1/learners/", {"course": "tiny"}, format="json") for _ in range(2)]
    assert [r.status_code for r in unnamed] == [201, 201] and unnamed[0].json()["id"] != unnamed[1].json()["id"]
    unknown = owner.post("/api/v1/learners/", {"course": "nope"}, format="json")
    assert (unknown.status_code, unknown.json()["error"]) == (404, "unknown_course")
    bad_planner = owner.post("/api/v1/learners/", {"course": "tiny", "planner": "psychic"}, format="json")
    assert (bad_planner.status_code, bad_planner.json()["error"]) == (400, "unknown_planner")
    missing = owner.post("/api/v1/learners/", {}, format="json")
    assert missing.status_code == 400 and "course" in missing.json()["fields"]


def test_next_item_has_no_answers_or_hints(owner, learner_id):
    body = owner.get(f"/api/v1/learners/{learner_id}/next/").json()
    assert set(body["item"]) == {"id", "kcs", "prompt", "steps", "difficulty"}
    assert all(set(step) == {"id", "prompt"} for step in body["item"]["steps"])
    assert body["reason"]["planner"] == "mastery"


def test_attempts_checked_self_graded_idempotent_and_listed(owner, learner_id):
    item = Item.objects.get(course__slug="tiny", key="add-1").pk
    url = f"/api/v1/learners/{learner_id}/attempts/"
    wrong = owner.post(url, {"item": item, "step": "sum", "answer": "34", "idempotency_key": "k1"}, format="json")
    assert wrong.status_code == 201
    body = wrong.json()
    assert (body["correct"], body["verdict"], body["feedback"]["move"]) == (False, "misconception", "seeking_self_correction")
    assert set(body["mastery"]) == {"add", "frac", "lin"}
    replay = owner.post(url, {"item": item, "step": "sum", "answer": "34", "idempotency_key": "k1"}, format="json")
    assert replay.status_code == 200 and replay.json() == body
    graded = owner.post(url, {"item": item, "correct": True}, format="json")
    assert graded.status_code == 201 and graded.json()["correct"] is True
    assert graded.json()["mastery"] != body["mastery"]
    # Re-sent after the learner moved on: still the original result, mastery included.
    late = owner.post(url, {"item": item, "step": "sum", "answer": "34", "idempotency_key": "k1"}, format="json")
    assert late.status_code == 200 and late.json() == body
    assert Attempt.objects.filter(learner_id=learner_id).count() == 2
    rows = owner.get(url).json()
    assert rows["count"] == 2 and [r["verdict"] for r in rows["results"]] == ["misconception", "correct"]


@pytest.mark.parametrize("changed", [{"answer": "7"}, {"step": ""}, {"item": "{other}", "step": ""},
                                     {"timestamp": "2031-01-01T00:00:01Z"}, {"answer": None, "correct": False}])
def test_a_key_reused_for_another_request_is_a_422_and_stores_nothing(owner, learner_id, changed):
    """Issue 18 defect 9: the same key with another body silently returned the first answer's result."""
    item, other = (Item.objects.get(course__slug="tiny", key=key).pk for key in ("add-1", "frac-1"))
    url = f"/api/v1/learners/{learner_id}/attempts/"
    first = {"item": item, "step": "sum", "answer": "34", "timestamp": "2031-01-01T00:00:00Z", "idempotency_key": "k1"}
    stored = owner.post(url, first, format="json")
    assert stored.status_code == 201
    changed = filled(changed, other=other)
    reused = owner.post(url, {key: value for key, value in (first | changed).items() if value is not None},
                        format="json")
    assert reused.status_code == 422
    assert reused.json() == {"error": "idempotency_key_reused", "detail": reused.json()["detail"],
                             "fields": {"idempotency_key": "k1"}}
    assert "'k1'" in reused.json()["detail"] and "different request" in reused.json()["detail"]
    assert list(Attempt.objects.values_list("id", flat=True)) == [stored.json()["id"]]
    assert TutorTurn.objects.count() == 1
    # The first request re-sent, the same instant in another zone included, is still its replay.
    for timestamp in ("2031-01-01T00:00:00Z", "2031-01-01T01:00:00+01:00"):
        again = owner.post(url, first | {"timestamp": timestamp}, format="json")
        assert (again.status_code, again.json()) == (200, stored.json())


def test_a_key_stored_before_fingerprints_still_replays(owner, learner_id):
    """Attempts stored before the fingerprint was kept have none: their keys replay as they always did."""
    item = Item.objects.get(course__slug="tiny", key="add-1").pk
    url = f"/api/v1/learners/{learner_id}/attempts/"
    stored = owner.post(url, {"item": item, "answer": "7", "idempotency_key": "old"}, format="json")
    assert Attempt.objects.get().request_fingerprint  # a new row keeps its request's fingerprint
    with connection.cursor() as cursor:  # as migration 0008 leaves the rows before it (append-only: no ORM update)
        cursor.execute(f"UPDATE {Attempt._meta.db_table} SET request_fingerprint = ''")
    again = owner.post(url, {"item": item, "answer": "8", "idempotency_key": "old"}, format="json")
    assert (again.status_code, again.json()) == (200, stored.json())
    assert Attempt.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        ({"item": 999999, "answer": "1"}, 404, "unknown_item"),
        ({"item": "ADD", "answer": "1"}, 400, "invalid"),
        ({"answer": "1"}, 400, "invalid"),
        ({"item": "{item}", "answer": "1", "correct": True}, 400, "invalid"),
        ({"item": "{item}"}, 400, "invalid"),
        ({"item": "{item}", "step": "nope", "answer": "1"}, 400, "unknown_step"),
        ({"item": "{item}", "answer": "x" * 2001}, 400, "invalid"),
        ({"item": "{item}", "answer": "1", "timestamp": "yesterday"}, 400, "invalid"),
        ({"item": "{item}", "answer": ["3/4"]}, 400, "invalid"),
        ({"item": "{item}", "answer": True}, 400, "invalid"),
        ({"item": "{item}", "correct": "perhaps"}, 400, "invalid"),
        ({"item": "{other}", "answer": "7"}, 404, "unknown_item"),
    ],
)
def test_attempt_errors(owner, learner_id, other_course, body, status, error):
    item = Item.objects.get(course__slug="tiny", key="add-1").pk
    other = Item.objects.get(course=other_course, key="add-1").pk
    response = owner.post(f"/api/v1/learners/{learner_id}/attempts/", filled(body, item=item, other=other), format="json")
    assert (response.status_code, response.json()["error"]) == (status, error)
    assert response.json()["detail"]
    assert not Attempt.objects.exists()


def test_simulated_time_may_run_ahead_but_not_back(owner, learner_id):
    item = Item.objects.get(course__slug="tiny", key="add-1").pk
    url = f"/api/v1/learners/{learner_id}/attempts/"
    ahead = owner.post(url, {"item": item, "correct": True, "timestamp": "2031-01-01T00:00:00Z"}, format="json")
    assert ahead.status_code == 201
    back = owner.post(url, {"item": item, "correct": True, "timestamp": "2030-12-31T00:00:00Z"}, format="json")
    assert (back.status_code, back.json()["error"]) == (409, "time_went_backwards")
    assert Attempt.objects.count() == 1


@pytest.mark.parametrize("moment", ["9999-12-31T23:59:59Z", "2100-01-01T00:00:00Z", "2099-12-31T23:30:00-01:00",
                                    "1969-12-31T23:59:59Z", "0001-01-01T00:00:00Z"])
def test_a_timestamp_out_of_range_is_a_400_naming_the_field_and_blocks_nobody(owner, learner_id, moment):
    """Issue 18 defect 11: an answer dated in year 9999 was stored, and every later one was refused as
    going back in time (the log is append-only)."""
    item = Item.objects.get(course__slug="tiny", key="add-1").pk
    url = f"/api/v1/learners/{learner_id}/attempts/"
    refused = owner.post(url, {"item": item, "correct": True, "timestamp": moment}, format="json")
    assert (refused.status_code, refused.json()["error"]) == (400, "invalid")
    assert "1970-01-01" in str(refused.json()["fields"]["timestamp"])
    batch = owner.post("/api/v1/attempts/batch/", {"attempts": [
        {"learner": learner_id, "item": item, "correct": True, "timestamp": moment}]}, format="json").json()
    assert (batch["results"][0]["status"], batch["failed"]) == (400, 1)
    assert "timestamp" in batch["results"][0]["error"]["fields"]
    at = owner.get(f"/api/v1/learners/{learner_id}/next/", {"at": moment})
    assert (at.status_code, "at" in at.json()["fields"]) == (400, True)
    assert not Attempt.objects.exists()
    # Both ends of the range, in order.
    for key, edge in (("add-1", "1970-01-01T00:00:00Z"), ("frac-1", "2099-12-31T23:59:59Z")):
        other = Item.objects.get(course__slug="tiny", key=key).pk
        assert owner.post(url, {"item": other, "answer": "7", "timestamp": edge}, format="json").status_code == 201
    assert Attempt.objects.count() == 2


def test_mastery_has_probabilities_uncertainty_and_traits(owner, learner_id):
    body = owner.get(f"/api/v1/learners/{learner_id}/mastery/").json()
    assert set(body["mastery"]) == {"add", "frac", "lin"} and 0 < body["mastery"]["add"]["p"] < 1
    assert {"alpha", "mu", "sigma", "gamma", "eta"} <= set(body["traits"])


def test_protocol_errors_are_json_too(owner, learner_id):
    url = f"/api/v1/learners/{learner_id}/attempts/"
    broken = owner.post(url, "{not json", content_type="application/json")
    assert (broken.status_code, broken.json()["error"]) == (400, "parse_error")
    text = owner.post(url, "item=1", content_type="text/plain")
    assert (text.status_code, text.json()["error"]) == (415, "unsupported_media_type")
    wrong_method = owner.delete(f"/api/v1/learners/{learner_id}/mastery/")
    assert (wrong_method.status_code, wrong_method.json()["error"]) == (405, "method_not_allowed")
    missing = owner.get("/api/v1/learners/999999/")
    assert missing.json() == {"error": "not_found", "detail": missing.json()["detail"]} and missing.status_code == 404
    for path in ("/api/v1/learners/abc/", "/api/v1/nothing/", f"/api/v1/learners/{learner_id}/grades/"):
        unknown = owner.get(path)
        assert (unknown.status_code, unknown.json()["error"]) == (404, "not_found"), path
    # Without the trailing slash: the endpoint itself, or a JSON 404; never a redirect (issue 18, defect 13).
    assert owner.get(f"/api/v1/learners/{learner_id}").json() == owner.get(f"/api/v1/learners/{learner_id}/").json()
    for path in ("/api/v1/nothing", f"/api/v1/learners/{learner_id}/grades", "/api/v1/learners/abc"):
        unknown = owner.get(path)
        assert (unknown.status_code, unknown.json()["error"]) == (404, "not_found"), path


def test_an_answer_posted_without_the_trailing_slash_is_stored_not_redirected(owner, learner_id):
    """Issue 18 defect 13: the 301 to the slashed path was followed as a GET and the answer lost."""
    item = Item.objects.get(course__slug="tiny", key="add-1").pk
    posted = owner.post(f"/api/v1/learners/{learner_id}/attempts", {"item": item, "answer": "7"}, format="json")
    assert posted.status_code == 201, (posted.status_code, posted.get("Location"))
    assert Attempt.objects.filter(learner_id=learner_id).count() == 1
    listed = owner.get(f"/api/v1/learners/{learner_id}/attempts").json()
    assert [row["id"] for row in listed["results"]] == [posted.json()["id"]]
    tutor = owner.post(f"/api/v1/learners/{learner_id}/tutor", {"message": "hint", "item": item}, format="json")
    assert tutor.status_code in (201, 202)
    assert owner.get(f"/api/v1/learners/{learner_id}/next").status_code == 200


@pytest.mark.parametrize("depth", [33, 1000, 100_000])
@pytest.mark.parametrize("shape", ["object", "array"])
def test_json_nested_too_deep_is_a_400_naming_the_bound(owner, learner_id, depth, shape):
    """Issue 18 defect 10: ~1,000 levels raised RecursionError in the parser, a 500."""
    body = '{"a":' * depth + "1" + "}" * depth if shape == "object" else "[" * depth + "]" * depth
    for path in (f"/api/v1/learners/{learner_id}/attempts/", "/api/v1/attempts/batch/", "/api/v1/learners/"):
        response = owner.post(path, body, content_type="application/json")
        assert (response.status_code, response.json()["error"]) == (400, "parse_error"), path
        assert "nested deeper than 32" in response.json()["detail"]
    assert not Attempt.objects.exists()
    # 32 levels is within the bound: parsed, and refused by the serializer as any wrong body is.
    within = owner.post(f"/api/v1/learners/{learner_id}/attempts/", '{"a":' * 32 + "1" + "}" * 32,
                        content_type="application/json")
    assert (within.status_code, within.json()["error"]) == (400, "invalid")


def test_next_takes_the_learners_clock_with_a_timezone(owner, learner_id):
    url = f"/api/v1/learners/{learner_id}/next/"
    assert owner.get(url, {"at": "2031-01-01T00:00:00Z"}).status_code == 200
    naive = owner.get(url, {"at": "2031-01-01T00:00:00"})
    assert (naive.status_code, naive.json()["error"]) == (400, "invalid") and "at" in naive.json()["fields"]


def test_a_page_holds_at_most_max_limit_attempts_however_large_the_limit(owner, learner_id):
    item = Item.objects.get(course__slug="tiny", key="add-1").pk
    url = f"/api/v1/learners/{learner_id}/attempts/"
    for _ in range(3):
        owner.get(f"/api/v1/learners/{learner_id}/next/")  # a new visit: a solved item takes no new answer
        assert owner.post(url, {"item": item, "correct": True}, format="json").status_code == 201
    huge = owner.get(url, {"limit": 10**20})
    assert huge.status_code == 200 and huge.json()["count"] == 3 and len(huge.json()["results"]) == 3
    assert "limit=1000" in owner.get(url, {"limit": 10**20, "offset": 2}).json()["previous"]   # the limit served
    assert len(owner.get(url, {"limit": 2}).json()["results"]) == 2


def test_a_solved_item_takes_no_new_answer_until_the_next_visit_and_mastery_stays(owner, learner_id):
    """The evidence rule of the browser, over REST: re-posting a solved answer replays the original
    (200) and moves nothing; after next/ (a new visit of the item) an answer is new evidence again."""
    item = Item.objects.get(course__slug="tiny", key="add-1").pk
    # A fixed `at`: recall predicted at the wall clock moves between two reads.
    url, mastery = f"/api/v1/learners/{learner_id}/attempts/", f"/api/v1/learners/{learner_id}/mastery/?at=2030-01-01T00:00:00Z"
    first = owner.post(url, {"item": item, "correct": True}, format="json")
    after = owner.get(mastery).json()["mastery"]
    for _ in range(3):
        again = owner.post(url, {"item": item, "correct": True}, format="json")
        assert (again.status_code, again.json()["id"]) == (200, first.json()["id"])
    assert owner.get(mastery).json()["mastery"] == after and Attempt.objects.count() == 1
    owner.get(f"/api/v1/learners/{learner_id}/next/")
    assert owner.post(url, {"item": item, "correct": True}, format="json").status_code == 201
    assert owner.get(mastery).json()["mastery"]["add"]["p"] > after["add"]["p"]


def test_an_answer_in_words_and_working_with_a_wrong_step_over_rest(owner, learner_id):
    """Issue 17: "I think it's 7" is checked as 7; working with a wrong step gets feedback on that step."""
    item = Item.objects.get(course__slug="tiny", key="add-1").pk
    url = f"/api/v1/learners/{learner_id}/attempts/"
    working = owner.post(url, {"item": item, "step": "sum", "answer": "I added 3 to 11 and got 15"}, format="json")
    assert working.status_code == 201
    body = working.json()
    assert (body["correct"], body["verdict"], body["feedback"]["move"]) == (False, "unreadable", "seeking_self_correction")
    assert "Check 11 + 3: that is not 15." in body["feedback"]["text"]
    # The example: right arithmetic on another path (the step asks 3 + 4) gets feedback on it too.
    path = owner.post(url, {"item": item, "step": "sum", "answer": "I added 3 to 11 and got 14"}, format="json")
    assert path.status_code == 201 and path.json()["feedback"]["move"] == "seeking_self_correction"
    assert "11 + 3 is 14, but 14 is not what this step asks for." in path.json()["feedback"]["text"]
    words = owner.post(url, {"item": item, "answer": "I think it's 7"}, format="json")
    assert words.status_code == 201 and (words.json()["correct"], words.json()["verdict"]) == (True, "correct")
    assert Attempt.objects.filter(learner_id=learner_id).last().raw_answer == "I think it's 7"
