import shutil
from io import StringIO

import pytest
from django.core.management import call_command

from tests.api.helpers import program
from tests.tutor.factories import ClassroomFactory, UserFactory
from tutor.content.models import Course, Item
from tutor.learning.models import Cohort
from tutor.learning.services import cohort_attach


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


@pytest.fixture
def other_course(valid_pack_path, tmp_path, course):
    """The same pack under another slug: items that exist, but not in the `tiny` course."""
    pack = tmp_path / "other"
    shutil.copytree(valid_pack_path, pack)
    (pack / "course.yaml").write_text((pack / "course.yaml").read_text().replace("slug: tiny", "slug: other"))
    call_command("load_course", str(pack), stdout=StringIO())
    return Course.objects.get(slug="other")


@pytest.fixture
def cohort(owner, classroom):
    """A cohort of three of the owner's model-students, attached to `classroom`."""
    response = owner.post("/api/v1/cohorts/", {"course": "tiny", "size": 3, "planner": "mastery"}, format="json")
    assert response.status_code == 201
    cohort = Cohort.objects.get(pk=response.json()["id"])
    assert cohort_attach(cohort=cohort, classroom=classroom) == 3
    return cohort


@pytest.fixture
def pair(owner):
    """Two learners of the owner."""
    return [owner.post("/api/v1/learners/", {"course": "tiny", "external_id": name}, format="json").json()["id"]
            for name in ("a", "b")]


@pytest.fixture
def item(course):
    return Item.objects.get(course=course, key="add-1").pk
