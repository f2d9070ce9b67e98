"""The answer preview: what the checker reads in the learner's text, drawn as MathML.

One grammar: the preview reads with the checker's own tokenizer and parser (in its sandboxed
worker), under the same length limit, for the same answer spec the checker will use. So the
preview never draws what the checker cannot read, and its message is the checker's own sentence.
"""

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.views.decorators.http import require_GET

from psikt.checking import preview_answer
from tutor.content.selectors import UnknownStep, item_answer

from .selectors import learner_item
from .services import learner_for_user


def _reply(data: dict, status: int = 200) -> JsonResponse:
    response = JsonResponse(data, status=status)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def answer_preview(request):
    """GET ?item=<id>&step=<key>&text=<...> -> {"ok", "mathml", "message"}.

    `step` empty (or absent) is the item's final answer. An item the learner may not work on, or a
    step the item does not have, is a 404 with ok false."""
    learner = learner_for_user(user=request.user)
    item = learner_item(learner=learner, item_id=request.GET.get("item", ""))
    if item is None:
        return _reply({"ok": False, "mathml": "", "message": "There is no such item."}, status=404)
    try:
        spec, _ = item_answer(item=item, step_key=request.GET.get("step", ""))
    except UnknownStep:
        return _reply({"ok": False, "mathml": "", "message": "This item has no such step."}, status=404)
    return _reply(preview_answer(spec, request.GET.get("text", "")).to_dict())
