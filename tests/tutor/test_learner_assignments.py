"""A learner sees what their teachers assigned (issue 20, item 3, the learner's side): on the course
home and the progress page, each open assignment of their own classes in the course, what it names
in words, when it is due, how much of it they have finished, and a way to practise it; read in a
number of queries that does not grow with the number of assignments."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.query_budget import assert_queries
from tests.tutor.factories import ClassroomFactory, UserFactory, now
from tutor.content.models import Item
from tutor.learning.assignments import assignment_close, assignment_create
from tutor.learning.engine import course_engine
from tutor.learning.models import Assignment, Enrollment
from tutor.learning.services import learner_for_user
from tutor.learning.tutoring import tutor_turn_take

pytestmark = pytest.mark.usefixtures("fresh_cache")

PAGES = ("/learn/tiny/", "/learn/tiny/progress/")
# Two queries for the learner's assignments whatever their number: the open assignments of their
# classes in the course with their skills' and problems' keys (one row per skill x problem), and
# the assigned problems they answered right. Skill names and the problems' statements come from the
# course engine's content, read once per process.
ASSIGNMENT_QUERIES = 2


@pytest.fixture
def lena(course):
    """A learner in Year 9 maths (taught by tess), and a class of the same course she is not in."""
    user = UserFactory(username="lena", role="learner")
    classroom = ClassroomFactory(course=course, name="Year 9 maths")
    classroom.teachers.add(UserFactory(username="tess", role="teacher"))
    Enrollment.objects.create(classroom=classroom, learner=learner_for_user(user=user))
    other = ClassroomFactory(course=course, name="Year 10 maths")
    other.teachers.add(UserFactory(username="theo", role="teacher"))
    return user, classroom, other


def _assign(classroom, capture, title, *, kcs=(), items=(), due_at=None) -> Assignment:
    with capture(execute=True):  # the open-assignment horizon is written on commit
        return assignment_create(classroom=classroom, user=classroom.teachers.get(), title=title,
                                 kc_keys=list(kcs), item_ids=[item.pk for item in items], due_at=due_at)


@pytest.mark.django_db
def test_the_learner_reads_each_open_assignment_of_their_class_with_their_progress(
        client, course, lena, django_capture_on_commit_callbacks):
    user, classroom, other = lena
    frac = Item.objects.get(course=course, key="frac-1")
    due = now() + timedelta(days=3)
    _assign(classroom, django_capture_on_commit_callbacks, "Fractions and lines", kcs=["lin"], items=[frac], due_at=due)
    _assign(classroom, django_capture_on_commit_callbacks, "Addition any time", kcs=["add"])
    closed = _assign(classroom, django_capture_on_commit_callbacks, "Closed work", kcs=["add"])
    with django_capture_on_commit_callbacks(execute=True):
        assignment_close(assignment=closed)
    past = _assign(classroom, django_capture_on_commit_callbacks, "Past work", kcs=["add"], due_at=due)
    Assignment.objects.filter(pk=past.pk).update(due_at=now() - timedelta(hours=1))
    _assign(other, django_capture_on_commit_callbacks, "Another class's work", kcs=["frac"])
    tutor_turn_take(learner=learner_for_user(user=user), item=frac, source="web", answer="3/4")  # right

    client.force_login(user)
    for page in PAGES:
        html = client.get(page).content.decode()
        assert "Set by your teacher" in html and "While they are open, practice gives you only their problems" in html
        # Earliest due first; the one with no due time after it.
        assert html.index("Fractions and lines") < html.index("Addition any time")
        assert f"Year 9 maths, due {due:%A} {due.day} {due:%B %Y, %H:%M}" in html
        assert "Year 9 maths, no due time" in html
        assert "0 of 1 skill mastered and 1 of 1 problem answered right." in html
        assert "0 of 1 skill mastered." in html
        assert "To master:</span> the skill <strong>Linear equations</strong>" in html
        assert "Answered right:</span> Write <math" in html  # the problem, typeset as the learner saw it
        assert html.count('href="/learn/tiny/practice/" aria-label="Practise ') == 2
        for hidden in ("Closed work", "Past work", "Another class's work", "frac-1", "P(mastered)"):
            assert hidden not in html, hidden


@pytest.mark.django_db
def test_a_finished_assignment_says_so_and_offers_no_practice_link(
        client, course, lena, django_capture_on_commit_callbacks, monkeypatch):
    user, classroom, _ = lena
    frac = Item.objects.get(course=course, key="frac-1")
    _assign(classroom, django_capture_on_commit_callbacks, "Lines", kcs=["lin", "add"], items=[frac])
    tutor_turn_take(learner=learner_for_user(user=user), item=frac, source="web", answer="3/4")
    monkeypatch.setattr("tutor.learning.assignments.kc_mastered", lambda p, sd: True)
    client.force_login(user)
    html = client.get("/learn/tiny/").content.decode()
    assert "Finished: 2 of 2 skills mastered and 1 of 1 problem answered right." in html
    assert 'data-finished="yes"' in html and 'aria-label="Practise Lines"' not in html


@pytest.mark.django_db
def test_no_assignment_no_section(client, course, lena):
    client.force_login(lena[0])
    for page in PAGES:
        assert "Set by your teacher" not in client.get(page).content.decode()


def _queries(client, page: str) -> list[dict]:
    client.get(page)  # the learner's state brought up to date first, as after their last answer
    with CaptureQueriesContext(connection) as captured:
        assert client.get(page).status_code == 200
    return captured.captured_queries


@pytest.mark.django_db(transaction=True)
def test_the_pages_read_the_same_number_of_queries_for_one_or_many_assignments(
        client, course, lena, django_capture_on_commit_callbacks):
    user, classroom, _ = lena
    course_engine(course)  # built once per process, as a running server has it
    client.force_login(user)
    tutor_turn_take(learner=learner_for_user(user=user), item=Item.objects.get(course=course, key="add-1"),
                    source="web", answer="7")
    without = {page: len(_queries(client, page)) for page in PAGES}
    items = list(Item.objects.filter(course=course, template__isnull=True))
    _assign(classroom, django_capture_on_commit_callbacks, "One", kcs=["lin"], items=items[:1])
    for page in PAGES:
        assert_queries(_queries(client, page), without[page] + ASSIGNMENT_QUERIES, f"{page}, one assignment")
    for n in range(5):
        _assign(classroom, django_capture_on_commit_callbacks, f"More {n}", kcs=["lin", "add", "frac"], items=items)
    for page in PAGES:
        html = client.get(page).content.decode()
        assert html.count('<article class="my-assignment"') == 6
        assert_queries(_queries(client, page), without[page] + ASSIGNMENT_QUERIES, f"{page}, six assignments")


@pytest.mark.django_db
def test_practise_it_serves_the_assignment_instead_of_an_untouched_item_served_before(
        client, course, lena, django_capture_on_commit_callbacks):
    """The item on the practice page was chosen before the assignment opened: with nothing answered on
    it, "Practise it" must open the assignment's work, and say so; an item already worked on stays."""
    user, classroom, _ = lena
    learner = learner_for_user(user=user)
    client.force_login(user)
    client.get("/learn/tiny/practice/")  # an item is served, the assignment does not exist yet
    served = learner.states.get().current_item
    assigned = Item.objects.filter(course=course, template__isnull=True).exclude(pk=served.pk).first()
    _assign(classroom, django_capture_on_commit_callbacks, "Just this one", items=[assigned])

    html = client.get("/learn/tiny/practice/").content.decode()
    state = learner.states.get()
    assert state.current_item == assigned and state.current_reason["assignment"]["title"] == "Just this one"
    assert "Just this one" in html  # why this problem: the teacher's assignment



@pytest.mark.django_db
def test_an_item_already_worked_on_stays_when_an_assignment_opens(client, course, lena, django_capture_on_commit_callbacks):
    user, classroom, _ = lena
    learner = learner_for_user(user=user)
    client.force_login(user)
    client.get("/learn/tiny/practice/")
    served = learner.states.get().current_item
    tutor_turn_take(learner=learner, item=served, source="web", answer="0")  # a wrong answer: worked on
    other = Item.objects.filter(course=course, template__isnull=True).exclude(pk=served.pk).first()
    _assign(classroom, django_capture_on_commit_callbacks, "Something else", items=[other])
    client.get("/learn/tiny/practice/")
    assert learner.states.get().current_item == served
