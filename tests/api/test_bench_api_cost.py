from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tutor.accounts.models import ApiClient
from tutor.learning.models import Attempt, Learner

pytestmark = pytest.mark.django_db


def test_bench_api_cost_counts_queries_per_request_and_leaves_nothing(course):
    out = StringIO()
    call_command("bench_api_cost", "--course", "tiny", "--planner", "mastery", "--learners", "2", "--turns", "4",
                 stdout=out)
    text = out.getvalue()
    assert "4 turns (mastery, 2 learners)" in text and "ms CPU per turn" in text
    assert "GET /api/v1/courses/:" in text and "queries per next" in text
    assert "single step (attempts/ with next):" in text and "ms CPU per step" in text
    assert not Attempt.objects.exists() and not Learner.objects.exists()
    assert not ApiClient.objects.filter(name="bench-api-cost").exists()


@pytest.mark.parametrize("args, message", [
    (["--course", "nope"], "no course 'nope'"),
    (["--course", "tiny", "--learners", "3", "--turns", "2"], "--turns at least --learners"),
])
def test_bench_api_cost_refuses_what_it_cannot_measure(course, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("bench_api_cost", *args)
