import pytest
from django.core.cache import cache

from tests.tutor.factories import ClassroomFactory, ModelLearnerFactory, UserFactory
from tutor.learning.models import Enrollment


@pytest.fixture(autouse=True)
def _empty_cache():
    """Every dashboard test starts with an empty cache: cached class aggregates are keyed by class id,
    and SQLite hands a rolled-back test's ids out again, so the next test's class could read them."""
    cache.clear()


# `course` and `classroom` (the tiny course's class) come from tests/conftest.py.


@pytest.fixture
def other_classroom(course):
    room = ClassroomFactory(course=course, name="Other class")
    room.teachers.add(UserFactory(role="teacher", username="teacher-b"))
    Enrollment.objects.create(classroom=room, learner=ModelLearnerFactory(label="sim-b"))
    return room
