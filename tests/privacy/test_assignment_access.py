"""The authorization matrix of the assignment pages (issue 20, item 3): only the class's teachers (and
staff) see, set or close its assignments; everyone else gets the login page or 404, and nothing
changes; an assignment is found only through its own class."""

import pytest
from django.urls import reverse

from tests.tutor.factories import ClassroomFactory
from tutor.learning.assignments import assignment_create
from tutor.learning.models import Assignment

from .conftest import KINDS, REFUSED, visitor

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_cache")]

ROUTES = {"list": 200, "create": 302, "progress": 200, "close": 302}


@pytest.fixture
def assignment(people):
    return assignment_create(classroom=people["classroom"], user=people["teacher"], title="Fractions",
                             kc_keys=["frac"], item_ids=[], due_at=None)


def _request(client, route: str, classroom, assignment, kind: str):
    if route == "list":
        return client.get(reverse("dashboard:assignments", args=[classroom.pk]))
    if route == "create":
        return client.post(reverse("dashboard:assignments", args=[classroom.pk]),
                           {"title": f"By {kind}", "kcs": ["add"]})
    if route == "progress":
        return client.get(reverse("dashboard:assignment", args=[classroom.pk, assignment.pk]))
    return client.post(reverse("dashboard:assignment-close", args=[classroom.pk, assignment.pk]))


@pytest.mark.parametrize("route", list(ROUTES))
@pytest.mark.parametrize("kind", KINDS)
def test_assignment_pages_authorization_matrix(client, people, assignment, route, kind):
    user = visitor(kind, people)
    if user is not None:
        client.force_login(user)
    response = _request(client, route, people["classroom"], assignment, kind)
    assert response.status_code == REFUSED.get(kind, ROUTES[route])
    if kind == "anonymous":
        assert response["Location"].startswith(reverse("login"))
    if kind in REFUSED:  # refused: nothing set, nothing closed
        assert not Assignment.objects.filter(title=f"By {kind}").exists()
        assert Assignment.objects.get(pk=assignment.pk).closed_at is None


@pytest.mark.parametrize("kind", ["teacher", "other_teacher", "staff"])
def test_an_assignment_is_found_only_through_its_own_class(client, people, assignment, kind):
    """Another class's id in the address never reaches this class's assignment, whoever asks."""
    other_room = ClassroomFactory(course=people["classroom"].course)
    other_room.teachers.add(people["other_teacher"])
    client.force_login(people[kind])
    for url in (reverse("dashboard:assignment", args=[other_room.pk, assignment.pk]),
                reverse("dashboard:assignment-close", args=[other_room.pk, assignment.pk])):
        response = client.post(url) if url.endswith("close/") else client.get(url)
        assert response.status_code == 404
    assert Assignment.objects.get(pk=assignment.pk).closed_at is None


def test_a_teachers_account_going_keeps_what_they_set(people, assignment):
    people["teacher"].delete()
    assignment.refresh_from_db()
    assert assignment.created_by is None and assignment.title == "Fractions"
