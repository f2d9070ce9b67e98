from datetime import timedelta

import pytest

from tests.tutor.factories import ClassroomFactory, HumanLearnerFactory, UserFactory, now
from tutor.accounts.models import User
from tutor.content.models import Item
from tutor.learning.models import Enrollment
from tutor.learning.tutoring import tutor_turn_take


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


# Who asks, in the authorization matrices of the class pages: anyone but the class's own teachers and staff
# is refused (the login page for the anonymous, 404 for the rest), a teacher of another class and a user
# still listed as the class's teacher after losing the role included.
KINDS = ["anonymous", "learner", "other_learner", "other_teacher", "demoted_teacher", "teacher", "staff"]
REFUSED = {"anonymous": 302, "learner": 404, "other_learner": 404, "other_teacher": 404, "demoted_teacher": 404}


def visitor(kind: str, people):
    """The user of one of KINDS for the `people` fixture's class (None: anonymous)."""
    if kind == "anonymous":
        return None
    if kind in ("learner", "other_learner"):
        return people["learner" if kind == "learner" else "other"].user
    if kind == "demoted_teacher":  # still listed as the class's teacher, but no longer holds the role
        user = UserFactory(role="learner")
        people["classroom"].teachers.add(user)
        return user
    return people[kind]
