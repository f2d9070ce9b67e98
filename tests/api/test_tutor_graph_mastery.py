from datetime import datetime, timedelta

import pytest

from tests.api.helpers import filled
from tutor.content.models import Item
from tutor.learning.engine import course_engine
from tutor.learning.models import Attempt, TutorTurn

pytestmark = pytest.mark.django_db


def test_a_tutor_turn_answers_the_message_and_is_kept(owner, learner_id, item):
    url = f"/api/v1/learners/{learner_id}/tutor/"
    first = owner.post(url, {"message": "I am stuck", "item": item}, format="json")
    assert first.status_code == 201
    body = first.json()
    assert set(body) == {"id", "item", "move", "category", "status", "text", "hint_level", "fell_back"}
    assert body["status"] == "done"  # the rule backend writes at once
    assert (body["item"], body["move"], body["hint_level"]) == (item, "seek_strategy", 1)
    assert "Count on from 3." in body["text"]  # the pack's first hint, through the rule backend
    turn = TutorTurn.objects.get(pk=body["id"])
    assert (turn.learner_id, turn.learner_text, turn.attempt, turn.text) == (learner_id, "I am stuck", None, body["text"])
    # Asking again climbs the hint ladder; asking is not answering.
    second = owner.post(url, {"message": "still stuck", "item": item}, format="json").json()
    assert second["hint_level"] == 2
    assert not Attempt.objects.exists()


def test_the_tutor_defaults_to_the_current_item(owner, learner_id):
    url = f"/api/v1/learners/{learner_id}/tutor/"
    response = owner.post(url, {"message": "help"}, format="json")
    assert (response.status_code, response.json()["error"]) == (409, "no_current_item")
    current = owner.get(f"/api/v1/learners/{learner_id}/next/").json()["item"]["id"]
    response = owner.post(url, {"message": "help"}, format="json")
    assert response.status_code == 201 and response.json()["item"] == current


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        ({"message": "x" * 2001, "item": "{item}"}, 400, "invalid"),
        ({"item": "{item}"}, 400, "invalid"),
        ({"message": ["help"], "item": "{item}"}, 400, "invalid"),
        ({"message": "help", "item": "add-1"}, 400, "invalid"),
        ({"message": "help", "item": 999999}, 404, "unknown_item"),
        ({"message": "help", "item": "{other}"}, 404, "unknown_item"),
    ],
)
def test_tutor_errors(owner, learner_id, item, other_course, body, status, error):
    other = Item.objects.get(course=other_course, key="add-1").pk
    response = owner.post(f"/api/v1/learners/{learner_id}/tutor/", filled(body, item=item, other=other), format="json")
    assert (response.status_code, response.json()["error"]) == (status, error)
    assert response.json()["detail"]
    assert not TutorTurn.objects.exists()


def test_graph_has_declared_edges_and_the_tracers_probabilities(owner, course):
    body = owner.get("/api/v1/courses/tiny/graph/").json()
    assert body["course"] == "tiny" and body["kcs"] == ["add", "frac", "lin"]
    assert body["declared"] == [{"source": "add", "target": "frac"}, {"source": "add", "target": "lin"},
                                {"source": "frac", "target": "lin"}]
    readout = course_engine(course).tracer.prerequisites()
    learned = {(e["source"], e["target"]): e["p"] for e in body["learned"]}
    assert len(learned) == 6 and all((kc, kc) not in learned for kc in body["kcs"])
    for (source, target), p in learned.items():
        assert p == pytest.approx(float(readout.matrix[readout.kcs.index(source), readout.kcs.index(target)]))
    # The tracer (here the prior, before any fit) believes the declared edges, not their reverses.
    for edge in body["declared"]:
        assert learned[(edge["source"], edge["target"])] > 0.5 > learned[(edge["target"], edge["source"])]
    assert owner.get("/api/v1/courses/nope/graph/").json()["error"] == "not_found"


def test_recall_fades_after_practice(owner, learner_id, item):
    url = f"/api/v1/learners/{learner_id}/attempts/"
    for day in (1, 2, 3):
        owner.get(f"/api/v1/learners/{learner_id}/next/", {"at": f"2031-01-0{day}T00:00:00Z"})  # a new visit
        owner.post(url, {"item": item, "correct": True, "timestamp": f"2031-01-0{day}T00:00:00Z"}, format="json")
    mastery_url = f"/api/v1/learners/{learner_id}/mastery/"
    right_after = owner.get(mastery_url, {"at": "2031-01-03T00:00:00Z"}).json()
    month_later = owner.get(mastery_url, {"at": "2031-02-03T00:00:00+00:00"}).json()
    assert month_later["at"] == "2031-02-03T00:00:00Z"
    add_now, add_later = right_after["mastery"]["add"], month_later["mastery"]["add"]
    assert add_now["recall_at"] == pytest.approx(add_now["p"])
    assert add_later["p"] == add_now["p"]  # p stays the belief after the last answer
    assert add_later["recall_at"] < add_now["recall_at"] - 0.05
    assert {"alpha", "mu", "sigma", "gamma", "eta"} <= set(month_later["traits"])


def test_mastery_at_defaults_to_now(owner, learner_id):
    body = owner.get(f"/api/v1/learners/{learner_id}/mastery/").json()
    assert abs(datetime.fromisoformat(body["at"]) - datetime.now().astimezone()) < timedelta(minutes=5)
    assert all(set(kc) == {"p", "sd", "recall_at"} for kc in body["mastery"].values())


@pytest.mark.parametrize("at", ["yesterday", "2031-01-03T00:00:00", "2031-13-01T00:00:00Z", "2031-01-03"])
def test_mastery_at_must_be_a_moment_with_a_timezone(owner, learner_id, at):
    response = owner.get(f"/api/v1/learners/{learner_id}/mastery/", {"at": at})
    assert response.status_code == 400
    assert response.json()["error"] == "invalid" and response.json()["fields"]["at"]
