import io
from datetime import timedelta

import pytest
from django.core.management import call_command

from tutor.content.models import Item
from tutor.content.selectors import UnknownStep
from tutor.learning.models import Attempt
from tutor.learning.services import TimeWentBackwards, attempt_record

from .factories import HumanLearnerFactory, now

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded(valid_pack_path):
    call_command("load_course", str(valid_pack_path), stdout=io.StringIO())


def record(learner, key, answer, step_key="", **kwargs):
    kwargs.setdefault("answered_at", now())
    return attempt_record(learner=learner, item=Item.objects.get(key=key), raw_answer=answer, source="web", step_key=step_key, **kwargs)


@pytest.mark.parametrize(
    ("key", "step", "answer", "verdict", "label"),
    [
        ("frac-1", "", "3/4", "correct", ""),
        ("frac-1", "", "6/8", "misconception", "not-simplified"),
        ("frac-1", "gcd", "1", "misconception", "trivial-divisor"),
        ("frac-1", "gcd", "4", "incorrect", ""),
        ("lin-expr", "", "2(x+1)", "misconception", "distributed-to-first-term-only"),
        ("lin-expr", "", "__import__('os')", "unreadable", ""),
    ],
)
def test_answers_are_checked_and_logged(loaded, key, step, answer, verdict, label):
    attempt, created = record(HumanLearnerFactory(), key, answer, step)
    stored = Attempt.objects.get(pk=attempt.pk)
    assert created and (stored.verdict, stored.misconception_label, stored.step_key) == (verdict, label, step)


def test_same_idempotency_key_returns_the_first_attempt(loaded):
    learner = HumanLearnerFactory()
    first, created = record(learner, "add-1", "7", idempotency_key="abc")
    again, created_again = record(learner, "add-1", "8", idempotency_key="abc")
    assert (created, created_again) == (True, False)
    assert again.pk == first.pk and again.verdict == "correct"
    assert Attempt.objects.filter(learner=learner).count() == 1


def test_time_never_runs_backwards(loaded):
    learner = HumanLearnerFactory()
    start = now()
    record(learner, "add-1", "7", answered_at=start + timedelta(days=3))  # simulated time may run ahead
    with pytest.raises(TimeWentBackwards):
        record(learner, "add-1", "7", answered_at=start)
    assert Attempt.objects.filter(learner=learner).count() == 1


def test_unknown_step_is_an_error_and_stores_nothing(loaded):
    learner = HumanLearnerFactory()
    with pytest.raises(UnknownStep):
        record(learner, "add-1", "7", step_key="nope")
    assert not Attempt.objects.filter(learner=learner).exists()
