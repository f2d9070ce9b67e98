"""Writes and side effects of the teacher dashboard: cache purges, live pushes, benchmark imports and
the demo and synthetic classes."""

import math
import random
import uuid
from datetime import datetime, timedelta

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.cache import cache
from django.utils import timezone

from tutor.content.models import Course, Item, KnowledgeComponent
from tutor.learning.engine import course_engine
from tutor.learning.knowledge import learner_state_rebuild
from tutor.learning.models import Attempt, Classroom, Enrollment, Learner, LearnerState

from .models import BenchmarkRun
from .selectors import aggregates_cache_keys


def class_group(classroom_id: int) -> str:
    """The Channels group of a class's live overview."""
    return f"dashboard.class.{classroom_id}"


def class_aggregates_invalidate(*, classroom_ids) -> None:
    """Delete every cached aggregate of these classes (also on learning's learner_erased, so nothing
    derived from an erased learner outlives them in the cache)."""
    cache.delete_many([key for pk in classroom_ids for key in aggregates_cache_keys(pk)])


def classes_notify(*, learner_id: int) -> None:
    """Tell the live overviews of the learner's classes that an answer came in (subscribed to
    learning's answer_recorded, which delivers after commit). The consumers coalesce bursts."""
    layer = get_channel_layer()
    for classroom_id in Enrollment.objects.filter(learner_id=learner_id).values_list("classroom_id", flat=True):
        async_to_sync(layer.group_send)(class_group(classroom_id), {"type": "class.changed"})


class BenchmarkFormatError(ValueError):
    pass


BENCHMARK_FIELDS = {"family": str, "scenario": str, "horizon": int, "planner": str, "learners": int,
                    "posttest": float, "items_to_mastery": float, "waste": float}


def benchmark_run_import(*, name: str, data, source: str = "") -> BenchmarkRun:
    """Store the cells of a `psikt.curriculum.benchmark --json` result; nothing is stored unless every cell
    has the fields the curriculum view needs, with the right types."""
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list) or not data["cells"]:
        raise BenchmarkFormatError('expected {"cells": [...]} with at least one cell, as written by '
                                   "python -m psikt.curriculum.benchmark --json OUT.json")
    for n, cell in enumerate(data["cells"]):
        if not isinstance(cell, dict):
            raise BenchmarkFormatError(f"cell {n}: expected an object")
        for key, kind in BENCHMARK_FIELDS.items():
            value = cell.get(key)
            numeric = kind in (int, float) and isinstance(value, int | float) and not isinstance(value, bool)
            if not (numeric and math.isfinite(value)) and not (kind is str and isinstance(value, str) and value):
                raise BenchmarkFormatError(f"cell {n}: field {key!r} must be a {kind.__name__}, got {value!r}")
    return BenchmarkRun.objects.create(name=name, source=source, cells=data["cells"])


# ---- synthetic classes (the demo class is demo.py) -----------------------------------------------------

def synthetic_class_create(*, learners: int, kcs: int, answers: int, seed: int = 0,
                           now: datetime | None = None) -> Classroom:
    """A course of `kcs` KCs (a prerequisite chain, two items each) and a class of `learners`
    model-students with `answers` answers each, folded into their tracer state: the load for
    benchmarks and query-count tests. Answers are appended to the log directly, not tutored."""
    from tutor.accounts.models import ApiClient

    luck = random.Random(seed)
    now = now or timezone.now()
    tag = f"synthetic-{seed}-{uuid.uuid4().hex[:8]}"
    course = Course.objects.create(slug=tag, title=f"Synthetic course {tag}", content_hash=tag)
    chain = []
    for n in range(kcs):
        kc = KnowledgeComponent.objects.create(course=course, key=f"kc{n:02d}", name=f"Skill {n + 1}")
        if chain:
            kc.prerequisites.add(chain[-1])
        chain.append(kc)
    items = []
    for kc in chain:
        for level in range(2):
            item = Item.objects.create(course=course, key=f"{kc.key}-{level}", statement="1 + 0",
                                       answer={"mode": "exact", "value": "1"}, difficulty=level - 0.5,
                                       content_hash=tag)
            item.kcs.add(kc)
            items.append(item)
    client = ApiClient(name=tag)
    client.issue_token()
    client.save()
    classroom = Classroom.objects.create(name=f"Synthetic class of {learners}", course=course)
    engine = course_engine(course)
    start = now - timedelta(days=30)
    for n in range(learners):
        learner = Learner.objects.create(kind=Learner.Kind.MODEL, api_client=client, label=f"learner{n:03d}")
        Enrollment.objects.create(classroom=classroom, learner=learner)
        skill = luck.uniform(0.2, 0.9)
        Attempt.objects.bulk_create(
            Attempt(learner=learner, item=items[min(len(items) - 1, k * len(items) // max(answers, 1))],
                    raw_answer="", verdict="correct" if luck.random() < skill else "incorrect",
                    answered_at=start + timedelta(hours=k * 720 / max(answers, 1)), source=Attempt.Source.IMPORT)
            for k in range(answers)
        )
        state = LearnerState(learner=learner, course=course, current_item=items[luck.randrange(len(items))])
        learner_state_rebuild(state=state, engine=engine)
        state.save()
    return classroom
