"""The bridge from stored course content and learner state to the tracing and curriculum libraries.

Per process, one tracer and one planner domain per course version are built and cached; the
per-learner parts (tracer state, planner state) live in LearnerState rows and are passed in and out.
"""

import threading
from dataclasses import dataclass, field
from datetime import datetime

from django.db import models

from psikt.curriculum import Domain, Planner, make_planner
from psikt.curriculum import Item as PlanItem
from psikt.tracing import Tracer, prior_tracer
from tutor.content.models import Course, Item, ItemTemplate, KnowledgeComponent, Step

from .course_content import CourseContent
from .models import TracerModel
from .observations import step_tracer_key


@dataclass(frozen=True)
class CourseEngine:
    course_id: int
    version: str  # changes whenever the tracer or the content changes
    tracer: Tracer
    domain: Domain
    kc_names: dict[str, str]
    prerequisites_of: dict[str, tuple[str, ...]]  # declared, by KC key
    content: CourseContent
    # The course row's updated_at when the content was read: an edit in the admin touches it (content
    # admin), and a course deleted and loaded again under the same id and hash has another, so the
    # content held here is read again without changing `version` (learner states stay valid).
    content_stamp: datetime | None = None
    _planners: dict[str, Planner] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    # Planners are built on first use, also outside `lock` (a pooling planner's contract is read
    # before it is taken): one build per name, whichever thread comes first.
    _planners_lock: threading.Lock = field(default_factory=threading.Lock)

    def planner(self, name: str) -> Planner:
        """One planner per name and course version; per-learner state is loaded into it for each use,
        under `lock` (planners are not thread-safe). A pool across learners is loaded from the
        course's learner states when a learner starts (knowledge._planner), never taken from this
        process's memory: it would depend on which learners this process served. A planner that
        plans on a tracer gets the course's, and reads each learner's belief from their state."""
        with self._planners_lock:
            if name not in self._planners:
                self._planners[name] = make_planner(name, self.domain, seed=self.course_id, tracer=self.tracer)
            return self._planners[name]


def _content_items(course: Course) -> list[tuple[str, tuple[str, ...], float]]:
    """(tracer key, KC keys, difficulty) of every concrete pack item and every template."""
    entries = []
    items = Item.objects.filter(course=course, template__isnull=True).prefetch_related("kcs").order_by("id")
    for item in items:
        entries.append((item.key, tuple(kc.key for kc in item.kcs.all()), item.difficulty))
    for template in ItemTemplate.objects.filter(course=course).prefetch_related("kcs").order_by("id"):
        entries.append((f"template:{template.key}", tuple(kc.key for kc in template.kcs.all()), template.difficulty))
    return entries


def _content_steps(course: Course) -> list[tuple[str, tuple[str, ...], float]]:
    """(tracer key, KC keys, difficulty) of every step of every pack item and template."""
    entries = []
    steps = Step.objects.filter(item__course=course, item__template__isnull=True).select_related("item")
    for step in steps.prefetch_related("kcs").order_by("item_id", "position"):
        entries.append((step_tracer_key(step.item.key, step.key), tuple(kc.key for kc in step.kcs.all()),
                        step.item.difficulty))
    for template in ItemTemplate.objects.filter(course=course).order_by("id"):
        for step in template.spec["steps"]:
            kcs = tuple(step.get("kcs") or template.spec["kcs"])
            entries.append((step_tracer_key(f"template:{template.key}", step["id"]), kcs, template.difficulty))
    return entries


def _build(course: Course, version: str) -> CourseEngine:
    kcs = list(KnowledgeComponent.objects.filter(course=course).prefetch_related("prerequisites").order_by("id"))
    prerequisites_of = {kc.key: tuple(p.key for p in kc.prerequisites.all()) for kc in kcs}
    edges = [(pre, kc) for kc, pres in prerequisites_of.items() for pre in pres]
    entries = _content_items(course)
    # The tracer knows every item and step up front: serving never cold-starts (mutates) it.
    observable = entries + _content_steps(course)
    tracer = _active_tracer(course) or prior_tracer(
        [kc.key for kc in kcs], edges, {key: kc_keys for key, kc_keys, _ in observable},
        {key: difficulty for key, _, difficulty in observable},
    )
    for key, kc_keys, difficulty in observable:
        tracer.add_item(key, kc_keys, difficulty)
    domain = Domain(
        kcs=[kc.key for kc in kcs],
        items=[PlanItem(id=key, kcs=kc_keys, difficulty=difficulty) for key, kc_keys, difficulty in entries],
        prerequisites=edges,
    )
    return CourseEngine(course.pk, version, tracer, domain, {kc.key: kc.name for kc in kcs}, prerequisites_of,
                        CourseContent(course), course.updated_at)


def _active_tracer(course: Course) -> Tracer | None:
    active = TracerModel.objects.filter(course=course, is_active=True).order_by("-created_at").first()
    return active.load() if active else None


def active_tracer_id(course_id) -> models.Subquery:
    """The course's active tracer (its id, or null: the prior), as a subquery a caller's query can
    annotate, so that checking the engine's version costs no query of its own."""
    return models.Subquery(TracerModel.objects.filter(course_id=course_id, is_active=True).values("pk")[:1])


def _version(course: Course, active: int | None) -> str:
    return f"{course.content_hash}:{active or 'prior'}"


_UNKNOWN = object()


_cache: dict[int, CourseEngine] = {}
_cache_lock = threading.Lock()


def course_engine(course: Course, active=_UNKNOWN) -> CourseEngine:
    """The engine for the course's current content and tracer version (rebuilt when either changes,
    or when the course row was touched since the content was read).
    `active`: the active tracer's id (or None) when the caller read it (`active_tracer_id`), else
    it is read here (one query)."""
    if active is _UNKNOWN:
        active = TracerModel.objects.filter(course=course, is_active=True).values_list("pk", flat=True).first()
    version = _version(course, active)
    with _cache_lock:
        engine = _cache.get(course.pk)
        if engine is None or engine.version != version or engine.content_stamp != course.updated_at:
            engine = _build(course, version)
            _cache[course.pk] = engine
        return engine

