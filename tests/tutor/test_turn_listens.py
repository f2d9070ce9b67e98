"""Issue 17, the tutor that listens (over REST): chatter is steered back to the open step, never a
checker's note, a hint or evidence; a help request at the bottom of the ladder after a wrong guess
gets help, never a request to explain the guess."""

import io

import pytest
from django.core.management import call_command

from tests.api.helpers import program
from tutor.content.models import Item
from tutor.learning.models import Attempt

pytestmark = pytest.mark.django_db
CHATTER = "my cat keeps sitting on my keyboard lol"


@pytest.fixture
def send(valid_pack_path, settings):
    """Post to the learner's REST endpoints on the final answer of item add-1 (3 + 4): an answer, or
    words sent with a help request (`message=`); returns the tutor's feedback."""
    settings.LLM_BACKEND = "rule"
    call_command("load_course", str(valid_pack_path), stdout=io.StringIO())
    owner = program("owner")
    learner = owner.post("/api/v1/learners/", {"course": "tiny", "external_id": "s1", "planner": "mastery"},
                         format="json").json()["id"]
    item = Item.objects.get(course__slug="tiny", key="add-1").pk

    def post(answer: str | None = None, message: str = "Can I have a hint?") -> dict:
        if answer is None:
            response = owner.post(f"/api/v1/learners/{learner}/tutor/", {"item": item, "message": message},
                                  format="json")
            body = response.json()
        else:
            response = owner.post(f"/api/v1/learners/{learner}/attempts/", {"item": item, "answer": answer},
                                  format="json")
            body = response.json()["feedback"]
        assert response.status_code == 201, response.content
        return body

    return post


def test_chatter_typed_as_an_answer_or_sent_as_words_is_steered_back_to_the_problem(send):
    typed = send(CHATTER)
    assert typed["move"] == "guiding_student_focus" and typed["hint_level"] == 0
    assert typed["text"].startswith("Let's get back to the problem: ") and "What is 3 + 4?" in typed["text"]
    assert "couldn't read" not in typed["text"]
    said = send(message="We had pizza at lunch today")
    assert said["move"] == "guiding_student_focus" and said["hint_level"] == 0  # no climb of the ladder
    assert "What is 3 + 4?" in said["text"] and said["text"] != typed["text"]  # another phrasing
    assert send(message="lol")["text"] not in (typed["text"], said["text"])
    assert not Attempt.objects.filter(counts=True).exists()  # never evidence
    assert send()["hint_level"] == 1  # the first hint is still the first rung


def test_malformed_maths_still_gets_the_checkers_note(send):
    assert "couldn't read" in send("3//4")["text"]


def test_a_help_request_at_the_bottom_after_a_wrong_guess_gets_the_worked_step(send):
    assert [send()["hint_level"] for _ in range(3)] == [1, 2, 2]  # the last rung again: asked to try
    assert send("5")["move"] == "asking_for_explanation"  # a wrong guess: explain it
    helped = send()
    assert helped["move"] == "revealing_answer" and "7" in helped["text"]
    assert "explain" not in helped["text"].lower()
