import json
import re
from datetime import timedelta

from django.utils import timezone

from tutor.content.models import Item
from tutor.learning.models import Learner
from tutor.learning.tutoring import tutor_turn_take


def embedded_figure(response, name: str) -> dict:
    """The Plotly figure a page embeds for dashboard.js, as the browser receives it."""
    html = response.content.decode()
    found = re.search(rf'<script id="{name}" type="application/json">(.*?)</script>', html, re.DOTALL)
    assert found, f"no {name} figure in the page"
    return json.loads(found.group(1))


def answer(learner: Learner, key: str, text: str | None, at, step: str = ""):
    """One tutor turn through the real tutoring service (text None asks for a hint)."""
    item = Item.objects.get(course__slug="tiny", key=key)
    return tutor_turn_take(learner=learner, item=item, answered_at=at, source="web", step_key=step, answer=text)


def struggling_history(learner: Learner) -> None:
    """Ten wrong answers on addition (the tutor climbs to bottom-out hints) and four hint requests."""
    at = timezone.now() - timedelta(days=2)
    for n in range(10):
        answer(learner, "add-1", "5", at + timedelta(minutes=n))
    for n in range(4):
        answer(learner, "add-1", None, at + timedelta(minutes=20 + n), step="sum")
