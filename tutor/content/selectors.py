"""Reads of course content in the shapes the checker and the libraries need."""

from django.db import models

from psikt.checking import AnswerSpec
from psikt.checking import Misconception as KnownMistake

from .models import Item, Step


class UnknownStep(LookupError):
    pass


def answer_spec(answer: dict) -> AnswerSpec:
    """The checker's spec of a stored answer; choices keep their text, so a learner may type "0.5"
    for the choice whose text it is, as well as its key."""
    return AnswerSpec.from_dict(answer)


def item_answer(*, item: Item, step_key: str = "") -> tuple[AnswerSpec, list[KnownMistake]]:
    """The expected answer and known mistakes of an item's final answer, or of one of its steps."""
    if step_key:
        step = Step.objects.filter(item=item, key=step_key).first()
        if step is None:
            raise UnknownStep(f"item {item.key!r} has no step {step_key!r}")
        answer, rows = step.answer, step.misconceptions.all()
    else:
        answer, rows = item.answer, item.misconceptions.filter(step__isnull=True)
    mistakes = [KnownMistake(answer=m.answer, label=m.label, feedback=m.feedback) for m in rows]
    return answer_spec(answer), mistakes


def course_list():
    """Courses with their item and template counts, in two queries' worth of work."""
    from django.db.models import Count

    from .models import Course

    return Course.objects.annotate(
        item_count=Count("items", filter=models.Q(items__template__isnull=True), distinct=True),
        template_count=Count("templates", distinct=True),
    ).order_by("slug")


def course_kcs(*, course) -> list[dict]:
    """The course's KCs with their declared prerequisites (keys), in definition order."""
    from .models import KnowledgeComponent

    kcs = list(KnowledgeComponent.objects.filter(course=course).prefetch_related("prerequisites").order_by("id"))
    return [
        {"key": kc.key, "name": kc.name, "prerequisites": [p.key for p in kc.prerequisites.all()]} for kc in kcs
    ]
