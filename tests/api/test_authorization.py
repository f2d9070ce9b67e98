"""Who may call what, for every endpoint: the owning client does everything; a teacher of a class the
model-student is enrolled in reads it; everyone else is refused, and a refusal carries no data."""

import pytest
from rest_framework.test import APIClient

from tests.api.helpers import program, session
from tests.tutor.factories import ClassroomFactory, UserFactory
from tutor.content.models import Item
from tutor.learning.models import Attempt, Cohort, Enrollment, Learner, LearnerState, TutorTurn
from tutor.learning.services import learner_for_user

pytestmark = pytest.mark.django_db

CALLERS = ("anonymous", "other client", "own client", "learner session", "teacher of the class",
           "teacher of another class")

# endpoint -> status per caller, in CALLERS order. Course content is open to every signed-in caller;
# a learner's data to its client and (reading only) to the teachers of its classes; `next` moves the
# planner, so it counts as a write.
EXPECTED = {
    "GET courses": (401, 200, 200, 200, 200, 200),
    "GET course": (401, 200, 200, 200, 200, 200),
    "GET graph": (401, 200, 200, 200, 200, 200),
    "POST learners": (401, 201, 201, 403, 403, 403),
    "GET learner": (401, 404, 200, 403, 200, 404),
    "GET next": (401, 404, 200, 403, 403, 403),
    "GET attempts": (401, 404, 200, 403, 200, 404),
    "POST attempts": (401, 404, 201, 403, 403, 403),
    "GET mastery": (401, 404, 200, 403, 200, 404),
    "POST tutor": (401, 404, 201, 403, 403, 403),
    "GET tutor turn": (401, 404, 200, 403, 200, 404),
    "POST cohorts": (401, 201, 201, 403, 403, 403),
    "GET cohort": (401, 404, 200, 403, 200, 404),
    "POST batch": (401, 200, 200, 403, 403, 403),
    # Stepping a cohort's learners is a write for the cohort's client only: another client's cohort is not found.
    "POST cohort step": (401, 404, 200, 403, 403, 403),
    # Last: erasing the learner ends what the owner can ask about it.
    "DELETE learner": (401, 404, 204, 403, 403, 403),
}
ERROR_CODES = {401: "not_authenticated", 403: "permission_denied", 404: "not_found"}


def requests(learner: int, cohort: int, item: int, turn: int) -> dict[str, tuple[str, str, dict | None]]:
    base = f"/api/v1/learners/{learner}"
    return {
        "GET courses": ("get", "/api/v1/courses/", None),
        "GET course": ("get", "/api/v1/courses/tiny/", None),
        "GET graph": ("get", "/api/v1/courses/tiny/graph/", None),
        "POST learners": ("post", "/api/v1/learners/", {"course": "tiny", "external_id": "new"}),
        "GET learner": ("get", f"{base}/", None),
        "GET next": ("get", f"{base}/next/", None),
        "GET attempts": ("get", f"{base}/attempts/", None),
        "POST attempts": ("post", f"{base}/attempts/", {"item": item, "correct": True}),
        "GET mastery": ("get", f"{base}/mastery/", None),
        "POST tutor": ("post", f"{base}/tutor/", {"message": "help", "item": item}),
        "GET tutor turn": ("get", f"{base}/tutor/{turn}/", None),
        "POST cohorts": ("post", "/api/v1/cohorts/", {"course": "tiny", "size": 2}),
        "GET cohort": ("get", f"/api/v1/cohorts/{cohort}/", None),
        "POST batch": ("post", "/api/v1/attempts/batch/", {"attempts": [{"learner": learner, "item": item, "correct": True}]}),
        "POST cohort step": ("post", f"/api/v1/cohorts/{cohort}/step/", {"entries": [{"learner": learner}]}),
        "DELETE learner": ("delete", f"{base}/", None),
    }


def _snapshot(learner: int) -> tuple:
    state = LearnerState.objects.get(learner_id=learner)
    return (Attempt.objects.count(), TutorTurn.objects.count(), Learner.objects.count(), Cohort.objects.count(),
            state.planner_state, state.current_item_id)


@pytest.mark.parametrize("who", CALLERS)
def test_every_endpoint_answers_each_caller_exactly(who, owner, cohort, classroom, course):
    callers = {
        "anonymous": APIClient(),
        "other client": program("other"),
        "own client": owner,
        "learner session": session(UserFactory()),
        "teacher of the class": session(classroom.teachers.get()),
        "teacher of another class": _teacher_elsewhere(course),
    }
    caller = callers[who]
    learner = cohort.learners.order_by("pk").first().pk
    item = Item.objects.get(course=course, key="add-1").pk
    column = CALLERS.index(who)
    turn = owner.post(f"/api/v1/learners/{learner}/tutor/", {"message": "hm", "item": item}, format="json").json()["id"]
    for name, (method, path, body) in requests(learner, cohort.pk, item, turn).items():
        before = _snapshot(learner)
        response = getattr(caller, method)(path, body, format="json")
        expected = EXPECTED[name][column]
        assert response.status_code == expected, (who, name, response.status_code, response.content[:200])
        if expected >= 400:
            # A refusal says why and nothing else, and changes nothing.
            assert response.json() == {"error": ERROR_CODES[expected], "detail": response.json()["detail"]}
            assert _snapshot(learner) == before, (who, name)
        elif name == "POST batch" and who == "other client":
            # Another client's learner is unknown to this one, entry by entry.
            [entry] = response.json()["results"]
            assert (entry["status"], entry["error"]["error"], "attempt" in entry) == (404, "not_found", False)
            assert _snapshot(learner) == before


def _teacher_elsewhere(course):
    """A teacher of a class of the same course that the cohort is not attached to."""
    room = ClassroomFactory(course=course)
    teacher = UserFactory(role="teacher")
    room.teachers.add(teacher)
    return session(teacher)


def test_what_a_teacher_reads_is_what_the_owner_reads(owner, cohort, classroom, course):
    learner = cohort.learners.order_by("pk").first().pk
    item = Item.objects.get(course=course, key="add-1").pk
    owner.post(f"/api/v1/learners/{learner}/attempts/", {"item": item, "answer": "7"}, format="json")
    teacher = session(classroom.teachers.get())
    for path in (f"/api/v1/learners/{learner}/", f"/api/v1/learners/{learner}/attempts/",
                 f"/api/v1/learners/{learner}/mastery/?at=2030-01-01T00:00:00Z", f"/api/v1/cohorts/{cohort.pk}/"):
        assert teacher.get(path).json() == owner.get(path).json(), path
    assert teacher.get(f"/api/v1/learners/{learner}/attempts/").json()["count"] == 1


def test_a_teacher_sees_only_the_cohort_members_enrolled_in_their_classes(owner, cohort, classroom):
    first, second, third = cohort.learners.order_by("pk")
    classroom.enrollment_set.filter(learner=third).delete()
    teacher = session(classroom.teachers.get())
    assert teacher.get(f"/api/v1/cohorts/{cohort.pk}/").json()["learners"] == [first.pk, second.pk]
    assert teacher.get(f"/api/v1/learners/{third.pk}/").status_code == 404
    assert owner.get(f"/api/v1/cohorts/{cohort.pk}/").json()["learners"] == [first.pk, second.pk, third.pk]


def test_a_teacher_never_reads_human_learners_through_the_api(classroom, course):
    human = learner_for_user(user=UserFactory())
    LearnerState.objects.create(learner=human, course=course)
    Enrollment.objects.create(classroom=classroom, learner=human)
    teacher = session(classroom.teachers.get())
    assert teacher.get(f"/api/v1/learners/{human.pk}/").status_code == 404


def test_a_teacher_moved_out_of_the_teacher_role_loses_api_read_access(owner, cohort, classroom, course):
    """Issue 18 defect 6: class membership alone is not enough; the role is checked as the dashboard does."""
    learner = cohort.learners.order_by("pk").first().pk
    item = Item.objects.get(course=course, key="add-1").pk
    assert owner.post(f"/api/v1/learners/{learner}/attempts/", {"item": item, "answer": "7"}, format="json").status_code == 201
    user = classroom.teachers.get()
    teacher = session(user)
    paths = (f"/api/v1/learners/{learner}/", f"/api/v1/learners/{learner}/attempts/",
             f"/api/v1/learners/{learner}/mastery/", f"/api/v1/cohorts/{cohort.pk}/")
    assert [teacher.get(path).status_code for path in paths] == [200] * len(paths)
    user.role = "learner"
    user.save(update_fields=["role"])
    for path in paths:
        response = teacher.get(path)
        # As for any signed-in non-teacher (the "learner session" column of EXPECTED): refused, no data.
        assert response.status_code == 403, (path, response.status_code)
        assert response.json() == {"error": "permission_denied", "detail": response.json()["detail"]}
    assert classroom.teachers.filter(pk=user.pk).exists()  # still listed as the class's teacher
