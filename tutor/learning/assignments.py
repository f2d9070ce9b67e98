"""Assignments: a teacher sets a class skills or problems, with an optional due time, and while one is
open the planner serves its learners only that material.

How it steers the planner (`steer`, called by knowledge._serve): the material of a learner's open
assignments in the course is the items of the assigned skills and the assigned problems. What the
learner has finished drops out of it: a skill once the tracer says "Mastered" (levels.py), a problem
once answered right since the assignment was set. The rest goes to the planner as `select(only=...)`
(the planner contract, psikt/curriculum/planners/base.py), which serves its own choice when that is
assigned and otherwise the least practised assigned item. When everything assigned is finished, the
planner serves the whole course again and the reason says the assignment is finished. The learner
reads their open assignments, and what of each they have finished by the same rules, on their course
home and progress page (`learner_assignments`).

Cost on the serving path: whether a course has any open assignment is kept in the shared cache (one
value per course, rewritten by whoever creates or closes an assignment, after the commit), so
serving a learner of a course without one reads no row; a course with one costs one query for the
learner's open assignments and, when they name problems, one for the problems answered right.
"""

import logging
from dataclasses import dataclass
from datetime import datetime

from django.core.cache import cache
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.formats import date_format

from tutor.content.models import Item, KnowledgeComponent
from tutor.ops.outage import CACHE_DOWN, outage_warn

from .engine import CourseEngine
from .levels import MASTERED_MAX_SD, MASTERED_P
from .models import Assignment, Attempt, Classroom

logger = logging.getLogger(__name__)

NO_END = float("inf")  # the cached horizon of a course whose open assignment has no due time
HORIZON_SECONDS = 3600  # bounds how long two teachers' changes in the same instant can leave it behind
MAX_TITLE = 200
NOTHING_CHOSEN = "Choose at least one skill or one problem to assign."


class AssignmentInvalid(ValueError):
    """What a teacher asked cannot be set, with the reason in words."""


def open_q(now: datetime) -> Q:
    """Assignments open at `now`: not closed, and due later or never."""
    return Q(closed_at__isnull=True) & (Q(due_at__isnull=True) | Q(due_at__gt=now))


def is_open(assignment: Assignment, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return assignment.closed_at is None and (assignment.due_at is None or assignment.due_at > now)


# ---- the cached horizon: does a course have an open assignment? -----------------------------------

def _horizon_key(course_id: int) -> str:
    return f"learning:assignments:v1:course:{course_id}:open-until"


def _horizon_compute(course_id: int) -> float:
    """When the course's last open assignment ends (a timestamp; NO_END if one has no due time; 0.0 if
    none is open). One query."""
    now = timezone.now()
    row = Assignment.objects.filter(open_q(now), classroom__course_id=course_id).aggregate(
        last=Max("due_at"), undated=Max("pk", filter=Q(due_at__isnull=True)), any=Max("pk"))
    if row["any"] is None:
        return 0.0
    return NO_END if row["undated"] is not None else row["last"].timestamp()


def _horizon(course_id: int) -> float:
    try:
        cached = cache.get(_horizon_key(course_id))
    except CACHE_DOWN as error:
        outage_warn(logger, "open assignments read per serving", error)
        return _horizon_compute(course_id)
    if cached is not None:
        return cached
    value = _horizon_compute(course_id)
    try:
        # add, not set: a value computed before a teacher's commit never overwrites theirs.
        cache.add(_horizon_key(course_id), value, HORIZON_SECONDS)
    except CACHE_DOWN as error:
        outage_warn(logger, "open assignments read per serving", error)
    return value


def _horizon_refresh(course_id: int) -> None:
    """After the commit of a change: the course's horizon as it now is."""
    def refresh():
        try:
            cache.set(_horizon_key(course_id), _horizon_compute(course_id), HORIZON_SECONDS)
        except CACHE_DOWN as error:
            outage_warn(logger, "open assignments read per serving", error)

    transaction.on_commit(refresh)


# ---- a teacher's changes --------------------------------------------------------------------------

def assignment_create(*, classroom: Classroom, user, title: str, kc_keys: list[str], item_ids: list[int],
                      due_at: datetime | None, now: datetime | None = None) -> Assignment:
    """Set the class an assignment; AssignmentInvalid (nothing written) when it names nothing, names
    what the class's course lacks, or is due in the past."""
    now = now or timezone.now()
    title = (title or "").strip()
    if not title:
        raise AssignmentInvalid("Give the assignment a name, for example “Fractions before Friday”.")
    if len(title) > MAX_TITLE:
        raise AssignmentInvalid(f"The name is longer than {MAX_TITLE} characters.")
    if not kc_keys and not item_ids:
        raise AssignmentInvalid(NOTHING_CHOSEN)
    if due_at is not None and due_at <= now:
        raise AssignmentInvalid("The due time has already passed. Choose a later one, or leave it empty.")
    kcs = list(KnowledgeComponent.objects.filter(course_id=classroom.course_id, key__in=set(kc_keys)))
    items = list(Item.objects.filter(course_id=classroom.course_id, template__isnull=True, pk__in=set(item_ids)))
    if len(kcs) != len(set(kc_keys)) or len(items) != len(set(item_ids)):
        raise AssignmentInvalid("Some of the chosen skills or problems are not part of this class's course.")
    with transaction.atomic():
        assignment = Assignment.objects.create(classroom=classroom, title=title, due_at=due_at, created_by=user)
        assignment.kcs.set(kcs)
        assignment.items.set(items)
        _horizon_refresh(classroom.course_id)
    return assignment


def assignment_close(*, assignment: Assignment, now: datetime | None = None) -> None:
    """Close an open assignment now (closing a closed one changes nothing)."""
    if assignment.closed_at is None:
        assignment.closed_at = now or timezone.now()
        assignment.save(update_fields=["closed_at"])
        _horizon_refresh(assignment.classroom.course_id)


# ---- steering the planner -------------------------------------------------------------------------

def kc_mastered(p: float, sd: float) -> bool:
    """The level "Mastered" (levels.py): what finishes an assigned skill."""
    return p >= MASTERED_P and sd <= MASTERED_MAX_SD


@dataclass(frozen=True)
class OpenAssignment:
    title: str
    due_at: datetime | None
    keys: frozenset[str]  # planner keys of its material still to do


@dataclass(frozen=True)
class Steer:
    """What a learner's open assignments allow the planner (None: the whole course, see `reason`)."""

    assignments: tuple[OpenAssignment, ...]  # earliest due first

    @property
    def only(self) -> frozenset[str] | None:
        keys = frozenset().union(*(a.keys for a in self.assignments))
        return keys or None

    def reason(self, key: str) -> dict:
        """For the served item's reason: the assignment it belongs to, or that all are finished."""
        for assignment in self.assignments:
            if key in assignment.keys:
                return {"title": assignment.title, "due": assignment.due_at.isoformat() if assignment.due_at else None}
        return {"title": self.assignments[0].title, "finished": True, "count": len(self.assignments)}


def steer(*, learner_id: int, course_id: int, engine: CourseEngine, tracer_state: dict,
          now: datetime | None = None) -> Steer | None:
    """The learner's open assignments in the course with what is left of each, or None when they
    have none (no query while the course has none: the cached horizon)."""
    now = now or timezone.now()
    found = _open_entries(learner_id, course_id, now)
    if not found:
        return None
    mastery = engine.tracer.mastery(tracer_state) if tracer_state else {}
    right = _items_right(learner_id, course_id, found)
    assignments = []
    for entry in found:
        left = {key for kc in entry["kcs"]
                if kc in engine.domain.items_of and not (kc in mastery and kc_mastered(mastery[kc].p, mastery[kc].sd))
                for key in engine.domain.items_of[kc]}
        left |= {key for key in entry["items"]
                 if key in engine.domain.item_index and not _since(right.get(key), entry["created_at"])}
        assignments.append(OpenAssignment(entry["title"], entry["due_at"], frozenset(left)))
    return Steer(tuple(assignments))


def _open_entries(learner_id: int, course_id: int, now: datetime) -> list[dict]:
    """The learner's open assignments in the course, earliest due first (those with no due time
    last), each {"title", "classroom", "due_at", "created_at", "kcs", "items"} with the keys of its
    skills and problems: one query, none while the course has no open assignment (the cached horizon)."""
    if _horizon(course_id) <= now.timestamp():
        return []
    rows = (Assignment.objects.filter(open_q(now), classroom__course_id=course_id,
                                      classroom__enrollment__learner_id=learner_id)
            .values_list("pk", "title", "due_at", "created_at", "classroom__name", "kcs__key", "items__key")
            .distinct())
    found: dict[int, dict] = {}
    for pk, title, due_at, created_at, classroom, kc, item in rows:
        entry = found.setdefault(pk, {"title": title, "classroom": classroom, "due_at": due_at,
                                      "created_at": created_at, "kcs": set(), "items": set()})
        entry["kcs"] |= {kc} - {None}
        entry["items"] |= {item} - {None}
    return sorted(found.values(), key=lambda entry: (entry["due_at"] is None, entry["due_at"] or now,
                                                     entry["created_at"]))


def _since(moment: datetime | None, start: datetime) -> bool:
    return moment is not None and moment >= start


def _items_right(learner_id: int, course_id: int, entries) -> dict[str, datetime]:
    """For each assigned problem the learner answered right: when they last did (one query, none when
    no assignment names a problem)."""
    keys = {key for entry in entries for key in entry["items"]}
    if not keys:
        return {}
    rows = (Attempt.objects.filter(learner_id=learner_id, item__course_id=course_id, item__key__in=keys, step_key="",
                                   verdict=Attempt.Verdict.CORRECT_)
            .values("item__key").annotate(last=Max("recorded_at")).values_list("item__key", "last"))
    return dict(rows)


# ---- the learner's view --------------------------------------------------------------------------

@dataclass(frozen=True)
class LearnerAssignment:
    """An open assignment as its learner reads it: what it names and what of it they have finished,
    by the rules that steer the planner (a skill once mastered, a problem once answered right)."""

    title: str
    classroom: str
    due_at: datetime | None
    skills: tuple[tuple[str, bool], ...]  # (skill name, finished), in the course's order
    problems: tuple[tuple[Item, bool], ...]  # (problem, finished), in the course's order

    @property
    def finished(self) -> bool:
        return all(done for _, done in self.skills + self.problems)

    @property
    def progress_words(self) -> str:
        """"2 of 3 skills mastered and 1 of 2 problems answered right"."""
        parts = []
        for found, noun, verb in ((self.skills, "skill", "mastered"), (self.problems, "problem", "answered right")):
            if found:
                done = sum(finished for _, finished in found)
                parts.append(f"{done} of {len(found)} {noun}{'' if len(found) == 1 else 's'} {verb}")
        return " and ".join(parts)


def learner_assignments(*, learner_id: int, course_id: int, engine: CourseEngine, tracer_state: dict,
                        now: datetime | None = None) -> list[LearnerAssignment]:
    """The open assignments of the learner's own classes in the course, earliest due first, with
    their progress on each: two queries whatever their number (the assignments, the problems
    answered right), none while the course has no open assignment. Skill names and problems come from
    the engine's content, read once per process."""
    now = now or timezone.now()
    found = _open_entries(learner_id, course_id, now)
    mastery = engine.tracer.mastery(tracer_state) if tracer_state and found else {}
    right = _items_right(learner_id, course_id, found)
    shown = []
    for entry in found:
        skills = tuple((engine.kc_names[kc], kc in mastery and kc_mastered(mastery[kc].p, mastery[kc].sd))
                       for kc in engine.domain.kcs if kc in entry["kcs"])
        problems = tuple((engine.content.item_by_key(key), _since(right.get(key), entry["created_at"]))
                         for key in engine.domain.item_index if key in entry["items"])
        shown.append(LearnerAssignment(entry["title"], entry["classroom"], entry["due_at"], skills, problems))
    return shown


def reason_words(assignment: dict) -> str:
    """The start of "Why this problem" for an item served under an assignment (Steer.reason)."""
    if assignment.get("finished"):
        whose = "the work your teacher assigned" if assignment.get("count", 1) > 1 else f"“{assignment['title']}”"
        return f"you have finished {whose}, so practice goes on across the whole course"
    due = ""
    if assignment.get("due"):
        moment = timezone.localtime(datetime.fromisoformat(assignment["due"]))
        same_year = moment.year == timezone.localtime().year
        due = f" (due {date_format(moment, 'l j F, H:i' if same_year else 'l j F Y, H:i')})"
    return f"your teacher assigned “{assignment['title']}”{due}"
