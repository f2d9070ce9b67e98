import pytest
from django.core.management import call_command

from tutor.learning.models import LearnerState

from .factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded(valid_pack_path):
    call_command("load_course", str(valid_pack_path), stdout=open("/dev/null", "w"))


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
