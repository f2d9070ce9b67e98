"""When the progress page tells a learner to review a skill (knowledge.review_schedule): from the
tracer's own forgetting, the first day a skill is predicted below the level the page shows."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils.timezone import now

from tests.tutor.factories import HumanLearnerFactory
from tutor.content.models import Item
from tutor.learning.engine import course_engine
from tutor.learning.knowledge import review_schedule
from tutor.learning.levels import ORDER, level_key
from tutor.learning.models import LearnerState
from tutor.learning.observations import SECONDS_PER_DAY
from tutor.learning.tutoring import tutor_turn_take
from tutor.learning.views import review_words

pytestmark = pytest.mark.django_db
DAYS_AGO = 3


@pytest.fixture
def practised(valid_pack_path):
    """A learner who answered one item right twelve times, DAYS_AGO days ago: their state and engine."""
    call_command("load_course", str(valid_pack_path), stdout=io.StringIO())
    learner, item = HumanLearnerFactory(), Item.objects.get(key="add-1")
    for n in range(12):
        tutor_turn_take(learner=learner, item=item, source="web", answer="7",
                        answered_at=now() - timedelta(days=DAYS_AGO, minutes=12 - n))
    return learner, LearnerState.objects.get(learner=learner), course_engine(item.course)


def _rank(mastery) -> int:
    return ORDER.index(level_key(p=mastery.p, sd=mastery.sd, answers=1))


def test_a_review_is_due_the_first_day_the_tracer_predicts_the_skill_below_its_level(practised):
    """The schedule said "in over 60 days" for every skill: it waited for a drop of 0.1 from today's
    estimate, which a skill that had settled since the last answer never makes."""
    _, state, engine = practised
    tracer, today = engine.tracer, now().timestamp()
    schedule = review_schedule(state=state, engine=engine, now=today)
    assert schedule and any(row["due_in_days"] is not None for row in schedule)
    for row in schedule:
        shown = tracer.mastery(state.tracer_state)[row["kc"]]
        days = range(61) if row["due_in_days"] is None else range(row["due_in_days"])
        for day in days:  # at its level until the day it is due
            assert _rank(tracer.mastery(state.tracer_state, today + day * SECONDS_PER_DAY)[row["kc"]]) >= _rank(shown)
        if row["due_in_days"] is not None:
            due = tracer.mastery(state.tracer_state, today + row["due_in_days"] * SECONDS_PER_DAY)[row["kc"]]
            assert _rank(due) < _rank(shown)


def test_the_progress_page_says_when_in_words(client, practised):
    learner, _, _ = practised
    client.force_login(learner.user)
    html = client.get("/learn/tiny/progress/").content.decode()
    assert "What to review, and when" in html and "over 60 days" not in html
    assert any(words in html for words in ("Now: it has probably slipped", "before it slips",
                                           "Not needed: it should stay at this level"))


@pytest.mark.parametrize(("due", "words"), [
    (None, "Not needed: it should stay at this level"),
    (0, "Now: it has probably slipped since you practised it"),
    (1, "In 1 day, before it slips"),
    (4, "In 4 days, before it slips"),
])
def test_review_words(due, words):
    assert review_words(due) == words
