import json
import re
from datetime import timedelta

from django.utils import timezone

from tutor.content.models import Item
from tutor.learning.knowledge import next_item_choose
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
    """Ten wrong final answers on addition, each in a visit of its own (a repeat within a visit is no
    new evidence), then three visits stuck on the first step of a fraction item until the tutor
    tells (a wrong answer is met by recalling addition, which ada has not mastered; a hint; wrong
    again, the next hint; the hint after that is the bottom-out one)."""
    at = timezone.now() - timedelta(days=2)
    course = Item.objects.get(course__slug="tiny", key="add-1").course
    for n in range(10):
        next_item_choose(learner=learner, course=course, now=at + timedelta(minutes=n))
        answer(learner, "add-1", "5", at + timedelta(minutes=n))
    for n in range(3):
        moment = at + timedelta(minutes=20 + n)
        next_item_choose(learner=learner, course=course, now=moment)
        for text in ("3", None, "3", None):
            answer(learner, "frac-1", text, moment, step="gcd")
