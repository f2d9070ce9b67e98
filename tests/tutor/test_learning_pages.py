import io

import pytest
from django.core.management import call_command

from tutor.learning.models import LearnerState

from .factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded(valid_pack_path):
    call_command("load_course", str(valid_pack_path), stdout=io.StringIO())


@pytest.mark.parametrize("path", ["/learn/tiny/", "/learn/tiny/practice/"])
def test_learning_pages_need_a_login(client, loaded, path):
    response = client.get(path)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_course_home_shows_mastery_per_kc_in_prerequisite_order(client, loaded):
    client.force_login(UserFactory())
    html = client.get("/learn/tiny/").content.decode()
    assert html.index('data-kc="add"') < html.index('data-kc="frac"') < html.index('data-kc="lin"')
    assert html.count('role="meter"') == 3


def test_practice_page_resumes_the_current_item_and_next_changes_it(client, loaded):
    user = UserFactory()
    client.force_login(user)
    first = client.get("/learn/tiny/practice/")
    assert first.status_code == 200 and "Why this item" in first.content.decode()
    state = LearnerState.objects.get(learner__user=user)
    chosen = state.current_item
    assert chosen.statement in client.get("/learn/tiny/practice/").content.decode()
    selections = state.planner_state["selections"]
    assert client.post("/learn/tiny/practice/next/").status_code == 302
    assert LearnerState.objects.get(pk=state.pk).planner_state["selections"] == selections + 1


def test_unknown_course_is_404(client, loaded):
    client.force_login(UserFactory())
    assert client.get("/learn/nope/").status_code == 404


def test_progress_page_shows_the_learning_curve_and_review_schedule(client, loaded):
    from datetime import timedelta

    from tutor.content.models import Item
    from tutor.learning.engine import course_engine
    from tutor.learning.knowledge import mastery_history
    from tutor.learning.tutoring import tutor_turn_take

    from .factories import HumanLearnerFactory, now

    learner = HumanLearnerFactory()
    client.force_login(learner.user)
    assert "No answers yet" in client.get("/learn/tiny/progress/").content.decode()
    item, start = Item.objects.get(key="add-1"), now()
    for n in range(12):
        tutor_turn_take(learner=learner, item=item, answered_at=start + timedelta(minutes=n), source="web", answer="7")
    state = LearnerState.objects.get(learner=learner)
    engine = course_engine(item.course)
    history = mastery_history(state=state, engine=engine)
    assert len(history) == 12
    current = engine.tracer.mastery(state.tracer_state)
    assert history[-1][1] == {kc: m.p for kc, m in current.items()}  # the replay ends where the learner is
    assert history[-1][1]["add"] > history[0][1]["add"]
    html = client.get("/learn/tiny/progress/").content.decode()
    assert 'id="mastery-history"' in html and "12 answers so far" in html
    assert '<tr data-kc="add">' in html


def test_plotly_is_served_locally(client):
    response = client.get("/js/plotly.min.js")
    assert response.status_code == 200 and response["Content-Type"] == "application/javascript"
    assert b"plotly" in response.content[:2000].lower()
