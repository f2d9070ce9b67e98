"""Derived learner state: the tracer's belief and the planner's memory, folded from the attempt log.

The log is the source of truth. `learner_state_locked` returns the learner's row locked for the rest
of the transaction, rebuilt from the log when it was computed under another tracer or content
version, so two requests for one learner never interleave their updates.
"""

from datetime import datetime

from django.db import transaction
from django.http import Http404
from django.utils import timezone

from psikt.curriculum import BeliefUpdate
from tutor.content.models import Course, Item, ItemTemplate
from tutor.content.services import item_from_template
from tutor.ops.metrics import PLANNER_SELECT_SECONDS, TRACER_UPDATE_SECONDS

from . import assignments
from .engine import CourseEngine, course_engine
from .levels import FAMILIAR, ORDER, level_key
from .models import Attempt, Learner, LearnerState
from .observations import (
    SECONDS_PER_DAY,
    learner_attempts,
    observation,
    observations,
    planner_time,
    tracer_item_key,
)
from .services import LearnerLog, attempt_skip_record


class _Folder:
    """One learner's tracer and planner state, folded from attempts under the engine's lock.

    The tracer state is the learner's one belief: the planner reads it (a planner that plans on a
    tracer gets it as `belief`) and keeps no copy. A learner started afresh starts with `keep` (what
    a rebuild carries over) and the planner's pool summed over `shares` (`LearnerLog.shares`), as the
    benchmark's planner pools over the learners it taught before. `finish` hands the planner's state
    back, so that the process holds no learner's state."""

    def __init__(self, engine: CourseEngine, state: LearnerState, keep: dict, shares: list | None):
        self.engine, self.state, self.learner = engine, state, str(state.learner_id)
        self.planner = engine.planner(state.planner)
        if state.planner_state:
            self.planner.load_state(self.learner, state.planner_state)
            return
        if shares is not None:
            self.planner.load_pool(self.planner.pool_of(shares))
        self.planner.start(learner=self.learner, keep=keep)

    def fold(self, attempt: Attempt) -> None:
        seen = observation(attempt)
        if seen is not None:
            before = self.state.tracer_state
            with TRACER_UPDATE_SECONDS.time():
                self.state.tracer_state = self.engine.tracer.update(before, seen.key, seen.correct, seen.at)
            if seen.final:  # planners choose items; a step's answer informs them through the belief
                self.planner.observe(learner=self.learner, item=seen.item_key, correct=seen.correct,
                                     now=planner_time(attempt.answered_at),
                                     belief=BeliefUpdate(before, self.state.tracer_state))
        self.state.last_attempt = attempt

    def select(self, moment: datetime, avoid: tuple[str, ...], only: frozenset[str] | None) -> tuple[str, dict]:
        with PLANNER_SELECT_SECONDS.labels(self.state.planner).time():
            key = self.planner.select(self.learner, now=planner_time(moment), belief=self.state.tracer_state,
                                      avoid=avoid, only=only)
        return key, self.planner.explain(self.learner)

    def finish(self) -> None:
        self.state.planner_state = self.planner.release_state(self.learner)
        self.state.tracer_version = self.engine.version


def learner_state_rebuild(*, state: LearnerState, engine: CourseEngine) -> None:
    """Recompute the derived state from the log (no save). The learner's static traits are kept:
    they are parameters a background job estimates (refit.learner_traits_estimate), not folds.
    What the planner's state holds that the log cannot replay is carried over from the start of the
    fold (the planner's contract names it)."""
    kept = engine.planner(state.planner).carried_over(state.planner_state or {})
    state.tracer_state = engine.tracer.new_learner((state.tracer_state or {}).get("traits"))
    state.planner_state = {}
    state.last_attempt = None
    shares = LearnerLog(state.learner_id).shares(engine.planner(state.planner), state, kept)
    with engine.lock:
        folder = _Folder(engine, state, kept, shares)
        for attempt in learner_attempts(learner_id=state.learner_id, course_id=state.course_id).iterator():
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


def learner_state_fold(*, state: LearnerState, engine: CourseEngine, attempt: Attempt, log: LearnerLog | None = None,
                       ) -> None:
    """Fold one new attempt into a locked, up-to-date state, save it and publish the answer
    (through `log`: at once by default, in bulk for the cohort step)."""
    log = log or LearnerLog(state.learner_id)
    shares = log.shares(engine.planner(state.planner), state, {})
    with engine.lock:
        folder = _Folder(engine, state, {}, shares)
        folder.fold(attempt)
        folder.finish()
    log.state_saved(state)
    log.answer_published(state)


def _item_for_planner_key(engine: CourseEngine, key: str, state: LearnerState, log: LearnerLog) -> Item:
    if key.startswith("template:"):
        template = ItemTemplate.objects.get(course_id=state.course_id, key=key.removeprefix("template:"))
        log.attempts_stored()  # the seed names the last attempt by its id
        # Fresh numbers after every answer, the same numbers when the same choice is replayed.
        return item_from_template(template=template, seed=f"{state.learner_id}:{state.last_attempt_id or 0}")
    return engine.content.item_by_key(key)


def _served_unanswered(state: LearnerState, log: LearnerLog) -> bool:
    """Whether the learner's current item was served and nothing has been answered (or skipped) in
    its visit since: asking again must not move the planner nor start a new visit (issue 19)."""
    if state.current_item_id is None:
        return False
    last = log.last_attempt(state)
    return last is None or last.visit < state.visit


def current_item(engine: CourseEngine, state: LearnerState) -> Item:
    """The learner's current item: a pack item from the engine's content, a drawn one read."""
    return engine.content.item(state.current_item_id) or state.current_item


def next_item_serve(*, state: LearnerState, engine: CourseEngine, now: datetime | None,
                    log: LearnerLog) -> tuple[Item, dict]:
    """next_item_choose for a state already locked and up to date, reading and writing through `log`."""
    if _served_unanswered(state, log) and not _left_out_by_assignment(state, engine):
        return current_item(engine, state), state.current_reason
    return _serve(state, engine, _planner_moment(state, now, log), log=log)


def gives_way_to_assignment(state: LearnerState, engine: CourseEngine, log: LearnerLog) -> bool:
    """Whether the current item, served before an assignment opened that leaves it out, has nothing
    answered yet: while an assignment is open the planner serves only its material, so such an item
    gives way (a learner following "Practise it" gets the assignment's work, not the item served
    before); an item already worked on stays. No query for a course without an open assignment."""
    return _left_out_by_assignment(state, engine) and _served_unanswered(state, log)


def _left_out_by_assignment(state: LearnerState, engine: CourseEngine) -> bool:
    served_for = (state.current_reason or {}).get("assignment")
    if state.current_item_id is None or (served_for and not served_for.get("finished")):
        return False
    steering = assignments.steer(learner_id=state.learner_id, course_id=state.course_id, engine=engine,
                                 tracer_state=state.tracer_state)
    return (steering is not None and steering.only is not None
            and tracer_item_key(current_item(engine, state)) not in steering.only)


def next_item_choose(*, learner: Learner, course: Course, now: datetime | None = None) -> tuple[Item, dict]:
    """Ask the learner's planner for the next item; remember it as the current item (a new visit).
    Idempotent: while the current item's visit has no answer, the same item (and reason) again.

    The planner's clock is the later of `now` (default: the wall clock) and the last answer, because
    a model-student's simulated clock may run ahead of the wall clock."""
    with transaction.atomic():
        state, engine = learner_state_locked(learner=learner, course=course)
        return next_item_serve(state=state, engine=engine, now=now, log=LearnerLog(learner.pk))


def next_item_skip(*, learner: Learner, course: Course) -> tuple[Item, dict, bool]:
    """The page's "Next item": record that the learner skipped their current item (in the log, never
    evidence) and serve another one. Returns (item, reason, nothing_else): nothing_else when the
    course has no other item the planner can serve, so the same one comes back."""
    with transaction.atomic():
        state, engine = learner_state_locked(learner=learner, course=course)
        log = LearnerLog(learner.pk)
        moment = _planner_moment(state, None, log)
        skipped = state.current_item
        if skipped is None:
            return (*_serve(state, engine, moment, log=log), False)
        attempt = attempt_skip_record(learner=learner, item=skipped, answered_at=moment, visit=state.visit)
        learner_state_fold(state=state, engine=engine, attempt=attempt, log=log)
        item, reason = _serve(state, engine, moment, avoid=(tracer_item_key(skipped),), log=log)
        return item, reason, tracer_item_key(item) == tracer_item_key(skipped)


def _planner_moment(state: LearnerState, now: datetime | None, log: LearnerLog) -> datetime:
    moment = now or timezone.now()
    last = log.last_attempt(state)
    return max(moment, last.answered_at) if last is not None else moment


def _serve(state: LearnerState, engine: CourseEngine, moment: datetime, *, log: LearnerLog,
           avoid: tuple[str, ...] = ()) -> tuple[Item, dict]:
    """The planner's next item for a locked state, remembered as the current item of a new visit.
    While the learner has an open assignment, the planner chooses among its material and the reason
    names it (assignments.steer: no query for a course without one)."""
    steering = assignments.steer(learner_id=state.learner_id, course_id=state.course_id, engine=engine,
                                 tracer_state=state.tracer_state)
    shares = log.shares(engine.planner(state.planner), state, {})
    with engine.lock:
        folder = _Folder(engine, state, {}, shares)
        key, reason = folder.select(moment, avoid, steering.only if steering else None)
        folder.finish()
    if steering:
        reason = {**reason, "assignment": steering.reason(key)}
    state.current_item = _item_for_planner_key(engine, key, state, log)
    state.current_reason = reason
    state.visit += 1
    log.state_saved(state, ["planner_state", "current_item", "current_reason", "visit", "updated_at"])
    return state.current_item, reason


def mastery_history(*, state: LearnerState, engine: CourseEngine) -> list[tuple[float, dict[str, float]]]:
    """(seconds, P(mastered) per KC) after each checked answer, replayed from the log with the
    current tracer: the learner's learning curve as the model sees it now."""
    tracer_state = engine.tracer.new_learner()
    points = []
    for seen in observations(learner_attempts(learner_id=state.learner_id, course_id=state.course_id).iterator()):
        tracer_state = engine.tracer.update(tracer_state, seen.key, seen.correct, seen.at)
        points.append((seen.at, {kc: m.p for kc, m in engine.tracer.mastery(tracer_state).items()}))
    return points


def review_schedule(*, state: LearnerState, engine: CourseEngine, now: float, horizon_days: int = 60) -> list[dict]:
    """When to review each KC the learner is at least familiar with, as the progress page shows it (the
    level right after their last answer): the first day from `now` (seconds) on which the tracer's
    forgetting predicts the skill below that level (0: it is predicted below it already), else None.

    None is the model's answer, not a horizon too short: the tracer's knowledge decays towards the
    learner's long-term level, and settles there within days (about a week at the demo's forgetting
    rate of 0.5 a day, docs/benchmarks.md), so a skill predicted to stay at its level over
    `horizon_days` stays there. A fixed drop from today's estimate (0.1, before) was never reached by
    a skill that had already settled, and every skill read "in over 60 days"."""
    tracer = engine.tracer
    ahead = [tracer.mastery(state.tracer_state, now + day * SECONDS_PER_DAY) for day in range(horizon_days + 1)]
    schedule = []
    for kc, shown in tracer.mastery(state.tracer_state).items():
        level = level_key(p=shown.p, sd=shown.sd, answers=1)
        if ORDER.index(level) < ORDER.index(FAMILIAR):
            continue
        due = next((day for day, predicted in enumerate(ahead)
                    if ORDER.index(level_key(p=predicted[kc].p, sd=predicted[kc].sd, answers=1)) < ORDER.index(level)),
                   None)
        schedule.append({"kc": kc, "name": engine.kc_names[kc], "p": shown.p, "due_in_days": due})
    return sorted(schedule, key=lambda row: (row["due_in_days"] is None, row["due_in_days"] or 0))
