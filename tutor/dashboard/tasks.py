"""Celery entry points of the dashboard: thin and idempotent (see tutor.learning.tasks for the policy)."""

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from tutor.learning.models import Classroom
from tutor.learning.tasks import FIRE_AND_FORGET

from . import comparisons
from .selectors import class_overview, class_planner_outcomes

# How far back the aggregate warm-up looks for answers; a little more than its beat interval.
AGGREGATES_ACTIVE_WINDOW = timedelta(minutes=6)


@shared_task(**FIRE_AND_FORGET, soft_time_limit=240, time_limit=300)
def class_aggregates_precompute() -> list[int]:
    """Every few minutes (django-celery-beat): compute and cache the dashboard aggregates of every
    class whose learners answered lately, so a teacher opening the overview finds them ready. The
    dashboard's cache keys carry a fingerprint of their data, so a value computed here is served
    only while nothing has changed since."""
    since = timezone.now() - AGGREGATES_ACTIVE_WINDOW
    classrooms = (Classroom.objects.filter(enrollment__learner__attempts__recorded_at__gte=since)
                  .select_related("course").distinct().order_by("pk"))
    for classroom in classrooms:
        class_overview(classroom=classroom)
        class_planner_outcomes(classroom=classroom)
    return [classroom.pk for classroom in classrooms]


@shared_task(**FIRE_AND_FORGET, soft_time_limit=comparisons.JOB_TIME_LIMIT, time_limit=comparisons.JOB_TIME_LIMIT + 30)
def planner_comparison_run(job_id: int) -> bool:
    """A teacher's planner comparison on simulated learners (comparisons.py), on the long-work queue."""
    return comparisons.comparison_run(job_id=job_id)
