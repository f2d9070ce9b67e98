"""Issue 17: the practice page's tutor dialogue survives a reload: the stored turns of the current
item's visit are rendered when the page loads, in order, the learner's words escaped and the tutor's
replies typeset, the latest reply where the page shows the newest one."""

import io
import re

import pytest
from django.core.management import call_command

from tutor.content.mathtext import math_html
from tutor.learning.models import LearnerState
from tutor.learning.tutoring import tutor_turn_take

from .factories import UserFactory, now

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded(valid_pack_path):
    call_command("load_course", str(valid_pack_path), stdout=io.StringIO())


def _dialogue(page: str) -> list[tuple[str, str]]:
    """The dialogue list's entries as rendered: ("You"|"Tutor", inner HTML of its text)."""
    listed = re.search(r'<ol class="dialogue" id="dialogue">(.*?)</ol>', page, re.DOTALL).group(1)
    return re.findall(r'<span class="who">(You|Tutor)</span><p class="(?:words|feedback)">(.*?)</p>', listed, re.DOTALL)


def test_a_reload_shows_the_stored_dialogue_of_the_visit(client, loaded):
    user = UserFactory()
    client.force_login(user)
    first = client.get("/learn/tiny/practice/").content.decode()
    assert _dialogue(first) == [] and '<p class="feedback" id="feedback" aria-live="polite"></p>' in first
    state = LearnerState.objects.get(learner__user=user)
    item, learner = state.current_item, state.learner

    def turn(**said):
        return tutor_turn_take(learner=learner, item=item, source="web", answered_at=now(), **said).turn

    turns = [turn(answer="<b>987654</b>"), turn(message="I don't get it"), turn(), turn(answer="987654")]
    page = client.get("/learn/tiny/practice/").content.decode()
    assert _dialogue(page) == [
        ("You", "My answer: &lt;b&gt;987654&lt;/b&gt;"), ("Tutor", math_html(turns[0].text)),
        ("You", "I don&#x27;t get it"), ("Tutor", math_html(turns[1].text)),
        ("You", "Can I have a hint?"), ("Tutor", math_html(turns[2].text)),  # as the page shows them
        ("You", "My answer: 987654"),
    ]
    assert f'<p class="feedback" id="feedback" aria-live="polite">{math_html(turns[3].text)}</p>' in page
    assert "<b>987654</b>" not in page

    # Another item starts a visit with an empty dialogue.
    assert client.post("/learn/tiny/practice/next/").status_code == 302
    assert _dialogue(client.get("/learn/tiny/practice/").content.decode()) == []
