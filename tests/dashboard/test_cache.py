"""Cached aggregates: never stale for the overview, purged on demand (the privacy app's erasure)."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from tutor.dashboard.selectors import aggregates_cache_keys, class_overview, class_planner_outcomes
from tutor.dashboard.services import class_aggregates_invalidate
from tutor.learning.models import Enrollment, Learner

from .helpers import answer

pytestmark = pytest.mark.django_db


def test_invalidate_deletes_every_cached_aggregate_of_the_classes(classroom, other_classroom):
    for room in (classroom, other_classroom):
        class_overview(classroom=room)
        class_planner_outcomes(classroom=room)
    assert all(cache.get(key) is not None for key in aggregates_cache_keys(classroom.pk))
    class_aggregates_invalidate(classroom_ids=[classroom.pk])
    assert all(cache.get(key) is None for key in aggregates_cache_keys(classroom.pk))
    assert all(cache.get(key) is not None for key in aggregates_cache_keys(other_classroom.pk))


def test_a_removed_learner_disappears_from_the_overview_at_once(classroom):
    ada = Learner.objects.get(enrollment__classroom=classroom, kind="human")
    answer(ada, "add-1", "7", timezone.now())
    assert "ada" in [row.name for row in class_overview(classroom=classroom).learners]
    Enrollment.objects.filter(learner=ada).delete()
    assert "ada" not in [row.name for row in class_overview(classroom=classroom).learners]


def test_planner_comparison_is_reused_while_answers_come_in_until_invalidated(classroom):
    ada = Learner.objects.get(enrollment__classroom=classroom, kind="human")
    answer(ada, "add-1", "7", timezone.now() - timedelta(minutes=5))
    first = class_planner_outcomes(classroom=classroom)
    answer(ada, "frac-1", "3/4", timezone.now())
    assert class_planner_outcomes(classroom=classroom) == first
    class_aggregates_invalidate(classroom_ids=[classroom.pk])
    again = class_planner_outcomes(classroom=classroom)
    assert again.computed_at > first.computed_at and again.outcomes != first.outcomes
