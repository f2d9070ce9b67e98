"""Many learners stepped in one transaction with a number of queries that does not grow with them:
the cohort step (`POST cohorts/{id}/step/`) and the single step (`attempts/` with `"next": true`).

Each learner's turn and serving are the same code as a single answer's (tutoring.turn_in_state,
knowledge.next_item_serve); only their reads and writes differ. `cohort_locked` locks every state in
one `SELECT ... FOR UPDATE ORDER BY id` (one fixed order: concurrent steps cannot deadlock), then
reads what the turns will ask for in two queries (the attempts of each learner's current visit, of
the idempotency keys sent and the last answers the lock could not join; the tutor turns of those
visits and replayed answers). The turns run in memory against that (`LearnerView`, which answers the
reads of services.LearnerLog), and `flush` writes what they added in bulk: the attempts, the tutor
turns, the states. Course content comes from the engine's per-process cache (course_content.py).

All or nothing per learner without a savepoint each: a learner's entries run inside
`LearnerView.all_or_nothing`, which puts the state back and forgets what the entries added when one
of them fails, before anything is written.

What still costs queries per learner (none of them on a simulated cohort's usual step): a state built
under another tracer or content version is rebuilt from its log; an item drawn from a template is
stored when served; a learner with an open assignment reads it (assignments.steer); an answer
recorded for a learner enrolled in a class tells the dashboard after the commit.
"""

from collections import defaultdict
from contextlib import contextmanager
from datetime import datetime
from functools import reduce
from operator import or_

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from tutor.content.models import Item

from . import events
from .engine import CourseEngine, active_tracer_id, course_engine
from .knowledge import learner_state_rebuild
from .models import Attempt, Enrollment, LearnerState, TutorTurn
from .observations import StepVisit

STATE_FIELDS = ("tracer_state", "tracer_version", "planner_state", "current_item", "current_reason", "last_attempt",
                "visit", "updated_at")


class LearnerView:
    """One locked learner in a cohort step: the reads and writes of services.LearnerLog, answered
    from what the cohort read and kept for the bulk write."""

    def __init__(self, cohort: "CohortLog", state: LearnerState, engine: CourseEngine):
        self.cohort, self.state, self.engine, self.learner_id = cohort, state, engine, state.learner_id
        self.visits: dict[int, tuple[list[Attempt], list[TutorTurn]]] = defaultdict(lambda: ([], []))
        self.keys: dict[str, Attempt] = {}
        self.turns_by_attempt: dict[int, TutorTurn] = {}  # id(attempt) -> its turn
        self.attempts: list[Attempt] = []  # added in this request
        self.turns: list[TutorTurn] = []
        self.generate: list[tuple[TutorTurn, object]] = []
        self.dirty = self.published = False

    # ---- reads -------------------------------------------------------------------------------

    def item(self, item_id: int) -> Item | None:
        """An item of the learner's course by id (a pack item, or a drawn one the cohort read)."""
        item = self.engine.content.item(item_id) or self.cohort.drawn.get(item_id)
        return item if item is not None and item.course_id == self.state.course_id else None

    def step_keys(self, item: Item) -> list[str]:
        return [step.key for step in self.engine.content.of(item).steps]

    def visit(self, item: Item, step_key: str, visit: int) -> StepVisit:
        attempts, turns = self.visits[visit]
        raw = {id(attempt): attempt.raw_answer for attempt in attempts}
        raw_by_pk = {attempt.pk: attempt.raw_answer for attempt in attempts if attempt.pk}
        return StepVisit.of_rows(
            [a for a in attempts if a.item_id == item.pk and a.step_key == step_key],
            [(t, raw_by_pk.get(t.attempt_id) if t.attempt_id else raw.get(id(t.attempt)) if t.attempt else None)
             for t in turns if t.item_id == item.pk and t.step_key == step_key])

    def keyed(self, idempotency_key: str) -> Attempt | None:
        return self.keys.get(idempotency_key)

    def last_attempt(self, state: LearnerState) -> Attempt | None:
        attempt = state.last_attempt
        if attempt is not None and attempt.pk is None:  # added in this request, not stored yet
            return attempt
        if state.last_attempt_id is None:
            return None
        if attempt is None or attempt.pk != state.last_attempt_id:
            attempt = state.last_attempt = self.cohort.last_attempts[state.last_attempt_id]
        return attempt

    def last_answered(self) -> datetime | None:
        # A model-student studies one course: its state's last answer is its last answer.
        last = self.last_attempt(self.state)
        return last.answered_at if last is not None else None

    def solving(self, item: Item, step_key: str, visit: int) -> Attempt:
        return next(a for a in self.visits[visit][0]
                    if a.item_id == item.pk and a.step_key == step_key and a.verdict == Attempt.Verdict.CORRECT_)

    def turn_of(self, attempt: Attempt) -> TutorTurn | None:
        found = self.turns_by_attempt.get(id(attempt)) or self.cohort.replayed_turns.get(attempt.pk)
        return found or next((turn for turn in self.visits[attempt.visit][1]
                              if attempt.pk is not None and turn.attempt_id == attempt.pk), None)

    def shares(self, planner, state: LearnerState, keep: dict) -> list | None:
        if state.planner_state or not planner.share_key or not planner.pool_needed(keep):
            return None
        return self.cohort.shares(planner, state)

    # ---- writes (kept for the flush) -----------------------------------------------------------

    def attempt_add(self, attempt: Attempt) -> tuple[Attempt, bool]:
        self.attempts.append(attempt)
        self.visits[attempt.visit][0].append(attempt)
        if attempt.idempotency_key:
            self.keys[attempt.idempotency_key] = attempt
        return attempt, True

    def turn_add(self, turn: TutorTurn) -> TutorTurn:
        self.turns.append(turn)
        self.visits[turn.visit][1].append(turn)
        if turn.attempt is not None:
            self.turns_by_attempt[id(turn.attempt)] = turn
        return turn

    def turn_generate_later(self, turn: TutorTurn, generate) -> None:
        self.generate.append((turn, generate))

    def state_saved(self, state: LearnerState, fields: list[str] | None = None) -> None:
        self.dirty = True

    def answer_published(self, state: LearnerState) -> None:
        self.published = True

    def attempts_stored(self) -> None:
        self.cohort.attempts_store()

    @contextmanager
    def all_or_nothing(self):
        """The learner's entries applied together: when one raises, the state is put back and what
        they added is forgotten (nothing of it is written), and the error goes on to the caller."""
        state = self.state
        kept = {name: getattr(state, name) for name in ("tracer_state", "tracer_version", "planner_state",
                                                         "current_item_id", "current_reason", "visit")}
        kept_last = state.last_attempt_id, state.last_attempt
        sizes = {visit: (len(a), len(t)) for visit, (a, t) in self.visits.items()}
        marks = (len(self.attempts), len(self.turns), len(self.generate), dict(self.keys),
                 dict(self.turns_by_attempt), self.dirty, self.published)
        try:
            yield self
        except Exception:
            for name, value in kept.items():
                setattr(state, name, value)
            state.last_attempt = kept_last[1]
            state.last_attempt_id = kept_last[0]
            for visit in list(self.visits):
                if visit not in sizes:
                    del self.visits[visit]
                else:
                    del self.visits[visit][0][sizes[visit][0]:], self.visits[visit][1][sizes[visit][1]:]
            attempts, turns, generate, self.keys, self.turns_by_attempt, self.dirty, self.published = marks
            del self.attempts[attempts:], self.turns[turns:], self.generate[generate:]
            raise


class CohortLog:
    """The locked learners of one step and what their turns read, read in bulk; `flush` writes."""

    def __init__(self):
        self.views: dict[int, LearnerView] = {}
        self.last_attempts: dict[int, Attempt] = {}
        self.replayed_turns: dict[int, TutorTurn] = {}
        self.drawn: dict[int, Item] = {}
        self._shares: dict[tuple[int, str], dict[int, object]] = {}

    def learner(self, learner_id: int) -> LearnerView | None:
        return self.views.get(learner_id)

    def shares(self, planner, state: LearnerState) -> list:
        """The other learners' shares of the pool in the course (read once per course and planner;
        the locked learners' as this step left them so far)."""
        key = (state.course_id, state.planner)
        if key not in self._shares:
            rows = LearnerState.objects.filter(course_id=state.course_id, planner=state.planner)
            self._shares[key] = dict(rows.values_list("learner_id", f"planner_state__{planner.share_key}"))
        current = dict(self._shares[key])
        for view in self.views.values():
            if (view.state.course_id, view.state.planner) == key:
                current[view.learner_id] = (view.state.planner_state or {}).get(planner.share_key)
        return [share for learner_id, share in current.items() if learner_id != state.learner_id]

    # ---- reading -------------------------------------------------------------------------------

    def _lock(self, states: QuerySet[LearnerState], learner_ids) -> None:
        rows = (states.filter(learner_id__in=learner_ids).select_for_update(of=("self",))
                .select_related("course", "last_attempt").order_by("pk")
                .annotate(active_tracer=active_tracer_id(OuterRef("course_id")),
                          enrolled=Exists(Enrollment.objects.filter(learner_id=OuterRef("learner_id")))))
        engines: dict[tuple[int, object], CourseEngine] = {}
        for state in rows:
            key = (state.course_id, state.active_tracer)
            if key not in engines:
                engines[key] = course_engine(state.course, state.active_tracer)
            engine = engines[key]
            view = self.views[state.learner_id] = LearnerView(self, state, engine)
            if state.tracer_version != engine.version:
                learner_state_rebuild(state=state, engine=engine)
                view.dirty = True

    def _read(self, answering: set[int], keys: set[str], item_ids: set[int]) -> None:
        """The attempts and tutor turns the answering learners' turns may ask for, in two queries,
        and the drawn items the entries name, in a third (none when every item is a pack item)."""
        stale = {view.state.last_attempt_id for view in self.views.values() if view.state.last_attempt_id and (
            view.state.last_attempt is None or view.state.last_attempt.pk != view.state.last_attempt_id)}
        answering = [self.views[learner_id] for learner_id in sorted(answering) if learner_id in self.views]
        by_visit = defaultdict(list)
        for view in answering:
            by_visit[view.state.visit].append(view.learner_id)
        visits = [Q(visit=visit, learner_id__in=ids) for visit, ids in by_visit.items()]
        wanted = visits + ([Q(learner_id__in=[v.learner_id for v in answering], idempotency_key__in=keys)]
                           if keys and answering else []) + ([Q(pk__in=stale)] if stale else [])
        attempts = list(Attempt.objects.filter(reduce(or_, wanted)).order_by("pk")) if wanted else []
        keyed = []
        for attempt in attempts:
            view = self.views.get(attempt.learner_id)
            if attempt.pk in stale:
                self.last_attempts[attempt.pk] = attempt
            if view is None:
                continue
            if attempt.visit == view.state.visit:
                view.visits[attempt.visit][0].append(attempt)
            if attempt.idempotency_key and attempt.idempotency_key in keys:
                view.keys[attempt.idempotency_key] = attempt
                keyed.append(attempt.pk)
        wanted = visits + ([Q(attempt_id__in=keyed)] if keyed else [])
        if wanted:
            for turn in TutorTurn.objects.filter(reduce(or_, wanted)).order_by("pk"):
                view = self.views[turn.learner_id]
                if turn.visit == view.state.visit and turn.learner_id in by_visit.get(turn.visit, ()):
                    view.visits[turn.visit][1].append(turn)
                if turn.attempt_id in keyed:
                    self.replayed_turns[turn.attempt_id] = turn
        unknown = {pk for pk in item_ids if not any(v.engine.content.item(pk) for v in self.views.values())}
        if unknown and self.views:
            self.drawn = Item.objects.select_related("course", "template").in_bulk(unknown)

    # ---- writing -------------------------------------------------------------------------------

    def _added(self, name: str) -> list:
        return [row for view in self.views.values() for row in getattr(view, name)]

    def attempts_store(self) -> None:
        """Insert the attempts added so far (their ids are assigned): one query."""
        attempts = [attempt for attempt in self._added("attempts") if attempt.pk is None]
        if attempts:
            Attempt.objects.bulk_create(attempts)

    def flush(self) -> None:
        """Write what the turns added: attempts, tutor turns, states, one query each; after the
        commit, the dashboard hears of the answers of learners in a class, and pending turns are
        generated."""
        self.attempts_store()
        turns = self._added("turns")
        if turns:
            TutorTurn.objects.bulk_create(turns)
        dirty = [view.state for view in self.views.values() if view.dirty]
        now = timezone.now()
        for state in dirty:
            state.updated_at = now
        if dirty:
            LearnerState.objects.bulk_update(dirty, STATE_FIELDS)
        for view in self.views.values():
            if view.published and view.state.enrolled:
                events.publish(events.answer_recorded, learner_id=view.learner_id)
            for turn, generate in view.generate:
                transaction.on_commit(lambda turn=turn, generate=generate: generate(turn.pk), robust=True)


@contextmanager
def cohort_locked(states: QuerySet[LearnerState], learner_ids, *, answering=(), keys=(), item_ids=()):
    """A transaction with the states of `learner_ids` among `states` locked and read for a step
    (`answering`: the learners whose entries answer, `keys` the idempotency keys and `item_ids` the
    items they name); the block steps them through the returned CohortLog's views; their writes
    are flushed when it ends (an exception: nothing is written)."""
    with transaction.atomic():
        log = CohortLog()
        log._lock(states, sorted(set(learner_ids)))
        log._read(set(answering), set(keys), set(item_ids))
        yield log
        log.flush()
