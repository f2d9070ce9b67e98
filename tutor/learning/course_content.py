"""A course's pack content held in memory, per process and content version (part of the course's
engine, engine.py): what a tutor turn and a serving read about items, steps, hints and known
mistakes, without a query each.

The pack's items are read once. Items drawn from a template are stored one per learner and answer
(content.services.item_from_template): each is read when first asked for and kept, at most
DRAWN_KEPT of them, under its id and content hash (a draw stored again with other content is read
again). The whole snapshot is replaced when the course's content hash changes (the engine's
version), so nothing read here outlives the content it came from.
"""

from collections import defaultdict
from dataclasses import dataclass

from psikt.checking import AnswerSpec
from psikt.checking import Misconception as KnownMistake
from tutor.content.models import Course, Hint, Item, Misconception, Step
from tutor.content.selectors import answer_spec

RECALL_CANDIDATES = 5
DRAWN_KEPT = 2048


@dataclass(frozen=True)
class ItemContent:
    item: Item
    steps: tuple[Step, ...]  # in order, each with its KCs prefetched
    kc_keys: tuple[str, ...]
    hints: dict[tuple[str, int], str]  # (step key, level) -> text
    mistakes: dict[str, tuple[Misconception, ...]]  # step key ("" for the final answer) -> known mistakes


def _item_content(item: Item, hints: list[Hint], mistakes: list[Misconception]) -> ItemContent:
    steps = tuple(item.steps.all())
    keys = {step.pk: step.key for step in steps}
    by_step: dict[str, list[Misconception]] = defaultdict(list)
    for mistake in mistakes:
        by_step[keys.get(mistake.step_id, "")].append(mistake)
    return ItemContent(item, steps, tuple(kc.key for kc in item.kcs.all()),
                       {(keys[hint.step_id], hint.level): hint.text for hint in hints},
                       {key: tuple(rows) for key, rows in by_step.items()})


def _items_content(items) -> dict[int, ItemContent]:
    """Items (a queryset) with their steps, KCs, hints and known mistakes: five queries in all."""
    items = list(items.select_related("course", "template").prefetch_related("kcs", "steps__kcs"))
    hints, mistakes = defaultdict(list), defaultdict(list)
    for hint in Hint.objects.filter(step__item__in=items).select_related("step").order_by("step_id", "level"):
        hints[hint.step.item_id].append(hint)
    for mistake in Misconception.objects.filter(item__in=items).order_by("id"):
        mistakes[mistake.item_id].append(mistake)
    return {item.pk: _item_content(item, hints[item.pk], mistakes[item.pk]) for item in items}


class CourseContent:
    """The pack items of one course version, and the few derived reads a turn makes."""

    def __init__(self, course: Course):
        self.course_id = course.pk
        self._items = _items_content(Item.objects.filter(course=course, template__isnull=True))
        self._by_key = {entry.item.key: entry for entry in self._items.values()}
        self._drawn: dict[tuple[int, str], ItemContent] = {}
        recall: dict[str, list[tuple[float, int, str]]] = defaultdict(list)
        for entry in self._items.values():
            if entry.steps:
                for kc in entry.kc_keys:
                    recall[kc].append((entry.item.difficulty, entry.item.pk, entry.steps[0].prompt))
        self._recall = {kc: tuple(prompt for *_, prompt in sorted(rows)[:RECALL_CANDIDATES])
                        for kc, rows in recall.items()}

    def of(self, item: Item) -> ItemContent:
        """An item's content: from memory for a pack item, read for a drawn one."""
        entry = self._items.get(item.pk)
        if entry is not None:
            return entry
        entry = self._drawn.get((item.pk, item.content_hash))
        if entry is None:
            if len(self._drawn) >= DRAWN_KEPT:
                self._drawn.clear()
            entry = self._drawn[(item.pk, item.content_hash)] = _items_content(Item.objects.filter(pk=item.pk))[item.pk]
        return entry

    def item(self, pk: int) -> Item | None:
        """A pack item of the course by id (None: not one; a drawn item is looked up by the caller)."""
        entry = self._items.get(pk)
        return entry.item if entry is not None else None

    def item_by_key(self, key: str) -> Item:
        return self._by_key[key].item

    def answer(self, item: Item, step_key: str) -> tuple[AnswerSpec, list[KnownMistake]]:
        """The checker's input for an item's final answer or one of its steps (content.selectors.item_answer)."""
        entry = self.of(item)
        answer = next(step.answer for step in entry.steps if step.key == step_key) if step_key else item.answer
        mistakes = [KnownMistake(answer=m.answer, label=m.label, feedback=m.feedback)
                    for m in entry.mistakes.get(step_key, ())]
        return answer_spec(answer), mistakes

    def misconception_feedback(self, item: Item, step_key: str, label: str) -> str:
        return next((m.feedback for m in self.of(item).mistakes.get(step_key, ()) if m.label == label), "")

    def recall_prompts(self, kc: str) -> tuple[str, ...]:
        """First-step prompts of the course's easiest pack items on a KC (by difficulty, then id)."""
        return self._recall.get(kc, ())
