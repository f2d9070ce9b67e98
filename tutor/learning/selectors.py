"""Reads of learner data."""

from tutor.content.models import Item

from .models import Learner


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
