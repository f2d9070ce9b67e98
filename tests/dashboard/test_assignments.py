"""The teacher's assignment pages (issue 20, item 3): setting one, refusing bad input with the reason,
closing it, each learner's progress on it, and what the pages cost in queries."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.tutor.factories import UserFactory
from tutor.content.models import Item, KnowledgeComponent
from tutor.dashboard.services import synthetic_class_create
from tutor.learning.assignments import assignment_create
from tutor.learning.engine import course_engine
from tutor.learning.knowledge import next_item_choose
from tutor.learning.models import Assignment, Learner
from tutor.learning.tutoring import tutor_turn_take

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()  # the open-assignment horizon is cached per course id
    yield
    cache.clear()


def _teacher(classroom):
    return classroom.teachers.get(role="teacher")


def _due(days: int) -> str:
    return (timezone.localtime() + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M")


def test_a_teacher_sets_an_assignment_of_skills_and_problems(client, classroom, django_capture_on_commit_callbacks):
    client.force_login(_teacher(classroom))
    page = client.get(reverse("dashboard:assignments", args=[classroom.pk])).content.decode()
    assert "This class has no assignment yet" in page and "Linear equations" in page
    assert "lin-expr" not in page  # problems are shown as the learner sees them, never by key
    frac = Item.objects.get(course=classroom.course, key="frac-1")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("dashboard:assignments", args=[classroom.pk]),
                               {"title": "Before Friday", "kcs": ["lin"], "items": [frac.pk], "due_at": _due(3)})
    assignment = Assignment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:assignment", args=[classroom.pk, assignment.pk])
    assert assignment.classroom == classroom and assignment.created_by == _teacher(classroom)
    assert [kc.key for kc in assignment.kcs.all()] == ["lin"] and list(assignment.items.all()) == [frac]
    assert timedelta(days=2, hours=23) < assignment.due_at - timezone.now() < timedelta(days=3)
    listed = client.get(reverse("dashboard:assignments", args=[classroom.pk])).content.decode()
    assert "Before Friday" in listed and "Open" in listed


@pytest.mark.parametrize("post,reason", [
    ({"title": "", "kcs": ["lin"]}, "Give the assignment a name"),
    ({"title": "Nothing"}, "Choose at least one skill or one problem"),
    ({"title": "Old", "kcs": ["lin"], "due_at": "2020-01-01T10:00"}, "The due time has already passed"),
    ({"title": "Bad time", "kcs": ["lin"], "due_at": "next week"}, "Give the due time as a date and a time"),
    ({"title": "Other", "kcs": ["not-a-skill"]}, "One of the chosen skills is not part of this course"),
    ({"title": "Other", "items": ["999999"]}, "One of the chosen problems is not part of this course"),
    ({"title": "Other", "items": ["x"]}, "One of the chosen problems is not part of this course"),
])
def test_bad_input_is_refused_with_the_reason_and_nothing_is_set(client, classroom, post, reason):
    client.force_login(_teacher(classroom))
    response = client.post(reverse("dashboard:assignments", args=[classroom.pk]), post)
    assert response.status_code == 400
    assert reason in response.content.decode()
    assert "The assignment was not set" in response.content.decode()
    assert not Assignment.objects.exists()


def test_a_problem_of_another_course_cannot_be_assigned(client, classroom):
    other = synthetic_class_create(learners=1, kcs=1, answers=0)
    foreign = Item.objects.filter(course=other.course).first()
    client.force_login(_teacher(classroom))
    response = client.post(reverse("dashboard:assignments", args=[classroom.pk]), {"title": "X", "items": [foreign.pk]})
    assert response.status_code == 400 and not Assignment.objects.exists()


def test_closing_ends_the_steering_and_says_so(client, classroom, django_capture_on_commit_callbacks):
    teacher = _teacher(classroom)
    with django_capture_on_commit_callbacks(execute=True):
        assignment = assignment_create(classroom=classroom, user=teacher, title="Lines", kc_keys=["lin"], item_ids=[],
                                       due_at=None)
    ada = Learner.objects.get(user__username="ada")
    assert next_item_choose(learner=ada, course=classroom.course)[1]["assignment"]["title"] == "Lines"
    client.force_login(teacher)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("dashboard:assignment-close", args=[classroom.pk, assignment.pk]))
    assert response.status_code == 302
    assignment.refresh_from_db()
    assert assignment.closed_at is not None
    page = client.get(response["Location"]).content.decode()
    assert "is closed" in page and "Closed on" in page and "Close it now" not in page
    item, _ = next_item_choose(learner=ada, course=classroom.course)
    tutor_turn_take(learner=ada, item=item, source="web", answer="0")
    assert "assignment" not in next_item_choose(learner=ada, course=classroom.course)[1]


def test_progress_counts_each_learners_answers_on_the_assignment_since_it_was_set(
        client, classroom, django_capture_on_commit_callbacks):
    ada = Learner.objects.get(user__username="ada")
    items = {item.key: item for item in Item.objects.filter(course=classroom.course)}
    tutor_turn_take(learner=ada, item=items["frac-1"], source="web", answer="3/4")  # before: not counted
    with django_capture_on_commit_callbacks(execute=True):
        assignment = assignment_create(classroom=classroom, user=_teacher(classroom), title="Fractions and lines",
                                       kc_keys=["lin"], item_ids=[items["frac-1"].pk], due_at=None)
    for item, answer in (("frac-1", "1/2"), ("frac-1", "3/4"), ("lin-expr", "2*x + 6"), ("add-1", "7")):
        next_item_choose(learner=ada, course=classroom.course)
        tutor_turn_take(learner=ada, item=items[item], source="web", answer=answer)
    client.force_login(_teacher(classroom))
    response = client.get(reverse("dashboard:assignment", args=[classroom.pk, assignment.pk]))
    rows = {row.name: row for row in response.context["rows"]}
    assert (rows["ada"].answered, rows["ada"].right, rows["ada"].problems_done) == (3, 2, 1)
    assert rows["ada"].skills_mastered == 0 and rows["ada"].status == "Working on it"
    model = next(name for name in rows if name != "ada")
    assert (rows[model].answered, rows[model].status) == (0, "Not started")
    page = response.content.decode()
    assert "0 of 2 finished" in page and "1 of 1" in page and "P(" not in page


@pytest.mark.parametrize("page", ["assignments", "assignment"])
def test_assignment_pages_cost_the_same_queries_for_3_and_30_learners(page, django_capture_on_commit_callbacks):
    counts = []
    for learners in (3, 30):
        classroom = synthetic_class_create(learners=learners, kcs=3, answers=6, seed=learners)
        teacher = UserFactory(role="teacher")
        classroom.teachers.add(teacher)
        kc = KnowledgeComponent.objects.filter(course=classroom.course).first()
        item = Item.objects.filter(course=classroom.course).last()
        with django_capture_on_commit_callbacks(execute=True):
            assignment = assignment_create(classroom=classroom, user=teacher, title="Set", kc_keys=[kc.key],
                                           item_ids=[item.pk], due_at=None)
        course_engine(classroom.course)  # built once per process on a server; not the page's cost
        client = Client()
        client.force_login(teacher)
        args = [classroom.pk] if page == "assignments" else [classroom.pk, assignment.pk]
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse(f"dashboard:{page}", args=args)).status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1] and counts[1] <= 15, counts


def test_every_assignment_form_needs_its_csrf_token(classroom, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assignment = assignment_create(classroom=classroom, user=_teacher(classroom), title="Lines", kc_keys=["lin"],
                                       item_ids=[], due_at=None)
    client = Client(enforce_csrf_checks=True)
    client.force_login(_teacher(classroom))
    assert client.post(reverse("dashboard:assignments", args=[classroom.pk]),
                       {"title": "T", "kcs": ["lin"]}).status_code == 403
    assert client.post(reverse("dashboard:assignment-close", args=[classroom.pk, assignment.pk])).status_code == 403
    assert Assignment.objects.count() == 1 and Assignment.objects.get().closed_at is None
    for url in (reverse("dashboard:assignments", args=[classroom.pk]),
                reverse("dashboard:assignment", args=[classroom.pk, assignment.pk])):
        html = client.get(url).content.decode()
        assert html.count('method="post"') and html.count("csrfmiddlewaretoken") >= html.count('method="post"')


def test_each_skills_problems_are_folded_away_unless_the_form_comes_back_with_one_chosen(client, classroom):
    """A course's every problem at once made the form thousands of pixels tall on a phone."""
    client.force_login(_teacher(classroom))
    url = reverse("dashboard:assignments", args=[classroom.pk])
    page = client.get(url).content.decode()
    assert page.count('<details class="assign-choose">') >= 2 and '<details class="assign-choose" open>' not in page
    frac = Item.objects.get(course=classroom.course, key="frac-1")
    page = client.post(url, {"title": "", "items": [frac.pk]}).content.decode()  # refused: no name
    assert page.count('<details class="assign-choose" open>') == 1
    opened = page.split('<details class="assign-choose" open>')[1].split("</details>")[0]
    assert f'value="{frac.pk}" checked' in opened
