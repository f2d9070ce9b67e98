from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import call_command

from tests.tutor.factories import ClassroomFactory, HumanLearnerFactory, ModelLearnerFactory, UserFactory
from tutor.content.models import Course
from tutor.learning.models import Enrollment


@pytest.fixture(autouse=True)
def _empty_cache():
    """Every dashboard test starts with an empty cache: cached class aggregates are keyed by class id,
    and SQLite hands a rolled-back test's ids out again, so the next test's class could read them."""
    cache.clear()


@pytest.fixture
def course(valid_pack_path):
    call_command("load_course", str(valid_pack_path), stdout=StringIO())
    return Course.objects.get(slug="tiny")


@pytest.fixture
def classroom(course):
    """A class of the tiny course with its teacher, a human learner and a model-student."""
    room = ClassroomFactory(course=course)
    room.teachers.add(UserFactory(role="teacher", username="teacher-a"))
    for learner in (HumanLearnerFactory(user__username="ada"), ModelLearnerFactory(label="sim-a")):
        Enrollment.objects.create(classroom=room, learner=learner)
    return room


@pytest.fixture
def other_classroom(course):
    room = ClassroomFactory(course=course, name="Other class")
    room.teachers.add(UserFactory(role="teacher", username="teacher-b"))
    Enrollment.objects.create(classroom=room, learner=ModelLearnerFactory(label="sim-b"))
    return room
