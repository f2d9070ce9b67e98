"""Reads of learner data."""

from tutor.content.models import Item

from .models import Learner, LearnerState
from .observations import StepVisit


def learner_item(*, learner: Learner, item_id) -> Item | None:
    """An item the learner may work on: any item of a course they study (courses are open to every
    human learner; a model-student is bound to the course it was created for)."""
    if isinstance(item_id, bool) or not isinstance(item_id, int | str):
        return None   # JSON's numbers include 1.5 and Infinity, neither an id
    try:
        item_id = int(item_id)
    except ValueError:
        return None
    if not 0 < item_id < 2**63:
        return None   # beyond any row id (and past what the database compares)
    items = Item.objects.select_related("course", "template")
    if learner.kind == Learner.Kind.MODEL:
        items = items.filter(course__learner_states__learner=learner)
    return items.filter(pk=item_id).first()


def item_progress(*, learner: Learner, item: Item) -> dict[str, str]:
    """Each step of the item ("" for the final answer) in the learner's current visit of it:
    "solved", "told" (the tutor gave the answer away) or "open". The page reveals steps in order up
    to the first open one."""
    visit = LearnerState.objects.filter(learner=learner, course_id=item.course_id).values_list("visit", flat=True).first()
    steps = StepVisit.of_item(learner_id=learner.pk, item=item, visit=visit or 0)
    return {key: step.status for key, step in steps.items()}
