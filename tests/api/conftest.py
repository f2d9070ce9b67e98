from io import StringIO

import pytest
from django.core.management import call_command

from tests.api.helpers import program
from tests.tutor.factories import ClassroomFactory, UserFactory
from tutor.content.models import Course


@pytest.fixture
def course(valid_pack_path):
    call_command("load_course", str(valid_pack_path), stdout=StringIO())
    return Course.objects.get(slug="tiny")


@pytest.fixture
def owner(course):
    return program("owner")


@pytest.fixture
def learner_id(owner):
    response = owner.post("/api/v1/learners/", {"course": "tiny", "external_id": "s1", "planner": "mastery"}, format="json")
    assert response.status_code == 201
    return response.json()["id"]


@pytest.fixture
def classroom(course):
    """A class of the course with its teacher; cohorts attached to it are read by that teacher."""
    room = ClassroomFactory(course=course)
    room.teachers.add(UserFactory(role="teacher"))
    return room
