"""Reads for the teacher dashboard: who may see which class, and the class's derived aggregates.

Every aggregate is computed from LearnerState (the tracer's posterior per KC) and the attempt log
with a constant number of queries, whatever the class size. The overview's aggregates and the
planner comparison are cached per classroom under one key each (`aggregates_cache_keys`). Each cached
value carries a fingerprint of what it was computed from: the overview's covers every answer, tutor
turn, enrolment and tracer version, so it is never served stale; the comparison's only enrolment and
tracer (see class_planner_outcomes). `class_aggregates_invalidate` (services) deletes the keys
outright when a learner's data must go.
"""

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Max, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from tutor.learning.engine import CourseEngine, course_engine
from tutor.learning.levels import Level, mastery_level
from tutor.learning.models import Attempt, Classroom, Enrollment, Learner, LearnerState, TutorTurn
from tutor.learning.observations import SECONDS_PER_DAY, evidence, observation, tracer_item_key
from tutor.ops.outage import CACHE_DOWN, outage_warn

from .words import level_detail

logger = logging.getLogger(__name__)

MASTERED = 0.6  # the progress page's threshold for "reached"
WHEEL_SPIN_ATTEMPTS = 10  # Beck & Gong (2013): 10 practice opportunities without mastery
BOTTOM_OUT_HINTS = 3  # within RECENT_DAYS: one bottom-out hint is help, repeated ones are a pattern
RECENT_DAYS = 7
AT_RISK_P_CORRECT = 0.4
CACHE_SECONDS = 600


def aggregates_cache_keys(classroom_id: int) -> list[str]:
    """Every cache key that holds data derived from one classroom's learners."""
    # The version changes with the cached dataclasses' fields: a value cached by the code before a
    # deploy is never read as the new shape.
    return [f"dashboard:v2:class:{classroom_id}:overview", f"dashboard:v3:class:{classroom_id}:replay"]


def can_teach(user) -> bool:
    return user.is_authenticated and user.may_teach


def teacher_classrooms(*, user):
    """The classes a user may look into: their own, or all of them for staff."""
    classrooms = Classroom.objects.select_related("course").annotate(size=Count("enrollment")).order_by("name", "id")
    if user.is_staff or user.role == "staff":
        return classrooms
    return classrooms.filter(teachers=user)


def classroom_for_teacher(*, user, classroom_id: int) -> Classroom | None:
    """The class if this user teaches it (or is staff); None otherwise, so callers answer 404 and
    never reveal that a class they may not see exists."""
    if not can_teach(user):
        return None
    return teacher_classrooms(user=user).filter(pk=classroom_id).first()


def learner_in_classroom(*, classroom: Classroom, learner_id: int) -> Learner | None:
    return (Learner.objects.select_related("user", "api_client")
            .filter(pk=learner_id, enrollment__classroom=classroom).first())


def learner_name(learner: Learner) -> str:
    return learner.user.get_username() if learner.user_id else f"{learner.api_client.name}:{learner.label or learner.pk}"


def kc_order(engine: CourseEngine) -> list[str]:
    """KCs in the declared prerequisite DAG's order (every KC after its prerequisites), ties broken
    by definition order so the heatmap's columns never move between loads."""
    position = {kc: n for n, kc in enumerate(engine.domain.kcs)}
    waiting = {kc: set(engine.prerequisites_of.get(kc, ())) & position.keys() for kc in engine.domain.kcs}
    order: list[str] = []
    while waiting:
        ready = sorted((kc for kc, pres in waiting.items() if not pres), key=position.__getitem__)
        if not ready:  # the loader rejects cycles; keep whatever is left in definition order anyway
            ready = sorted(waiting, key=position.__getitem__)
        for kc in ready:
            order.append(kc)
            del waiting[kc]
        for pres in waiting.values():
            pres.difference_update(ready)
    return order


@dataclass(frozen=True)
class SkillLevel:
    """A learner's level in one skill, and the numbers behind it in words (for a title)."""

    level: Level
    detail: str


def skill_level(*, p: float, sd: float, answers: int) -> SkillLevel:
    level = mastery_level(p=p, sd=sd, answers=answers)
    return SkillLevel(level, level_detail(level, sd, answers))


def _answers_per_kc(attempts) -> dict[int, dict[str, int]]:
    """Answers per learner and KC of the answered item, skips aside: what the learner's own progress
    page counts to tell "Not started" from "Attempted"."""
    per_kc: dict[int, dict[str, int]] = defaultdict(dict)
    for row in (attempts.exclude(verdict=Attempt.Verdict.SKIPPED_).values("learner_id", "item__kcs__key")
                .annotate(n=Count("id"))):
        per_kc[row["learner_id"]][row["item__kcs__key"]] = row["n"]
    return per_kc


@dataclass(frozen=True)
class LearnerRow:
    id: int
    name: str
    kind: str
    attempts: int
    correct: int
    last_answer: datetime | None
    mean_mastery: float
    proficient: int  # skills at the level "Proficient" or better
    reasons: tuple[str, ...]  # why they need help now, in words; empty when they do not


@dataclass(frozen=True)
class ClassOverview:
    classroom_id: int
    kcs: list[str]
    kc_names: list[str]
    learners: list[LearnerRow]
    p: list[list[float]]  # learners x KCs, the tracer's posterior P(mastered)
    sd: list[list[float]]  # the posterior's standard deviation of the KC's knowledge (logit scale)
    levels: list[list["SkillLevel"]]  # learners x KCs, in words
    activity: list[tuple[date, int, int]]  # (day, answers, learners who answered)

    @property
    def needs_help(self) -> list[LearnerRow]:
        return sorted((row for row in self.learners if row.reasons), key=lambda row: (-len(row.reasons), row.name))


def _class_learners(classroom: Classroom) -> list[Learner]:
    enrollments = (Enrollment.objects.filter(classroom=classroom)
                   .select_related("learner__user", "learner__api_client").order_by("enrolled_at", "id"))
    return [e.learner for e in enrollments]


def _fingerprint(classroom: Classroom, engine: CourseEngine, learners: list[Learner]) -> tuple:
    in_class = Q(learner__enrollment__classroom=classroom)
    states = LearnerState.objects.filter(in_class, course_id=classroom.course_id).aggregate(
        n=Count("id"), updated=Max("updated_at"))
    turns = TutorTurn.objects.filter(in_class).aggregate(last=Max("id"))
    return (engine.version, tuple(learner.pk for learner in learners), states["n"], states["updated"], turns["last"])


def _cached(key: str, fingerprint: tuple, compute):
    """The cached value while its fingerprint holds; computed (and cached) otherwise. With the cache
    down the value is computed for every request: slower pages, never an error page."""
    try:
        hit = cache.get(key)
    except CACHE_DOWN as error:
        outage_warn(logger, "class aggregates computed per request", error)
        return compute()
    if hit is not None and hit[0] == fingerprint:
        return hit[1]
    value = compute()
    try:
        cache.set(key, (fingerprint, value), CACHE_SECONDS)
    except CACHE_DOWN as error:
        outage_warn(logger, "class aggregates computed per request", error)
    return value


def class_overview(*, classroom: Classroom) -> ClassOverview:
    """Mastery heatmap, who needs help now and activity for one class (cached, never stale)."""
    engine = course_engine(classroom.course)
    learners = _class_learners(classroom)
    fingerprint = _fingerprint(classroom, engine, learners)
    return _cached(aggregates_cache_keys(classroom.pk)[0], fingerprint,
                   lambda: _class_overview_compute(classroom, engine, learners))


def _class_overview_compute(classroom, engine: CourseEngine, learners: list[Learner]) -> ClassOverview:
    kcs = kc_order(engine)
    tracer = engine.tracer
    in_class = Q(learner__enrollment__classroom=classroom)
    states = {s.learner_id: s for s in LearnerState.objects.filter(in_class, course_id=classroom.course_id)
              .select_related("current_item__template")}
    attempts = Attempt.objects.filter(in_class, item__course_id=classroom.course_id)
    totals = {row["learner_id"]: row for row in attempts.values("learner_id").annotate(
        n=Count("id"), correct=Count("id", filter=Q(verdict=Attempt.Verdict.CORRECT_)), last=Max("answered_at"))}
    per_kc = _answers_per_kc(attempts)
    recent = timezone.now() - timedelta(days=RECENT_DAYS)
    bottom_outs = dict(TutorTurn.objects.filter(in_class, item__course_id=classroom.course_id, hint_level=3,
                                                created_at__gte=recent).values("learner_id").annotate(n=Count("id")).values_list("learner_id", "n"))
    activity = [(row["day"], row["n"], row["learners"]) for row in attempts.annotate(day=TruncDate("answered_at"))
                .values("day").annotate(n=Count("id"), learners=Count("learner_id", distinct=True)).order_by("day")]
    prior = tracer.new_learner()
    now = timezone.now().timestamp()
    rows, p_matrix, sd_matrix, level_matrix = [], [], [], []
    for learner in learners:
        state = states.get(learner.pk)
        tracer_state = state.tracer_state if state and state.tracer_state else prior
        mastery = tracer.mastery(tracer_state)
        p_row = [round(mastery[kc].p, 4) for kc in kcs]
        levels = [skill_level(p=mastery[kc].p, sd=mastery[kc].sd, answers=per_kc[learner.pk].get(kc, 0)) for kc in kcs]
        reasons = []
        for kc in kcs:
            tried = per_kc[learner.pk].get(kc, 0)
            if tried >= WHEEL_SPIN_ATTEMPTS and mastery[kc].p < MASTERED:
                reasons.append(f"Stuck on {engine.kc_names[kc]}: {tried} answers without mastering it")
        if bottom_outs.get(learner.pk, 0) >= BOTTOM_OUT_HINTS:
            reasons.append(f"Reached the last hint, the answer shown, {bottom_outs[learner.pk]} times this week")
        if state and state.current_item_id and state.tracer_state:
            chance = tracer.predict(state.tracer_state, tracer_item_key(state.current_item), now)
            if chance < AT_RISK_P_CORRECT:
                reasons.append(f"Likely to get the next problem wrong (about {chance:.0%} chance of a right answer)")
        total = totals.get(learner.pk, {})
        rows.append(LearnerRow(learner.pk, learner_name(learner), learner.kind, total.get("n", 0),
                               total.get("correct", 0), total.get("last"), sum(p_row) / len(p_row),
                               sum(cell.level.at_least_proficient for cell in levels), tuple(reasons)))
        p_matrix.append(p_row)
        sd_matrix.append([round(mastery[kc].sd, 4) for kc in kcs])
        level_matrix.append(levels)
    return ClassOverview(classroom.pk, kcs, [engine.kc_names[kc] for kc in kcs], rows, p_matrix, sd_matrix,
                         level_matrix, activity)


@dataclass(frozen=True)
class CurvePoint:
    kc: str
    n: int  # the learner's n-th answer on this KC
    predicted: float  # the tracer's P(correct) before seeing the answer
    correct: bool
    mastery: float  # P(mastered) of the KC after the answer


@dataclass(frozen=True)
class Replay:
    """A learner's history replayed through the current tracer."""

    curve: list[CurvePoint]
    items: list[str]  # tracer keys of the checked answers, in order
    correct: list[int]
    times: list[float]
    final_answers: int  # item (not step) answers
    items_to_mastery: int | None  # final answers until every KC was mastered, None if never
    wasted: int  # final answers on items whose KCs were all mastered while another KC was not
    state: dict  # the tracer state after the last answer


def _replay(engine: CourseEngine, attempts: list[Attempt], traits: list[float] | None,
            predictions: bool = True) -> Replay:
    """With the learner's current traits, as learner_state_rebuild does. Without `predictions` the
    curve's predicted chances are not computed (they cost a third of the replay)."""
    tracer = engine.tracer
    state = tracer.new_learner(traits)
    curve, items, correct, times = [], [], [], []
    counts: dict[str, int] = defaultdict(int)
    finals = wasted = 0
    done_at = None
    after = tracer.mastery(state)
    for attempt in attempts:
        seen = observation(attempt)
        if seen is None:
            continue
        key, at = seen.key, seen.at
        before = after  # mastery as of the last answer, as the tutor saw it when choosing this item
        predicted = tracer.predict(state, key, at) if predictions else float("nan")
        if seen.final:
            finals += 1
            mastered = {kc for kc, m in before.items() if m.p >= MASTERED}
            if set(tracer.item_kcs[key]) <= mastered and len(mastered) < len(before):
                wasted += 1
        state = tracer.update(state, key, seen.correct, at)
        after = tracer.mastery(state)
        for kc in tracer.item_kcs[key]:
            counts[kc] += 1
            curve.append(CurvePoint(kc, counts[kc], predicted, seen.correct, after[kc].p))
        if done_at is None and all(m.p >= MASTERED for m in after.values()):
            done_at = finals
        items.append(key)
        correct.append(int(seen.correct))
        times.append(at)
    return Replay(curve, items, correct, times, finals, done_at, wasted, state)


def _course_attempts(learner_filter: Q, course_id: int):
    return (Attempt.objects.filter(learner_filter, item__course_id=course_id)
            .select_related("item__template").order_by("learner_id", "id"))


@dataclass(frozen=True)
class LearnerDetail:
    learner: Learner
    replay: Replay
    skills: list[tuple[str, SkillLevel]]  # (skill's name, level) in prerequisite order
    recall: dict[str, list[float]]  # KC -> predicted P(mastered) on each of the coming days
    traits: list[str]  # sentences a teacher can use


RECALL_DAYS = 42


def learner_detail(*, classroom: Classroom, learner: Learner, now: float | None = None) -> LearnerDetail:
    """What the drill-down shows of the tracer's view of one learner, in a fixed number of queries
    (their work, problem by problem, is work.learner_work)."""
    engine = course_engine(classroom.course)
    tracer = engine.tracer
    attempts = list(_course_attempts(Q(learner=learner), classroom.course_id))
    state = LearnerState.objects.filter(learner=learner, course_id=classroom.course_id).first()
    tracer_state = state.tracer_state if state and state.tracer_state else tracer.new_learner()
    replay = _replay(engine, attempts, tracer_state["traits"])
    now = timezone.now().timestamp() if now is None else now
    start = max(now, tracer_state["t"] or now)
    days = [tracer.mastery(tracer_state, start + day * SECONDS_PER_DAY) for day in range(RECALL_DAYS + 1)]
    practised = {point.kc for point in replay.curve}
    kcs = kc_order(engine)
    recall = {kc: [round(day[kc].p, 4) for day in days] for kc in kcs if kc in practised}
    mastery = tracer.mastery(tracer_state)
    answers = _answers_per_kc(Attempt.objects.filter(learner=learner, item__course_id=classroom.course_id))[learner.pk]
    skills = [(engine.kc_names[kc], skill_level(p=mastery[kc].p, sd=mastery[kc].sd, answers=answers.get(kc, 0)))
              for kc in kcs]
    return LearnerDetail(learner, replay, skills, recall, traits_in_words(engine, tracer_state))


TRAIT_WORDS = {
    # trait: (higher than the population's, lower, about the same); alpha is a rate of forgetting.
    "eta": ("Learns faster than most: a few right answers raise a skill a lot.",
            "Learns more slowly than most: a skill needs more practice than usual before it settles.",
            "Learns at a typical pace."),
    "alpha": ("Forgets faster than most: reviews are due sooner than usual.",
              "Forgets more slowly than most: reviews can wait longer than usual.",
              "Forgets at a typical rate."),
    "gamma": ("Carries learning over to related skills more than most: practice on one skill helps the next.",
              "Learns each skill on its own: practice on one skill helps related skills less than usual.",
              "Carries learning over to related skills as much as most."),
    "sigma": ("Performs unevenly from day to day: one bad day says less than usual.",
              "Performs steadily from day to day.",
              "Varies from day to day as much as most."),
}


def traits_in_words(engine: CourseEngine, tracer_state: dict) -> list[str]:
    """The learner's traits in the tracer's state, compared with the population's, a sentence each.
    The static traits are re-estimated in the background every TRACER_TRAITS_EVERY answers; until
    the first estimate they are the population's, and this says so instead of guessing."""
    tracer = engine.tracer
    population = tracer.traits(tracer.new_learner())
    estimated = tracer.traits(tracer_state)
    words = []
    if tracer_state["traits"] == tracer.new_learner()["traits"]:
        words.append(f"How fast this learner learns and forgets is not worked out yet: that takes "
                     f"{settings.TRACER_TRAITS_EVERY} answers ({tracer_state['n']} so far).")
    else:
        for trait, (more, less, typical) in TRAIT_WORDS.items():
            ratio = estimated[trait] / population[trait] if population[trait] else 1.0
            words.append(more if ratio > 1.1 else less if ratio < 0.9 else typical)
    # The level is filtered with every answer, so it speaks from the first one.
    level = estimated["mu"] - population["mu"]
    words.append("Overall ahead of a typical learner of this course." if level > 0.5 else
                 "Overall behind a typical learner of this course." if level < -0.5 else
                 "Overall at the level of a typical learner of this course.")
    return words


@dataclass(frozen=True)
class PlannerOutcome:
    planner: str
    learners: int
    posttest: float  # mean P(mastered) now over KCs and learners
    items_to_mastery: float | None  # mean over learners who got there
    reached_mastery: int
    waste: float  # share of final answers spent on already-mastered KCs
    posttests: tuple[float, ...]  # each learner's mean P(mastered) now, for the mean's interval


@dataclass(frozen=True)
class PlannerComparison:
    computed_at: datetime
    outcomes: list[PlannerOutcome]


def class_planner_outcomes(*, classroom: Classroom) -> PlannerComparison:
    """The planners used in a real class compared on the benchmark's measures, from the log replayed
    through the current tracer. Replaying a whole class takes seconds, so the result is reused for
    up to CACHE_SECONDS while answers come in (the page says when it was computed); a new tracer or a
    change of enrolment recomputes it at once."""
    engine = course_engine(classroom.course)
    fingerprint = (engine.version, tuple(learner.pk for learner in _class_learners(classroom)))
    return _cached(aggregates_cache_keys(classroom.pk)[1], fingerprint,
                   lambda: PlannerComparison(timezone.now(), _class_planner_outcomes_compute(classroom, engine)))


def _class_planner_outcomes_compute(classroom: Classroom, engine: CourseEngine) -> list[PlannerOutcome]:
    in_class = Q(learner__enrollment__classroom=classroom)
    states = LearnerState.objects.filter(in_class, course_id=classroom.course_id).only(
        "learner_id", "planner", "tracer_state")
    by_learner: dict[int, list[Attempt]] = defaultdict(list)
    for attempt in _course_attempts(in_class, classroom.course_id):
        by_learner[attempt.learner_id].append(attempt)
    grouped: dict[str, list[tuple[Replay, float]]] = defaultdict(list)
    for state in states:
        replay = _replay(engine, by_learner.get(state.learner_id, []), (state.tracer_state or {}).get("traits"),
                         predictions=False)
        mastery = engine.tracer.mastery(state.tracer_state or replay.state)
        grouped[state.planner].append((replay, sum(m.p for m in mastery.values()) / len(mastery)))
    outcomes = []
    for planner, runs in sorted(grouped.items()):
        reached = [r.items_to_mastery for r, _ in runs if r.items_to_mastery is not None]
        finals = sum(r.final_answers for r, _ in runs)
        outcomes.append(PlannerOutcome(
            planner, len(runs), sum(p for _, p in runs) / len(runs),
            sum(reached) / len(reached) if reached else None, len(reached),
            sum(r.wasted for r, _ in runs) / finals if finals else 0.0, tuple(p for _, p in runs),
        ))
    return outcomes



LEARNED_EDGE = 0.5  # a learned edge at least this probable counts as a prerequisite


@dataclass(frozen=True)
class CourseStructure:
    kcs: list[str]  # in DAG order
    kc_names: dict[str, str]
    depth: dict[str, int]  # longest declared prerequisite chain below each KC
    declared: set[tuple[str, str]]  # (prerequisite, kc)
    learned: dict[tuple[str, str], float]  # P(prerequisite -> kc) for every ordered pair
    kc_difficulty: dict[str, float]  # the tracer's: its problems' mean difficulty less the KC's offset
    kc_correct: dict[str, tuple[int, float]]  # this class's answers on the KC and their share correct
    item_difficulty: list[float]  # the tracer's difficulty of every item (template instances counted once)

    def edges(self) -> list[dict]:
        """Every declared or learned edge, as a table: those only the answers show first, strongest first."""
        rows = []
        for (pre, kc), p in self.learned.items():
            declared, learned = (pre, kc) in self.declared, p >= LEARNED_EDGE
            if declared or learned:
                rows.append({"pre": pre, "kc": kc, "pre_name": self.kc_names[pre], "kc_name": self.kc_names[kc],
                             "p": p, "declared": declared, "learned": learned})
        return sorted(rows, key=lambda row: (row["declared"], -row["p"]))


def course_structure(*, classroom: Classroom) -> CourseStructure:
    engine = course_engine(classroom.course)
    tracer = engine.tracer
    kcs = kc_order(engine)
    depth: dict[str, int] = {}
    for kc in kcs:  # prerequisites come first in DAG order
        depth[kc] = 1 + max((depth[p] for p in engine.prerequisites_of.get(kc, ()) if p in depth), default=-1)
    graph = tracer.prerequisites()
    index = {kc: n for n, kc in enumerate(graph.kcs)}
    learned = {(pre, kc): float(graph.matrix[index[pre], index[kc]]) for pre in kcs for kc in kcs if pre != kc}
    offsets = tracer.params["kc_offset"].tolist()
    difficulty = tracer.params["item_b"].tolist()
    # The chance of a right answer has the logit knowledge - item difficulty, and knowledge settles at
    # the KC's offset: a skill is as hard as its problems less that offset (before a fit, the offsets
    # are 0 and the difficulties the authors' hints).
    problems: dict[str, list[float]] = defaultdict(list)
    for n, key in enumerate(tracer.items):
        if "#" not in key:  # steps aside: a problem counted once
            for kc in tracer.item_kcs[key]:
                problems[kc].append(difficulty[n])
    answers = (evidence(Attempt.objects.filter(learner__enrollment__classroom=classroom,
                                               item__course_id=classroom.course_id)).values("item__kcs__key")
               .annotate(n=Count("id"), correct=Count("id", filter=Q(verdict=Attempt.Verdict.CORRECT_))))
    kc_correct = {row["item__kcs__key"]: (row["n"], row["correct"] / row["n"]) for row in answers}
    return CourseStructure(
        kcs, engine.kc_names, depth,
        {(pre, kc) for kc, pres in engine.prerequisites_of.items() for pre in pres},
        learned, {kc: sum(problems[kc]) / len(problems[kc]) - offsets[tracer.kc_index[kc]] if problems[kc] else
                  -offsets[tracer.kc_index[kc]] for kc in kcs}, kc_correct,
        [difficulty[n] for n, key in enumerate(tracer.items) if "#" not in key],
    )
