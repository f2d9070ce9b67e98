"""Teachers see only their classes: every page and export, for every kind of visitor."""

import pytest
from django.urls import reverse

from tests.tutor.factories import HumanLearnerFactory, UserFactory
from tutor.learning.models import Learner

pytestmark = pytest.mark.django_db

CLASS_PAGES = ["overview", "problems", "structure", "curriculum", "comparison-progress", "mastery-csv", "attempts-csv",
               "learner"]


def _url(name: str, classroom, learner_id: int | None = None) -> str:
    if name == "learner":
        return reverse("dashboard:learner", args=[classroom.pk, learner_id])
    return reverse(f"dashboard:{name}", args=[classroom.pk])


def _visitor(kind: str, classroom, other_classroom):
    if kind == "anonymous":
        return None
    if kind == "learner":
        return Learner.objects.get(enrollment__classroom=classroom, kind="human").user
    if kind == "other_teacher":
        return other_classroom.teachers.get()
    if kind == "teacher":
        return classroom.teachers.get()
    return UserFactory(role="staff", is_staff=True, username="staff")


EXPECTED = {"anonymous": 302, "learner": 404, "other_teacher": 404, "teacher": 200, "staff": 200}


@pytest.mark.parametrize("page", CLASS_PAGES)
@pytest.mark.parametrize("kind", list(EXPECTED))
def test_class_pages_authorization_matrix(client, classroom, other_classroom, page, kind):
    model_student = Learner.objects.get(enrollment__classroom=classroom, kind="model")
    user = _visitor(kind, classroom, other_classroom)
    if user is not None:
        client.force_login(user)
    response = client.get(_url(page, classroom, model_student.pk))
    assert response.status_code == EXPECTED[kind]
    if kind == "anonymous":
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("kind", ["teacher", "staff"])
def test_a_learner_of_another_class_is_not_found_even_for_allowed_users(client, classroom, other_classroom, kind):
    client.force_login(_visitor(kind, classroom, other_classroom))
    outsider = Learner.objects.get(enrollment__classroom=other_classroom)
    assert client.get(_url("learner", classroom, outsider.pk)).status_code == 404
    loner = HumanLearnerFactory()
    assert client.get(_url("learner", classroom, loner.pk)).status_code == 404


def test_unknown_class_is_404(client, classroom):
    client.force_login(classroom.teachers.get())
    assert client.get(reverse("dashboard:overview", args=[classroom.pk + 999])).status_code == 404


@pytest.mark.parametrize("kind,status", [("anonymous", 302), ("learner", 403), ("teacher", 200), ("staff", 200)])
def test_index_lists_only_the_visitors_classes(client, classroom, other_classroom, kind, status):
    user = _visitor(kind, classroom, other_classroom)
    if user is not None:
        client.force_login(user)
    response = client.get(reverse("dashboard:index"))
    assert response.status_code == status
    if status == 200:
        listed = {room.pk for room in response.context["classrooms"]}
        assert listed == ({classroom.pk} if kind == "teacher" else {classroom.pk, other_classroom.pk})


def test_header_links_teachers_to_the_dashboard_only(client, classroom):
    learner = Learner.objects.get(enrollment__classroom=classroom, kind="human").user
    client.force_login(learner)
    assert 'href="/teach/"' not in client.get("/").content.decode()
    client.force_login(classroom.teachers.get())
    assert 'href="/teach/"' in client.get("/").content.decode()


def test_attempts_export_holds_only_this_class(client, classroom, other_classroom, course):
    from django.utils import timezone

    from tutor.content.models import Item
    from tutor.learning.services import attempt_record

    item = Item.objects.get(course=course, key="add-1")
    for room, answer in ((classroom, "7"), (other_classroom, "5")):
        learner = Learner.objects.filter(enrollment__classroom=room).order_by("id").first()
        attempt_record(learner=learner, item=item, raw_answer=answer, answered_at=timezone.now(), source="web")
    client.force_login(classroom.teachers.get())
    lines = client.get(reverse("dashboard:attempts-csv", args=[classroom.pk])).content.decode().splitlines()
    assert lines[0].startswith("attempt_id,learner_id,learner,item,step,answer,verdict")
    assert len(lines) == 2 and ",ada,add-1,,7,correct," in lines[1]


@pytest.mark.parametrize("raw,written", [("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"), ("-3", "-3"),
                                         ("+1+cmd", "'+1+cmd"), ("@SUM(A1)", "'@SUM(A1)"), ("3/4", "3/4")])
def test_exported_answers_never_run_as_spreadsheet_formulas(raw, written):
    from tutor.dashboard.views import csv_safe

    assert csv_safe(raw) == written
