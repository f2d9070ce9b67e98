import pytest
from django.contrib.admin.sites import site
from django.test import RequestFactory

from tests.tutor.factories import ClassroomFactory, UserFactory
from tutor.accounts.models import User
from tutor.learning.models import Cohort, Enrollment, Learner, LearnerState
from tutor.learning.services import MAX_COHORT_SIZE, CohortCourseMismatch, cohort_attach

pytestmark = pytest.mark.django_db


def test_a_cohort_is_created_with_all_its_learners(owner):
    response = owner.post("/api/v1/cohorts/", {"course": "tiny", "size": 4, "planner": "mastery", "name": "week 1"},
                          format="json")
    assert response.status_code == 201
    body = response.json()
    cohort = Cohort.objects.get(pk=body["id"])
    assert body == {"id": cohort.pk, "course": "tiny", "planner": "mastery", "name": "week 1",
                    "learners": sorted(cohort.learners.values_list("pk", flat=True))}
    assert len(body["learners"]) == 4
    states = LearnerState.objects.filter(learner_id__in=body["learners"])
    assert {(s.course.slug, s.planner, s.learner.kind) for s in states} == {("tiny", "mastery", "model")}
    assert states.count() == 4
    detail = owner.get(f"/api/v1/learners/{body['learners'][0]}/").json()
    assert (detail["cohort"], detail["planner"]) == (cohort.pk, "mastery")
    assert owner.get(f"/api/v1/cohorts/{cohort.pk}/").json() == body
    # Its learners work like any other: the next item and an answer.
    assert owner.get(f"/api/v1/learners/{body['learners'][1]}/next/").status_code == 200


@pytest.mark.parametrize(
    ("body", "status", "error", "field"),
    [
        ({"course": "tiny", "size": 0}, 400, "invalid", "size"),
        ({"course": "tiny", "size": MAX_COHORT_SIZE + 1}, 400, "invalid", "size"),
        ({"course": "tiny", "size": "many"}, 400, "invalid", "size"),
        ({"course": "tiny"}, 400, "invalid", "size"),
        ({"size": 2}, 400, "invalid", "course"),
        ({"course": "tiny", "size": 2, "name": "x" * 101}, 400, "invalid", "name"),
        ({"course": "nope", "size": 2}, 404, "unknown_course", None),
        ({"course": "tiny", "size": 2, "planner": "psychic"}, 400, "unknown_planner", "planner"),
    ],
)
def test_cohort_errors_create_nothing(owner, body, status, error, field):
    response = owner.post("/api/v1/cohorts/", body, format="json")
    assert (response.status_code, response.json()["error"]) == (status, error)
    assert response.json()["detail"]
    if field:
        assert field in response.json()["fields"]
    assert not Cohort.objects.exists() and not Learner.objects.exists()


def test_the_largest_cohort_is_created_in_one_go(owner):
    response = owner.post("/api/v1/cohorts/", {"course": "tiny", "size": MAX_COHORT_SIZE}, format="json")
    assert response.status_code == 201 and len(response.json()["learners"]) == MAX_COHORT_SIZE
    assert LearnerState.objects.count() == MAX_COHORT_SIZE


def test_a_clashing_label_rolls_the_whole_cohort_back(owner):
    first = owner.post("/api/v1/cohorts/", {"course": "tiny", "size": 1}, format="json").json()
    # Cohort ids are consecutive: the next cohort's third learner would be labelled like this one.
    owner.post("/api/v1/learners/", {"course": "tiny", "external_id": f"cohort{first['id'] + 1}-3"}, format="json")
    response = owner.post("/api/v1/cohorts/", {"course": "tiny", "size": 5}, format="json")
    assert (response.status_code, response.json()["error"]) == (409, "duplicate_external_id")
    assert Cohort.objects.count() == 1 and Learner.objects.count() == 2


def test_attaching_enrols_every_learner_once_and_only_in_a_class_of_the_course(owner, classroom, other_course):
    cohort = Cohort.objects.get(pk=owner.post("/api/v1/cohorts/", {"course": "tiny", "size": 3}, format="json").json()["id"])
    assert cohort_attach(cohort=cohort, classroom=classroom) == 3
    assert cohort_attach(cohort=cohort, classroom=classroom) == 0
    assert set(Enrollment.objects.filter(classroom=classroom).values_list("learner_id", flat=True)) == set(
        cohort.learners.values_list("pk", flat=True))
    elsewhere = ClassroomFactory(course=other_course)
    with pytest.raises(CohortCourseMismatch):
        cohort_attach(cohort=cohort, classroom=elsewhere)
    assert not Enrollment.objects.filter(classroom=elsewhere).exists()


def test_staff_attach_a_cohort_to_a_class_in_the_admin(client, owner, classroom, other_course):
    cohort = Cohort.objects.get(pk=owner.post("/api/v1/cohorts/", {"course": "tiny", "size": 2}, format="json").json()["id"])
    client.force_login(User.objects.create_superuser("root", password="x", role="staff"))
    url = f"/admin/learning/cohort/{cohort.pk}/change/"
    assert client.get(url).status_code == 200
    wrong = ClassroomFactory(course=other_course)
    refused = client.post(url, {"name": "renamed", "attach_to": wrong.pk})
    assert refused.status_code == 200 and "attach_to" in refused.context["adminform"].form.errors
    assert not Enrollment.objects.exists()
    assert client.post(url, {"name": "renamed", "attach_to": classroom.pk}).status_code == 302
    assert Enrollment.objects.filter(classroom=classroom).count() == 2
    assert Cohort.objects.get(pk=cohort.pk).name == "renamed"
    # The teacher of that class now reads the cohort.
    teacher = classroom.teachers.get()
    client.force_login(teacher)
    assert client.get(f"/api/v1/cohorts/{cohort.pk}/").json()["learners"] == sorted(
        cohort.learners.values_list("pk", flat=True))


def test_cohorts_are_not_added_by_hand_in_the_admin():
    request = RequestFactory().get("/")
    request.user = UserFactory(is_staff=True, is_superuser=True)
    assert not site._registry[Cohort].has_add_permission(request)
