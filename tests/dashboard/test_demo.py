"""The demo class's replayed history (tutor.dashboard.demo) as the teacher's pages read it."""

import random
from datetime import timedelta

import pytest
from django.db.models import Max
from django.utils import timezone

from tutor.dashboard.demo import HISTORY_DAYS, demo_class_replay, sitting_starts
from tutor.dashboard.now import AWAY, class_now
from tutor.learning.clock import replaying_at, server_now
from tutor.learning.models import AppendOnlyError, Attempt, TutorTurn

pytestmark = pytest.mark.django_db


def test_the_replay_stores_its_rows_at_the_moments_it_replays(classroom):
    """The server's clock of every replayed answer and reply is the replayed moment, not the seeding's:
    the Now page showed every demo learner 'stopped 11 min ago, mid-session' and a week as one session."""
    demo_class_replay(classroom=classroom, answers=12)  # two sittings a learner
    answers = Attempt.objects.filter(learner__enrollment__classroom=classroom)
    assert answers.count() >= 10 * 12
    midnight = timezone.now().replace(hour=0, minute=0, second=0, microsecond=0)
    for attempt in answers.select_related("tutor_turn"):
        assert attempt.recorded_at == attempt.answered_at < midnight  # nothing today: the history is over
        assert attempt.tutor_turn.created_at == attempt.recorded_at
    assert not TutorTurn.objects.filter(learner__enrollment__classroom=classroom, created_at__gte=midnight).exists()
    for learner_id in answers.values_list("learner_id", flat=True).distinct():
        days = {moment.date() for moment in answers.filter(learner_id=learner_id).values_list("recorded_at", flat=True)}
        assert len(days) == 2  # two sittings, on two days
    now = class_now(classroom=classroom)
    assert not now.alerts  # nobody is "idle in the middle of a session"
    last = dict(answers.values("learner_id").annotate(last=Max("recorded_at")).values_list("learner_id", "last"))
    for row in now.learners:
        assert row.status == AWAY
        assert row.last_activity == last.get(row.learner_id)


def test_replayed_answers_stay_append_only(classroom):
    demo_class_replay(classroom=classroom, answers=1)
    attempt = Attempt.objects.filter(learner__enrollment__classroom=classroom).first()
    with pytest.raises(AppendOnlyError):
        attempt.save()
    with pytest.raises(AppendOnlyError):
        Attempt.objects.filter(pk=attempt.pk).update(recorded_at=timezone.now())


def test_the_replay_clock_holds_inside_its_block_only_and_refuses_the_future():
    moment = timezone.now() - timedelta(days=3)
    with replaying_at(moment):
        assert server_now() == moment
    assert server_now() > moment + timedelta(days=2)
    with pytest.raises(ValueError, match="future"), replaying_at(timezone.now() + timedelta(minutes=1)):
        pass
    with pytest.raises(ValueError, match="aware"), replaying_at(moment.replace(tzinfo=None)):
        pass


def test_sittings_fall_on_different_past_days():
    now = timezone.now()
    starts = sitting_starts(random.Random(1), HISTORY_DAYS, now)
    assert starts == sorted(starts) and len({start.date() for start in starts}) == HISTORY_DAYS
    assert starts[-1] < now.replace(hour=0, minute=0, second=0, microsecond=0)
    with pytest.raises(ValueError, match="sittings"):
        sitting_starts(random.Random(1), HISTORY_DAYS + 1, now)
