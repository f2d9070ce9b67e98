from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command

from tests.tutor.factories import ClassroomFactory, HumanLearnerFactory, UserFactory, now
from tutor.accounts.models import User
from tutor.content.models import Course, Item
from tutor.learning.models import Enrollment
from tutor.learning.tutoring import tutor_turn_take


@pytest.fixture
def course(valid_pack_path):
    call_command("load_course", str(valid_pack_path), stdout=StringIO())
    return Course.objects.get()


def practise(learner, answers, start=None):
    """Answer (item key, step key, text) triples a minute apart through the real tutor turn."""
    start = start or now()
    for minute, (key, step, text) in enumerate(answers):
        tutor_turn_take(learner=learner, item=Item.objects.get(key=key), answered_at=start + timedelta(minutes=minute),
                        source="web", step_key=step, answer=text)


ANSWERS = [("add-1", "sum", "6"), ("add-1", "sum", "7"), ("add-1", "", "7"), ("frac-1", "gcd", "1"), ("frac-1", "", "3/4")]


@pytest.fixture
def people(course):
    """A class with its teacher and a learner who has practised, plus everyone who must not see them."""
    classroom = ClassroomFactory(course=course)
    teacher = UserFactory(role=User.Role.TEACHER)
    classroom.teachers.add(teacher)
    other_classroom = ClassroomFactory(course=course)
    other_teacher = UserFactory(role=User.Role.TEACHER)
    other_classroom.teachers.add(other_teacher)
    learner = HumanLearnerFactory()
    Enrollment.objects.create(classroom=classroom, learner=learner)
    other = HumanLearnerFactory()
    Enrollment.objects.create(classroom=other_classroom, learner=other)
    practise(learner, ANSWERS)
    practise(other, ANSWERS[:2])
    staff = UserFactory(role=User.Role.STAFF, is_staff=True)
    return {"learner": learner, "other": other, "teacher": teacher, "other_teacher": other_teacher,
            "staff": staff, "classroom": classroom}
