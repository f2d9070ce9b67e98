"""Only answers the checker judged are attempts at a step (found by the dialogue benchmark): words it
could not read, such as "I don't get it" typed in the answer box, or an answer of the wrong kind,
neither bring the worked answer closer nor give the tutor an answer to ask an explanation of."""

import io

import pytest
from django.core.management import call_command

from tests.api.helpers import program
from tutor.content.models import Item

pytestmark = pytest.mark.django_db


@pytest.fixture
def send(valid_pack_path, settings):
    """Post to the learner's REST endpoints on the final answer of item add-1 (3 + 4; the tutor endpoint
    takes no step); returns the tutor's move and rung."""
    settings.LLM_BACKEND = "rule"
    call_command("load_course", str(valid_pack_path), stdout=io.StringIO())
    owner = program("owner")
    learner = owner.post("/api/v1/learners/", {"course": "tiny", "external_id": "s1", "planner": "mastery"},
                         format="json").json()["id"]
    item = Item.objects.get(course__slug="tiny", key="add-1").pk

    def post(answer: str | None) -> tuple[str, int]:
        if answer is None:
            response = owner.post(f"/api/v1/learners/{learner}/tutor/", {"item": item, "message": "Can I have a hint?"},
                                  format="json")
            body = response.json()
        else:
            response = owner.post(f"/api/v1/learners/{learner}/attempts/", {"item": item, "answer": answer}, format="json")
            body = response.json()["feedback"]
        assert response.status_code == 201, response.content
        return body["move"], body["hint_level"]

    return post


def test_i_dont_get_it_typed_three_times_gets_hints_and_a_request_to_try_never_the_answer(send):
    moves = [send("I don't get it") for _ in range(3)]
    assert moves == [("seek_strategy", 1), ("guiding_student_focus", 2), ("guiding_student_focus", 2)]


def test_after_an_unreadable_answer_a_help_request_at_the_bottom_is_not_asked_to_explain_it(send):
    moves = [send("#"), send(None), send(None), send(None)]
    assert moves[0][0] == "general_inquiry"  # write it again
    assert moves[1:] == [("seek_strategy", 1), ("guiding_student_focus", 2), ("guiding_student_focus", 2)]
    assert send("5") == ("asking_for_explanation", 2)  # a judged answer: now there is one to explain
