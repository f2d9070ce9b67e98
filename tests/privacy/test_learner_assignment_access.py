"""Who reads a class's assignment on the learner's own pages (course home, progress): the learners of
that class only. A learner of another class of the same course, a learner removed from the class,
the class's teacher and staff visiting the course as learners of their own, and anonymous visitors
(sent to log in) never read its name; the page's queries select by the visitor's own enrolments, so
no parameter can name another class's assignment."""

import pytest
from django.core.cache import cache

from tests.tutor.factories import UserFactory
from tutor.learning.assignments import assignment_create
from tutor.learning.models import Enrollment
from tutor.learning.services import learner_for_user

pytestmark = pytest.mark.django_db

PAGES = ("/learn/tiny/", "/learn/tiny/progress/")
TITLE = "Fractions for Friday"
SEES = {"learner": True, "other_learner": False, "removed_learner": False, "teacher": False, "staff": False,
        "anonymous": None}  # None: the login page


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def _visitor(kind: str, people):
    if kind == "anonymous":
        return None
    if kind == "learner":
        return people["learner"].user
    if kind == "other_learner":
        return people["other"].user
    if kind == "removed_learner":
        removed = UserFactory(role="learner")
        enrolment = Enrollment.objects.create(classroom=people["classroom"], learner=learner_for_user(user=removed))
        enrolment.delete()
        return removed
    return people[kind]


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("kind", list(SEES))
def test_only_the_class_reads_its_assignment_on_the_learner_pages(client, people, django_capture_on_commit_callbacks,
                                                                   page, kind):
    with django_capture_on_commit_callbacks(execute=True):
        assignment_create(classroom=people["classroom"], user=people["teacher"], title=TITLE, kc_keys=["frac"],
                          item_ids=[], due_at=None)
    user = _visitor(kind, people)
    if user is not None:
        client.force_login(user)
    response = client.get(page)
    if SEES[kind] is None:
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
        return
    assert response.status_code == 200
    assert (TITLE in response.content.decode()) is SEES[kind]
