"""The per-problem report (tutor/dashboard/reports.py) over the real tutoring service and the page."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.dashboard.helpers import answer
from tests.tutor.factories import HumanLearnerFactory, UserFactory
from tutor.dashboard.services import synthetic_class_create
from tutor.learning.engine import course_engine
from tutor.learning.models import Enrollment, Learner

pytestmark = pytest.mark.django_db


@pytest.fixture
def answered(classroom):
    """ada: 3 + 4 right at once; two minutes later 6/8 for 6/8 in lowest terms (a known mistake), a
    hint on its step, then 3/4. bob: 5/8 twice (one wrong answer, given once), then 3/4; a minute
    later 8 for 3 + 4."""
    ada = Learner.objects.get(enrollment__classroom=classroom, kind="human")
    bob = HumanLearnerFactory(user__username="bob")
    Enrollment.objects.create(classroom=classroom, learner=bob)
    start = timezone.now() - timedelta(hours=1)
    answer(ada, "add-1", "7", start)
    answer(ada, "frac-1", "6/8", start + timedelta(minutes=2))
    answer(ada, "frac-1", None, start + timedelta(minutes=3), step="gcd")
    answer(ada, "frac-1", "3/4", start + timedelta(minutes=4))
    for seconds, text in ((0, "5/8"), (10, "5/8"), (20, "3/4")):
        answer(bob, "frac-1", text, start + timedelta(seconds=seconds))
    answer(bob, "add-1", "8", start + timedelta(seconds=80))
    return classroom


def _page(client, classroom, query: str = ""):
    client.force_login(classroom.teachers.get())
    return client.get(reverse("dashboard:problems", args=[classroom.pk]) + query)


def test_each_problem_in_words_hardest_first(client, answered):
    response = _page(client, answered)
    assert response.status_code == 200
    frac, add = response.context["problems"]
    assert frac.item.key == "frac-1" and add.item.key == "add-1"  # fewest right at first try first
    assert (frac.right_first, len(frac.results), add.right_first, len(add.results)) == (0, 2, 1, 2)
    assert [(w.answer, w.mistake, w.learners) for w in frac.wrong_answers] == [
        ("6/8", "Equal, but can it be simplified?", 1), ("5/8", "", 1)]
    assert (frac.median_time, add.median_time) == ("2 min", "1 min")  # ada's 2 min; bob's 60 s after his 3/4
    # Hints the tutor gave: ada's on request, bob's after his second 5/8 and after his 8.
    assert (frac.hints, add.hints) == (2, 1)
    assert [(r.name, r.right_first, r.answers, r.hints) for r in frac.results] == [("ada", False, 2, 1), ("bob", False, 3, 1)]

    html = response.content.decode()
    assert "0 of 2" in html and "1 of 2" in html and "Known mistake: Equal, but can it be simplified?" in html
    assert "<math" in html and "in lowest terms" in html  # the problem typeset as learners saw it
    assert "frac-1" not in html and "add-1" not in html  # no item ids
    ada = Learner.objects.get(user__username="ada")
    assert f'href="/teach/class/{answered.pk}/learner/{ada.pk}/">ada</a>' in html
    assert "Median time" in html and "counted from their previous answer" in html
    assert "plotly" not in html  # no chart on this page


def test_anonymised_names_link_with_the_token(client, answered):
    html = _page(client, answered, "?anon=abc123").content.decode()
    assert "ada" not in html and "bob" not in html
    assert re.search(r'learner/\d+/\?anon=abc123">Learner [12]</a>', html)
    assert _page(client, answered, "?anon=not-a-token!").status_code == 400


def test_a_class_without_answers_says_so(client, classroom):
    assert "Nobody in this class has answered a problem yet." in _page(client, classroom).content.decode()


def test_overview_links_to_the_report(client, classroom):
    client.force_login(classroom.teachers.get())
    html = client.get(reverse("dashboard:overview", args=[classroom.pk])).content.decode()
    assert f'href="{reverse("dashboard:problems", args=[classroom.pk])}"' in html


def test_query_count_is_bounded_and_independent_of_class_size(client):
    counts = []
    for learners in (3, 30):
        classroom = synthetic_class_create(learners=learners, kcs=4, answers=12, seed=learners)
        teacher = UserFactory(role="teacher")
        classroom.teachers.add(teacher)
        client.force_login(teacher)
        course_engine(classroom.course)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse("dashboard:problems", args=[classroom.pk]))
        assert response.status_code == 200 and response.context["problems"]
        counts.append(len(captured))
    assert counts[0] == counts[1] <= 12


def test_a_long_report_comes_in_pages_of_twenty_most_in_need_of_attention_first(client):
    """Issue 20 item 6: 129 problems made a page 25,000 px tall on a phone; 20 a page now."""
    classroom = synthetic_class_create(learners=3, kcs=15, answers=30)  # every one of its 30 problems answered
    teacher = UserFactory(role="teacher")
    classroom.teachers.add(teacher)
    client.force_login(teacher)
    url = reverse("dashboard:problems", args=[classroom.pk])
    first, second = client.get(url), client.get(url + "?page=2")
    assert [len(page.context["problems"]) for page in (first, second)] == [20, 10]
    assert "Problems 1 to 20 of 30" in first.content.decode() and 'href="?page=2"' in first.content.decode()
    assert "Problems 21 to 30 of 30" in second.content.decode() and 'href="?page=1"' in second.content.decode()
    shown = [problem.percent_right_first for page in (first, second) for problem in page.context["problems"]]
    assert shown == sorted(shown)  # the fewest right at first try first, across pages
    for bad in ("3", "0", "abc", "²"):
        refused = client.get(url + f"?page={bad}")
        assert refused.status_code == 400 and b"page must be a page number from 1 to 2" in refused.content


def test_the_pages_keep_the_anonymising_token(client):
    classroom = synthetic_class_create(learners=2, kcs=15, answers=30)
    teacher = UserFactory(role="teacher")
    classroom.teachers.add(teacher)
    client.force_login(teacher)
    html = client.get(reverse("dashboard:problems", args=[classroom.pk]) + "?anon=abc").content.decode()
    assert 'href="?page=2&amp;anon=abc"' in html


def test_wrong_answers_beyond_the_commonest_are_folded_away(client, answered):
    html = _page(client, answered).content.decode()
    row = html.split("in lowest terms")[1].split("</tr>")[0]
    commonest, folded = row.split('<details class="more-wrong">')
    assert "6/8" in commonest and "5/8" not in commonest and "5/8" in folded
