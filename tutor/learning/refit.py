"""Fitted tracer versions: refit a course's tracer from its attempt log, switch serving to a version
(or back), and the background refreshes of learner state that follow (new globals, learner traits).

A version is a TracerModel row (its pk is the version). A fit writes its row in one INSERT after the
fit has finished, inactive; serving switches by flipping `is_active` in one transaction, so a fit
that is killed half-way leaves nothing behind and serving never sees a half-written model. Serving
(engine.course_engine) notices the new active pk on its next request; each learner's state is
rebuilt lazily under its row lock, and eagerly by `learner_states_refresh` in the background.
"""

import logging
import math
import tempfile

import numpy as np
from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from psikt.tracing import Log, Sequence, fit
from psikt.tracing.graph import edge_bootstrap
from tutor.content.models import Course
from tutor.ops.metrics import REFIT_SECONDS

from .engine import CourseEngine, course_engine
from .knowledge import learner_state_locked, learner_state_rebuild
from .models import Attempt, LearnerState, TracerModel
from .observations import evidence, learner_attempts, observation, observation_of, observations

logger = logging.getLogger(__name__)


class RefitBusy(RuntimeError):
    """Another refit of this course holds the lock; the caller retries later."""


class NothingToFit(ValueError):
    """The course has no checked answers to learn from."""


def _lock_key(course_id: int) -> str:
    return f"tracer-refit-lock:{course_id}"


def course_log(*, course: Course) -> tuple[Log, dict]:
    """The course's checked answers as a tracing Log (one sequence per learner, in log order) with
    the tracer vocabulary of every item and step of the course, and a fingerprint of what it holds."""
    engine = course_engine(course)
    rows = (
        evidence(Attempt.objects.filter(item__course=course))
        .order_by("learner_id", "id")
        .values_list("learner_id", "item__key", "item__template__key", "step_key", "verdict", "answered_at", "id")
    )
    sequences, current, last_id, count = [], None, 0, 0
    for learner_id, item_key, template_key, step_key, verdict, answered_at, attempt_id in rows.iterator():
        if learner_id != current:
            current = learner_id
            sequences.append((str(learner_id), [], [], []))
        seen = observation_of(item_key=item_key, template_key=template_key, step_key=step_key,
                              correct=verdict == Attempt.Verdict.CORRECT_, counts=True, answered_at=answered_at)
        _, items, correct, times = sequences[-1]
        items.append(seen.key)
        correct.append(int(seen.correct))
        times.append(seen.at)
        last_id, count = max(last_id, attempt_id), count + 1
    tracer = engine.tracer
    log = Log(
        [Sequence(name, 0, items, [tracer.item_kcs[i] for i in items], np.array(correct, dtype=np.int64),
                  np.array(times)) for name, items, correct, times in sequences],
        items=list(tracer.items), kcs=list(tracer.kcs), item_kcs=dict(tracer.item_kcs),
    )
    return log, {"attempts": count, "learners": len(sequences), "last_attempt_id": last_id}


def tracer_refit(*, course: Course, owner: str, epochs: int | None = None, force: bool = False,
                 progress: bool = False) -> TracerModel:
    """Fit the course's tracer on its whole attempt log and serve the result; returns the served version.

    `progress` shows the fit's progress bars (the command line; a worker leaves it off).
    `owner` names the caller (a Celery task id): only one refit per course runs at a time, and a
    redelivered task (same id) may take over the lock its killed predecessor left. Without `force`,
    a log unchanged since the active version was fitted is not fitted again; a version that this
    owner already stored (it was killed before switching) is switched to instead of refitted."""
    key = _lock_key(course.pk)
    if not cache.add(key, owner, timeout=settings.TRACER_REFIT_TIME_LIMIT + 60) and cache.get(key) != owner:
        raise RefitBusy(f"a refit of course {course.slug} is already running")
    try:
        log, trained_on = course_log(course=course)
        active = TracerModel.objects.filter(course=course, is_active=True).first()
        if active is not None and not force and active.metrics.get("trained_on") == trained_on:
            return active
        stored = TracerModel.objects.filter(course=course, metrics__owner=owner).order_by("-pk").first()
        if stored is None:
            if not trained_on["attempts"]:
                raise NothingToFit(f"course {course.slug} has no checked answers yet")
            options = {"prerequisites": course_engine(course).domain.prerequisites,
                       "epochs": epochs or settings.TRACER_REFIT_EPOCHS}
            with REFIT_SECONDS.time():
                tracer = fit(log, **options, progress=progress)
                if settings.TRACER_EDGE_BOOTSTRAP >= 2:
                    tracer.config["edge_intervals"] = edge_bootstrap(
                        log, settings.TRACER_EDGE_BOOTSTRAP, **options).as_config()
            # Per-learner traits from training stay out of the stored version: a model holds no
            # personal data, so erasing a learner never has to touch fitted versions.
            tracer.learner_traits = {}
            with tempfile.NamedTemporaryFile(suffix=".pt") as file:
                tracer.save(file.name)
                checkpoint = file.read()
            val_loglik = tracer.config["val_loglik"]  # -inf when too few learners for a validation split
            metrics = {"owner": owner, "trained_on": trained_on, "epochs_run": tracer.config["epochs_run"],
                       "fit_seconds": tracer.config["fit_seconds"],
                       "val_loglik": val_loglik if math.isfinite(val_loglik) else None}
            stored = TracerModel.objects.create(course=course, checkpoint=checkpoint, metrics=metrics)
            logger.info("fitted tracer version %s for course %s on %s", stored.pk, course.slug, trained_on)
        tracer_model_activate(model=stored)
        return stored
    finally:
        if cache.get(key) == owner:
            cache.delete(key)


def tracer_model_activate(*, model: TracerModel | None, course: Course | None = None) -> None:
    """Serve `model` for its course (None: the course's prior tracer), in one transaction, then
    refresh the course's learner states in the background."""
    course_id = model.course_id if model is not None else course.pk
    with transaction.atomic():
        # Locks the course's versions: two switches for one course happen one after the other.
        list(TracerModel.objects.select_for_update().filter(course_id=course_id).values_list("pk", flat=True))
        TracerModel.objects.filter(course_id=course_id, is_active=True).update(is_active=False)
        if model is not None:
            TracerModel.objects.filter(pk=model.pk).update(is_active=True)
        from .tasks import learner_states_refresh  # tasks imports this module

        transaction.on_commit(lambda: learner_states_refresh.delay(course_id), robust=True)


def tracer_rollback(*, course: Course, to: TracerModel | None = None) -> TracerModel | None:
    """Serve `to`, or else the version fitted before the active one (the prior tracer when there is
    none); returns what is served now (None: the prior)."""
    if to is None:
        active = TracerModel.objects.filter(course=course, is_active=True).first()
        if active is None:
            raise ValueError(f"course {course.slug} serves its prior tracer: there is nothing to roll back")
        to = TracerModel.objects.filter(course=course, pk__lt=active.pk).order_by("-pk").first()
    elif to.course_id != course.pk:
        raise ValueError(f"tracer version {to.pk} belongs to another course")
    tracer_model_activate(model=to, course=course)
    return to


def learner_states_refresh(*, course: Course) -> int:
    """Rebuild every learner state of the course that was computed under another tracer or content
    version (each under its row lock, one at a time); returns how many were rebuilt."""
    rebuilt = 0
    for learner_id in LearnerState.objects.filter(course=course).values_list("learner_id", flat=True).order_by("pk"):
        with transaction.atomic():
            state = LearnerState.objects.filter(learner_id=learner_id, course=course).select_related("learner").first()
            if state is None:  # erased since the list was read
                continue
            before = state.tracer_version
            state, _ = learner_state_locked(learner=state.learner, course=course)
            rebuilt += state.tracer_version != before
    return rebuilt


def learner_traits_schedule(*, state: LearnerState, attempt: Attempt) -> None:
    """After every TRACER_TRAITS_EVERY-th checked answer, re-estimate the learner's traits in the
    background once this transaction commits. A broker that is down does not fail the answer: the
    next N-th answer schedules the estimate again, and it reads the latest answers whenever it runs."""
    if observation(attempt) is None or state.tracer_state["n"] % settings.TRACER_TRAITS_EVERY:
        return
    from .tasks import learner_traits_estimate  # tasks imports this module

    state_id = state.pk
    transaction.on_commit(lambda: learner_traits_estimate.delay(state_id), robust=True)


def learner_traits_window(*, state: LearnerState) -> list[Attempt]:
    """The checked answers a trait estimate reads: the learner's latest TRACER_TRAITS_WINDOW in the course."""
    latest = (evidence(learner_attempts(learner_id=state.learner_id, course_id=state.course_id))
              .order_by("-id")[: settings.TRACER_TRAITS_WINDOW])
    return list(latest)[::-1]


def traits_from_window(engine: CourseEngine, window: list[Attempt]) -> list[float]:
    """A learner's static traits estimated from a window of their answers (learner_traits_window),
    starting from the population traits."""
    tracer, seen = engine.tracer, observations(window)
    return tracer.estimate_traits(tracer.new_learner(), [s.key for s in seen], [int(s.correct) for s in seen],
                                  [s.at for s in seen])["traits"]


def learner_traits_estimate(*, state_id: int) -> bool:
    """Re-estimate a learner's static traits from their latest answers and rebuild their state with them.

    The estimate starts from the population traits and reads the latest window of the log, so it
    depends on the log alone: a redelivered or late task gives the same traits as the newest one.
    It is computed (about a second of optimiser steps) before the learner's row is locked, so their
    own requests do not wait for it, and again under the lock only if an answer or a new tracer
    version came in meanwhile. False when the learner or the state is gone (erased) or has no
    checked answers."""
    row = LearnerState.objects.filter(pk=state_id).select_related("learner", "course").first()
    if row is None:
        return False
    engine, window = course_engine(row.course), learner_traits_window(state=row)
    if not window:
        return False
    traits = traits_from_window(engine, window)
    with transaction.atomic():
        if not LearnerState.objects.filter(pk=state_id).exists():
            return False
        state, locked_engine = learner_state_locked(learner=row.learner, course=row.course)
        latest = learner_traits_window(state=state)
        if locked_engine is not engine or [a.pk for a in latest] != [a.pk for a in window]:
            traits = traits_from_window(locked_engine, latest)
        state.tracer_state = locked_engine.tracer.new_learner(traits)
        learner_state_rebuild(state=state, engine=locked_engine)
        state.save()
        return True
