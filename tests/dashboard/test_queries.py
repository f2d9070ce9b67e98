"""Every page costs the same, bounded number of queries for a class of 3 and of 30 learners."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.tutor.factories import UserFactory
from tutor.dashboard.services import class_aggregates_invalidate, synthetic_class_create
from tutor.learning.engine import course_engine
from tutor.learning.models import Learner

pytestmark = pytest.mark.django_db

PAGES = ["index", "overview", "learner", "structure", "curriculum", "comparison-progress", "mastery-csv", "attempts-csv"]
MAX_QUERIES = 15


def _queries(client, page: str, learners: int) -> int:
    classroom = synthetic_class_create(learners=learners, kcs=4, answers=12, seed=learners)
    teacher = UserFactory(role="teacher")
    classroom.teachers.add(teacher)
    client.force_login(teacher)
    course_engine(classroom.course)  # built once per process on a server; not the page's cost
    if page == "index":
        url = reverse("dashboard:index")
    elif page == "learner":
        learner = Learner.objects.filter(enrollment__classroom=classroom).order_by("-id").first()
        url = reverse("dashboard:learner", args=[classroom.pk, learner.pk])
    else:
        url = reverse(f"dashboard:{page}", args=[classroom.pk])
    class_aggregates_invalidate(classroom_ids=[classroom.pk])
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("page", PAGES)
def test_query_count_is_bounded_and_independent_of_class_size(client, page):
    small = _queries(client, page, 3)
    large = _queries(client, page, 30)
    assert small == large
    assert large <= MAX_QUERIES


def test_cached_overview_reads_less_and_is_still_fresh(client):
    from django.utils import timezone

    from tutor.content.models import Item
    from tutor.learning.knowledge import learner_state_fold, learner_state_locked
    from tutor.learning.services import attempt_record

    classroom = synthetic_class_create(learners=3, kcs=4, answers=5)
    teacher = UserFactory(role="teacher")
    classroom.teachers.add(teacher)
    client.force_login(teacher)
    url = reverse("dashboard:overview", args=[classroom.pk])
    first = client.get(url).context["overview"]
    with CaptureQueriesContext(connection) as cached:
        again = client.get(url).context["overview"]
    assert again == first
    learner = Learner.objects.filter(enrollment__classroom=classroom).order_by("id").first()
    item = Item.objects.filter(course=classroom.course).order_by("id").first()
    # In a new visit of the item (the synthetic answers are visit 0, where it is solved already).
    attempt, _ = attempt_record(learner=learner, item=item, raw_answer="1", answered_at=timezone.now(), source="web",
                                visit=1)
    state, engine = learner_state_locked(learner=learner, course=classroom.course)
    learner_state_fold(state=state, engine=engine, attempt=attempt)
    with CaptureQueriesContext(connection) as fresh:
        updated = client.get(url).context["overview"]
    assert updated.learners[0].attempts == first.learners[0].attempts + 1
    assert len(cached) < len(fresh)


def test_drill_down_costs_the_same_whatever_the_learner_did(client):
    """The work list (work.py) reads a fixed number of rows per query kind, not one query per problem."""
    counts = []
    for answers in (3, 40):
        classroom = synthetic_class_create(learners=2, kcs=4, answers=answers, seed=answers)
        teacher = UserFactory(role="teacher")
        classroom.teachers.add(teacher)
        client.force_login(teacher)
        course_engine(classroom.course)
        learner = Learner.objects.filter(enrollment__classroom=classroom).order_by("id").first()
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse("dashboard:learner", args=[classroom.pk, learner.pk]))
        assert response.status_code == 200 and response.context["work"]
        counts.append(len(captured))
    assert counts[0] == counts[1] <= MAX_QUERIES
