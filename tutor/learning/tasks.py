"""Celery entry points: thin, re-fetch by id, idempotent; the work is in refit.py.

Every task acknowledges its message only when it has finished (acks_late) and is handed back to the
queue when its worker dies (reject_on_worker_lost; with the Redis broker a SIGKILLed worker's message
returns after the visibility timeout), so a killed job runs again and completes.
"""

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone
from redis.exceptions import ConnectionError as RedisConnectionError

from tutor.content.models import Course

from . import pending, refit
from .models import Attempt, TutorTurn

RELIABLE = {"acks_late": True, "reject_on_worker_lost": True}
# Jobs that answers and switches schedule keep no result: with a result backend, scheduling would
# first subscribe to the result, and a Redis that is down would hold the answer for its retries.
FIRE_AND_FORGET = {**RELIABLE, "ignore_result": True}
# Transient faults: the database or Redis (refit lock) briefly gone; retried with exponential backoff.
TRANSIENT = (DatabaseError, RedisConnectionError)


@shared_task(
    bind=True, **RELIABLE,
    soft_time_limit=settings.TRACER_REFIT_TIME_LIMIT, time_limit=settings.TRACER_REFIT_TIME_LIMIT + 60,
    autoretry_for=(refit.RefitBusy, *TRANSIENT), retry_backoff=30, retry_backoff_max=900, max_retries=8,
)
def tracer_refit(self, course_id: int, epochs: int | None = None, force: bool = False) -> int | None:
    """Refit one course's tracer and serve it; returns the served version (None: no data yet)."""
    course = Course.objects.filter(pk=course_id).first()
    if course is None:
        return None
    try:
        return refit.tracer_refit(course=course, owner=self.request.id or "eager", epochs=epochs, force=force).pk
    except refit.NothingToFit:
        return None


@shared_task(**RELIABLE, time_limit=300)
def tracers_refit_all() -> list[int]:
    """Nightly (django-celery-beat): one refit task per course that has answers."""
    course_ids = sorted(set(Attempt.objects.values_list("item__course_id", flat=True).distinct()))
    for course_id in course_ids:
        tracer_refit.delay(course_id)
    return course_ids


@shared_task(
    **FIRE_AND_FORGET, soft_time_limit=1800, time_limit=1860,
    autoretry_for=TRANSIENT, retry_backoff=10, retry_backoff_max=600, max_retries=8,
)
def learner_states_refresh(course_id: int) -> int:
    """After a version switch: rebuild the course's learner states under the served tracer."""
    course = Course.objects.filter(pk=course_id).first()
    return refit.learner_states_refresh(course=course) if course is not None else 0


@shared_task(
    **FIRE_AND_FORGET, soft_time_limit=60, time_limit=90,
    autoretry_for=TRANSIENT, retry_backoff=5, retry_backoff_max=300, max_retries=8,
)
def learner_traits_estimate(state_id: int) -> bool:
    return refit.learner_traits_estimate(state_id=state_id)


@shared_task(
    **FIRE_AND_FORGET, soft_time_limit=settings.LLM_GENERATION_TIME_LIMIT,
    time_limit=settings.LLM_GENERATION_TIME_LIMIT + 30,
    autoretry_for=TRANSIENT, retry_backoff=5, retry_backoff_max=120, max_retries=5,
)
def tutor_turn_generate(turn_id: int) -> bool:
    """A REST tutor turn's model reply (pending.py); past the soft limit the rule text is written."""
    return pending.pending_turn_generate(turn_id=turn_id)


# A pending turn older than this has lost its task (the broker was down when it was queued, or the
# task ran out of retries): queue it again. Longer than the task's hard limit, so a running
# generation is rarely duplicated, and a duplicate writes nothing (the first writer wins).
PENDING_TURN_STALE = timedelta(seconds=settings.LLM_GENERATION_TIME_LIMIT + 120)


@shared_task(**FIRE_AND_FORGET, time_limit=60)
def tutor_turns_pending_requeue() -> list[int]:
    """Every few minutes (django-celery-beat)."""
    stale = list(TutorTurn.objects.filter(status=TutorTurn.PENDING, created_at__lt=timezone.now() - PENDING_TURN_STALE)
                 .order_by("pk").values_list("pk", flat=True))
    for turn_id in stale:
        tutor_turn_generate.delay(turn_id)
    return stale
