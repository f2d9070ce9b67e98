"""Derived learner state: the tracer's belief and the planner's memory, folded from the attempt log.

The log is the source of truth. `learner_state_locked` returns the learner's row locked for the rest
of the transaction, rebuilt from the log when it was computed under another tracer or content
version, so two requests for one learner never interleave their updates.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.http import Http404
from django.utils import timezone

from tutor.content.models import Course, Item
from tutor.content.services import item_from_template

from .engine import (
    SECONDS_PER_DAY,
    CourseEngine,
    course_engine,
    planner_time,
    step_tracer_key,
    tracer_item_key,
    tracer_time,
)
from .models import Attempt, Learner, LearnerState

UNREADABLE = Attempt.Verdict.UNREADABLE_


def _cohort_shares(state: LearnerState, keep: dict | None = None) -> list | None:
    """For a learner about to start (no planner state, no prior carried over by a rebuild): the
    other learners' contributions to adaptive's prior pooled over the course. One query over the
    course's states, so it is read before engine.lock is taken. None when nothing is pooled."""
    if state.planner_state or state.planner != "adaptive" or "prior" in (keep or {}):
        return None
    return list(LearnerState.objects.filter(course_id=state.course_id, planner=state.planner)
                .exclude(pk=state.pk).values_list("planner_state__share", flat=True))


def _planner(engine: CourseEngine, state: LearnerState, keep: dict | None = None, shares: list | None = None):
    """The course's planner with this learner's state loaded; call under engine.lock and take the
    state back with `release_state`, so that the process holds no learner's state. A new learner
    starts with `keep` (what a rebuild carries over) and the prior pooled over `shares`
    (`_cohort_shares`), as the benchmark's planner pools over the learners it taught before."""
    planner = engine.planner(state.planner)
    learner = str(state.learner_id)
    if state.planner_state:
        planner.load_state(learner, state.planner_state)
        return planner
    if shares is not None:
        planner.load_pool(planner.pool_of(shares))
    planner.start(learner=learner, keep=keep)
    return planner


@dataclass
class _Folder:
    """Folds attempts into one learner's tracer and planner state."""

    engine: CourseEngine
    state: LearnerState
    keep: dict | None = None  # for a learner started afresh, see _planner
    shares: list | None = None

    def __post_init__(self):
        self.planner = _planner(self.engine, self.state, self.keep, self.shares)

    def fold(self, attempt: Attempt) -> None:
        if attempt.verdict != UNREADABLE:
            key = step_tracer_key(tracer_item_key(attempt.item), attempt.step_key)
            self.state.tracer_state = self.engine.tracer.update(
                self.state.tracer_state, key, attempt.correct, tracer_time(attempt.answered_at)
            )
            if not attempt.step_key:
                self.planner.observe(
                    learner=str(self.state.learner_id),
                    item=tracer_item_key(attempt.item),
                    correct=attempt.correct,
                    now=planner_time(attempt.answered_at),
                )
        self.state.last_attempt = attempt

    def finish(self) -> None:
        self.state.planner_state = self.planner.release_state(str(self.state.learner_id))
        self.state.tracer_version = self.engine.version


def learner_state_rebuild(*, state: LearnerState, engine: CourseEngine) -> None:
    """Recompute the derived state from the log (no save). The learner's static traits are kept:
    they are parameters a background job estimates (refit.learner_traits_estimate), not folds."""
    # The log holds answers, not choices: how many items the planner has chosen (its random draws
    # are seeded by that count), why it chose the last one, and adaptive's prior (pooled from the
    # learners before) and clock start (its first choice may come before the first answer) cannot
    # be replayed, so they are kept, from the start of the fold: it depends on the last two.
    kept = {key: value for key, value in (state.planner_state or {}).items()
            if key in ("selections", "why", "prior", "start")}
    state.tracer_state = engine.tracer.new_learner((state.tracer_state or {}).get("traits"))
    state.planner_state = {}
    state.last_attempt = None
    attempts = (
        Attempt.objects.filter(learner_id=state.learner_id, item__course_id=state.course_id)
        .select_related("item__template")
        .order_by("id")
    )
    shares = _cohort_shares(state, kept)
    with engine.lock:
        folder = _Folder(engine, state, kept, shares)
        for attempt in attempts.iterator():
            folder.fold(attempt)
        folder.finish()


def learner_state_locked(*, learner: Learner, course: Course) -> tuple[LearnerState, CourseEngine]:
    """The learner's state row, locked until the end of the caller's transaction, and up to date."""
    engine = course_engine(course)
    # Locks only the state row; the last attempt comes along (the planner clock reads its time).
    rows = LearnerState.objects.select_for_update(of=("self",)).select_related("last_attempt")
    state = rows.filter(learner=learner, course=course).first()
    if state is None:
        # No state yet, or the learner was erased while this request waited for the row: lock the
        # learner row before creating one, so that an erasure cannot interleave. FOR NO KEY UPDATE:
        # it holds off the erasure's DELETE but not the key-share locks other turns' inserts take on
        # the learner (FOR UPDATE would deadlock with a turn holding the state row).
        if not Learner.objects.select_for_update(no_key=True).filter(pk=learner.pk).exists():
            raise Http404("this learner has been erased")
        LearnerState.objects.get_or_create(learner=learner, course=course)
        state = rows.get(learner=learner, course=course)
    if state.tracer_version != engine.version:
        learner_state_rebuild(state=state, engine=engine)
        state.save()
    return state, engine


def learner_state_fold(*, state: LearnerState, engine: CourseEngine, attempt: Attempt) -> None:
    """Fold one new attempt into a locked, up-to-date state and save it."""
    shares = _cohort_shares(state)
    with engine.lock:
        folder = _Folder(engine, state, shares=shares)
        folder.fold(attempt)
        folder.finish()
    state.save()
    from .refit import learner_traits_schedule  # refit builds on this module

    learner_traits_schedule(state=state, attempt=attempt)


def _item_for_planner_key(course: Course, key: str, state: LearnerState) -> Item:
    if key.startswith("template:"):
        template = course.templates.get(key=key.removeprefix("template:"))
        # Fresh numbers after every answer, the same numbers when the same choice is replayed.
        return item_from_template(template=template, seed=f"{state.learner_id}:{state.last_attempt_id or 0}")
    return course.items.get(key=key)


def next_item_choose(*, learner: Learner, course: Course, now: datetime | None = None) -> tuple[Item, dict]:
    """Ask the learner's planner for the next item; remember it as the current item.

    The planner's clock is the later of `now` (default: the wall clock) and the last answer, because
    a model-student's simulated clock may run ahead of the wall clock."""
    with transaction.atomic():
        state, engine = learner_state_locked(learner=learner, course=course)
        moment = now or timezone.now()
        if state.last_attempt_id:
            moment = max(moment, state.last_attempt.answered_at)
        shares = _cohort_shares(state)
        with engine.lock:
            planner = _planner(engine, state, shares=shares)
            key = planner.select(str(learner.pk), now=planner_time(moment))
            reason = planner.explain(str(learner.pk))
            state.planner_state = planner.release_state(str(learner.pk))
        state.current_item = _item_for_planner_key(course, key, state)
        state.current_reason = reason
        state.save(update_fields=["planner_state", "current_item", "current_reason", "updated_at"])
        return state.current_item, reason


def mastery_history(*, state: LearnerState, engine: CourseEngine) -> list[tuple[float, dict[str, float]]]:
    """(seconds, P(mastered) per KC) after each checked answer, replayed from the log with the
    current tracer: the learner's learning curve as the model sees it now."""
    tracer_state = engine.tracer.new_learner()
    points = []
    attempts = (
        Attempt.objects.filter(learner_id=state.learner_id, item__course_id=state.course_id)
        .exclude(verdict=UNREADABLE).select_related("item__template").order_by("id")
    )
    for attempt in attempts.iterator():
        at = tracer_time(attempt.answered_at)
        key = step_tracer_key(tracer_item_key(attempt.item), attempt.step_key)
        tracer_state = engine.tracer.update(tracer_state, key, attempt.correct, at)
        points.append((at, {kc: m.p for kc, m in engine.tracer.mastery(tracer_state).items()}))
    return points


def review_schedule(*, state: LearnerState, engine: CourseEngine, now: float, drop: float = 0.1,
                    horizon_days: int = 60) -> list[dict]:
    """For each KC the learner has reached (P >= 0.6), the first day on which its predicted recall
    falls `drop` below today's: when to review it before it fades."""
    today = engine.tracer.mastery(state.tracer_state, now)
    schedule = []
    for kc, current in today.items():
        if current.p < 0.6:
            continue
        due = next(
            (day for day in range(1, horizon_days + 1)
             if engine.tracer.mastery(state.tracer_state, now + day * SECONDS_PER_DAY)[kc].p < current.p - drop),
            None,
        )
        schedule.append({"kc": kc, "name": engine.kc_names[kc], "p": current.p, "due_in_days": due})
    return sorted(schedule, key=lambda row: (row["due_in_days"] is None, row["due_in_days"] or 0))
