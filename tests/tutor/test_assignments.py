"""Assignments (issue 20, item 3): open from creation until due or closed; while one is open the
planner serves a learner of the class only its material, says so, and falls back to the whole course
once everything assigned is finished."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.tutor.factories import ClassroomFactory, HumanLearnerFactory, ModelLearnerFactory, now
from tutor.content.models import Item
from tutor.learning.assignments import (
    AssignmentInvalid,
    assignment_close,
    assignment_create,
    is_open,
    reason_words,
    steer,
)
from tutor.learning.engine import course_engine
from tutor.learning.knowledge import learner_state_locked, next_item_choose, next_item_skip
from tutor.learning.models import Assignment, Enrollment
from tutor.learning.observations import tracer_item_key
from tutor.learning.tutoring import tutor_turn_take
from tutor.learning.views import reason_line

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_cache")]


@pytest.fixture
def room(classroom):
    """The shared class (tests/conftest.py), its teacher and its human learner."""
    return classroom, classroom.teachers.get(), classroom.learners.get(user__username="ada")


def _assign(room, django_capture_on_commit_callbacks, **fields):
    classroom, teacher, _ = room
    fields = {"title": "Linear equations this week", "kc_keys": [], "item_ids": [], "due_at": None, **fields}
    with django_capture_on_commit_callbacks(execute=True):
        return assignment_create(classroom=classroom, user=teacher, **fields)


def _served(learner, course, n=6) -> list[tuple[Item, dict]]:
    """The first item served, then n - 1 more, each after skipping the one before."""
    served = [next_item_choose(learner=learner, course=course)]
    for _ in range(n - 1):
        item, reason, _ = next_item_skip(learner=learner, course=course)
        served.append((item, reason))
    return served


def test_open_until_due_or_closed(room, django_capture_on_commit_callbacks):
    due = now() + timedelta(days=2)
    assignment = _assign(room, django_capture_on_commit_callbacks, kc_keys=["lin"], due_at=due)
    assert is_open(assignment) and not is_open(assignment, due) and not is_open(assignment, due + timedelta(1))
    _, _, learner = room
    engine = course_engine(assignment.classroom.course)
    state, _ = learner_state_locked(learner=learner, course=assignment.classroom.course)
    assert steer(learner_id=learner.pk, course_id=state.course_id, engine=engine, tracer_state=state.tracer_state)
    assert steer(learner_id=learner.pk, course_id=state.course_id, engine=engine, tracer_state=state.tracer_state,
                 now=due) is None
    with django_capture_on_commit_callbacks(execute=True):
        assignment_close(assignment=assignment)
    assert not is_open(assignment)
    assert steer(learner_id=learner.pk, course_id=state.course_id, engine=engine,
                 tracer_state=state.tracer_state) is None


def test_the_planner_serves_only_the_assigned_skill_and_says_why(room, course, django_capture_on_commit_callbacks):
    _assign(room, django_capture_on_commit_callbacks, kc_keys=["lin"], due_at=now() + timedelta(days=3))
    _, _, learner = room
    engine = course_engine(course)
    for item, reason in _served(learner, course):
        assert "lin" in {kc.key for kc in item.kcs.all()}, item.key
        assert reason["assignment"]["title"] == "Linear equations this week"
        line = reason_line(engine, reason)
        assert line.startswith("your teacher assigned “Linear equations this week” (due ")
        assert "Linear equations" in line.split(";")[1]
        assert "lin" not in line.split("”")[-1].split() and "P(" not in line  # no keys or model numbers


def test_assigned_problems_are_served_and_a_finished_assignment_falls_back(room, course,
                                                                           django_capture_on_commit_callbacks):
    frac = Item.objects.get(course=course, key="frac-1")
    _assign(room, django_capture_on_commit_callbacks, title="Fractions", item_ids=[frac.pk])
    _, _, learner = room
    item, reason = next_item_choose(learner=learner, course=course)
    assert item == frac and reason["assignment"] == {"title": "Fractions", "due": None}
    assert reason_line(course_engine(course), reason).startswith("your teacher assigned “Fractions”;")
    tutor_turn_take(learner=learner, item=frac, source="web", answer="3/4")
    item, reason = next_item_skip(learner=learner, course=course)[:2]  # the next item, whatever it is
    assert reason["assignment"] == {"title": "Fractions", "finished": True, "count": 1}
    assert "not_allowed" not in reason  # the whole course again: the planner's own choice
    assert reason_line(course_engine(course), reason).startswith(
        "you have finished “Fractions”, so practice goes on across the whole course; it ")


def test_a_wrong_answer_leaves_the_problem_assigned(room, course, django_capture_on_commit_callbacks):
    frac = Item.objects.get(course=course, key="frac-1")
    _assign(room, django_capture_on_commit_callbacks, title="Fractions", item_ids=[frac.pk])
    _, _, learner = room
    next_item_choose(learner=learner, course=course)
    tutor_turn_take(learner=learner, item=frac, source="web", answer="1/2")
    item, reason, nothing_else = next_item_skip(learner=learner, course=course)
    assert item == frac and nothing_else and "finished" not in reason["assignment"]


def test_a_mastered_skill_is_finished(room, course, django_capture_on_commit_callbacks, monkeypatch):
    _assign(room, django_capture_on_commit_callbacks, title="Lines", kc_keys=["lin"])
    _, _, learner = room
    engine = course_engine(course)
    state, _ = learner_state_locked(learner=learner, course=course)
    left = steer(learner_id=learner.pk, course_id=course.pk, engine=engine, tracer_state=state.tracer_state)
    assert left.only == frozenset(engine.domain.items_of["lin"])
    monkeypatch.setattr("tutor.learning.assignments.kc_mastered", lambda p, sd: True)
    done = steer(learner_id=learner.pk, course_id=course.pk, engine=engine, tracer_state=state.tracer_state)
    assert done.only is None and done.reason("add-1")["finished"]


def test_only_learners_of_the_class_are_steered(room, course, django_capture_on_commit_callbacks):
    _assign(room, django_capture_on_commit_callbacks, kc_keys=["lin"])
    other = ClassroomFactory(course=course)
    outsider = HumanLearnerFactory()
    Enrollment.objects.create(classroom=other, learner=outsider)
    for learner in (outsider, HumanLearnerFactory()):
        _, reason = next_item_choose(learner=learner, course=course)
        assert "assignment" not in reason


def test_two_open_assignments_serve_both_and_name_the_one_served(room, course, django_capture_on_commit_callbacks):
    add = Item.objects.get(course=course, key="add-1")
    _assign(room, django_capture_on_commit_callbacks, title="Later", kc_keys=["lin"], due_at=now() + timedelta(days=9))
    _assign(room, django_capture_on_commit_callbacks, title="Sooner", item_ids=[add.pk], due_at=now() + timedelta(days=1))
    _, _, learner = room
    served = _served(learner, course, 5)
    titles = {tracer_item_key(item): reason["assignment"]["title"] for item, reason in served}
    assert titles.get("add-1") in (None, "Sooner")
    assert all(title == "Later" for key, title in titles.items() if key != "add-1")
    assert set(titles) <= {"add-1", "lin-expr", "lin-line", "template:lin-one-step"}


def test_serving_in_a_course_without_open_assignments_reads_no_assignment(course, django_capture_on_commit_callbacks):
    """The API's model-students (no class) pay nothing: the course's horizon is cached."""
    learner = ModelLearnerFactory()
    engine = course_engine(course)
    state, _ = learner_state_locked(learner=learner, course=course)
    assert steer(learner_id=learner.pk, course_id=course.pk, engine=engine, tracer_state=state.tracer_state) is None
    with CaptureQueriesContext(connection) as captured:
        assert steer(learner_id=learner.pk, course_id=course.pk, engine=engine,
                     tracer_state=state.tracer_state) is None
    assert len(captured) == 0
    # A new assignment is seen at once: its commit rewrites the cached horizon.
    classroom = ClassroomFactory(course=course)
    Enrollment.objects.create(classroom=classroom, learner=learner)
    with django_capture_on_commit_callbacks(execute=True):
        assignment_create(classroom=classroom, user=None, title="Now", kc_keys=["add"], item_ids=[], due_at=None)
    assert steer(learner_id=learner.pk, course_id=course.pk, engine=engine, tracer_state=state.tracer_state)


@pytest.mark.parametrize("fields,words", [
    ({"title": "  "}, "Give the assignment a name"),
    ({"title": "x" * 201}, "longer than 200"),
    ({"kc_keys": []}, "at least one skill or one problem"),
    ({"due_at": "past"}, "already passed"),
    ({"kc_keys": ["nope"]}, "not part of this class's course"),
    ({"item_ids": "template"}, "not part of this class's course"),
])
def test_bad_assignments_are_refused_with_the_reason_and_write_nothing(room, course, fields, words):
    classroom, teacher, _ = room
    asked = {"title": "Homework", "kc_keys": ["add"], "item_ids": [], "due_at": None, **fields}
    if asked["due_at"] == "past":
        asked["due_at"] = now() - timedelta(minutes=1)
    if asked["item_ids"] == "template":
        next_item_choose(learner=room[2], course=course)  # makes template instances exist
        instance = Item.objects.filter(course=course, template__isnull=False).first()
        asked["item_ids"] = [instance.pk] if instance else [10**9]
    with pytest.raises(AssignmentInvalid, match=words):
        assignment_create(classroom=classroom, user=teacher, **asked)
    assert not Assignment.objects.exists()


def test_reason_words_name_the_due_time_in_plain_words():
    this_year = now().year
    friday = next(now().replace(month=12, day=day) for day in range(11, 18) if now().replace(month=12, day=day).weekday() == 4)
    words = reason_words({"title": "Fractions", "due": friday.isoformat()})
    assert words.startswith(f"your teacher assigned “Fractions” (due Friday {friday.day} December, ")
    later = reason_words({"title": "Fractions", "due": f"{this_year + 1}-05-17T16:30:00+00:00"})
    assert f"May {this_year + 1}, 16:30)" in later
    assert reason_words({"title": "A", "finished": True, "count": 2}) == (
        "you have finished the work your teacher assigned, so practice goes on across the whole course")
