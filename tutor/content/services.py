"""Writes to course content: loading a validated pack, and turning a template into a concrete item."""

import random
from collections import Counter
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction

from .models import Course, Hint, Item, ItemTemplate, KnowledgeComponent, Misconception, Step
from .pack import CoursePack, ItemSpec, TemplateSpec, content_hash, instantiate, pack_hash

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"


@dataclass
class LoadReport:
    course: str = ""
    counts: dict[str, Counter] = field(default_factory=lambda: {"kcs": Counter(), "items": Counter(), "templates": Counter()})

    def __str__(self) -> str:
        parts = [f"course {self.course}"]
        for kind, counter in self.counts.items():
            parts.append(f"{kind}: " + ", ".join(f"{counter[o]} {o}" for o in (CREATED, UPDATED, UNCHANGED)))
        return "; ".join(parts)


def _upsert(model, lookup: dict, values: dict):
    """Create or update one row; say which, and 'unchanged' when every value is already there."""
    instance = model.objects.filter(**lookup).first()
    if instance is None:
        return model.objects.create(**lookup, **values), CREATED
    changed = {name: value for name, value in values.items() if getattr(instance, name) != value}
    if not changed:
        return instance, UNCHANGED
    for name, value in changed.items():
        setattr(instance, name, value)
    instance.save(update_fields=list(changed))
    return instance, UPDATED


@transaction.atomic
def course_pack_load(*, pack: CoursePack) -> LoadReport:
    """Store a validated pack; ids match existing rows, so reloading updates in place.

    Items and KCs that left the pack are kept: attempts refer to them.
    """
    report = LoadReport()
    spec = pack.course
    course, report.course = _upsert(
        Course,
        {"slug": spec.slug},
        {"title": spec.title, "description": spec.description, "version": spec.version, "content_hash": pack_hash(pack)},
    )
    kcs: dict[str, KnowledgeComponent] = {}
    kc_outcomes: dict[str, str] = {}
    for kc_spec in pack.kcs:
        kcs[kc_spec.id], kc_outcomes[kc_spec.id] = _upsert(
            KnowledgeComponent,
            {"course": course, "key": kc_spec.id},
            {"name": kc_spec.name, "description": kc_spec.description},
        )
    for kc_spec in pack.kcs:
        kc = kcs[kc_spec.id]
        wanted = {kcs[p].pk for p in kc_spec.prerequisites}
        if set(kc.prerequisites.values_list("pk", flat=True)) != wanted:
            kc.prerequisites.set(wanted)
            if kc_outcomes[kc_spec.id] == UNCHANGED:
                kc_outcomes[kc_spec.id] = UPDATED
    report.counts["kcs"].update(kc_outcomes.values())

    for template_spec in pack.templates:
        report.counts["templates"][_store_template(course, template_spec, kcs)] += 1
    for item_spec in pack.items:
        _, outcome = item_store(course=course, spec=item_spec, kcs=kcs)
        report.counts["items"][outcome] += 1
    return report


def _store_template(course: Course, spec: TemplateSpec, kcs: dict[str, KnowledgeComponent]) -> str:
    digest = content_hash(spec)
    template, outcome = _upsert(
        ItemTemplate,
        {"course": course, "key": spec.id},
        {"difficulty": spec.difficulty, "spec": spec.model_dump(mode="json"), "content_hash": digest},
    )
    if outcome != UNCHANGED:
        template.kcs.set([kcs[k] for k in spec.kcs])
    return outcome


def item_store(
    *, course: Course, spec: ItemSpec, kcs: dict[str, KnowledgeComponent], template: ItemTemplate | None = None
) -> tuple[Item, str]:
    """Create or update one concrete item with its steps, hints and misconceptions."""
    digest = content_hash(spec)
    existing = Item.objects.filter(course=course, key=spec.id).first()
    if existing is not None and existing.content_hash == digest:
        return existing, UNCHANGED
    values = {
        "difficulty": spec.difficulty,
        "statement": spec.statement,
        "answer": spec.answer.model_dump(mode="json"),
        "content_hash": digest,
        "template": template,
        "parameters": getattr(spec, "parameters", None),
    }
    item, outcome = _upsert(Item, {"course": course, "key": spec.id}, values)
    item.kcs.set([kcs[k] for k in spec.kcs])
    # Children are replaced whole: attempts refer to steps by key, never by row.
    item.steps.all().delete()
    item.misconceptions.all().delete()
    Misconception.objects.bulk_create(
        Misconception(item=item, answer=m.answer, label=m.label, feedback=m.feedback) for m in spec.misconceptions
    )
    for position, step_spec in enumerate(spec.steps):
        step = Step.objects.create(
            item=item, key=step_spec.id, position=position, prompt=step_spec.prompt,
            answer=step_spec.answer.model_dump(mode="json"),
        )
        step.kcs.set([kcs[k] for k in (step_spec.kcs or spec.kcs)])
        Hint.objects.bulk_create(Hint(step=step, level=level, text=text) for level, text in enumerate(step_spec.hints, 1))
        Misconception.objects.bulk_create(
            Misconception(item=item, step=step, answer=m.answer, label=m.label, feedback=m.feedback)
            for m in step_spec.misconceptions
        )
    return item, outcome


def item_from_template(*, template: ItemTemplate, seed: int | str) -> Item:
    """A concrete item drawn from a template; the same seed gives the same item (and row)."""
    spec = instantiate(TemplateSpec.model_validate(template.spec), random.Random(f"{template.key}:{seed}"))
    kcs = {kc.key: kc for kc in template.course.kcs.all()}
    try:
        with transaction.atomic():  # a savepoint: another learner may store the same draw first
            item, _ = item_store(course=template.course, spec=spec, kcs=kcs, template=template)
    except IntegrityError:
        # The same seed and key give the same content, so the row the other request stored is this item.
        item = Item.objects.get(course=template.course, key=spec.id)
    return item
