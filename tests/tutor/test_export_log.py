"""`manage.py export_log`: a course's answers in the tracer's log format, learners pseudonymised
(issue 22, item 5)."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from psikt.tracing.data import load_log
from tests.tutor.factories import HumanLearnerFactory
from tutor.content.models import Item
from tutor.learning.tutoring import tutor_turn_take

pytestmark = pytest.mark.django_db


def test_the_export_is_a_log_the_tracer_reads_with_no_learner_named(valid_pack_path, tmp_path):
    call_command("load_course", str(valid_pack_path), stdout=io.StringIO())
    item = Item.objects.get(key="add-1")
    learners = [HumanLearnerFactory() for _ in range(2)]
    for learner, answers in zip(learners, (["6", "7"], ["7"])):
        for answer in answers:
            tutor_turn_take(learner=learner, item=item, source="web", step_key="sum", answer=answer,
                            answered_at=timezone.now())
    out = tmp_path / "course.csv.gz"
    call_command("export_log", item.course.slug, str(out), stdout=io.StringIO())
    log = load_log(out)
    assert sorted(len(sequence) for sequence in log.sequences) == [1, 2]
    assert [sequence.correct.tolist() for sequence in log.sequences if len(sequence) == 2] == [[0, 1]]
    names = {sequence.learner for sequence in log.sequences}
    known = {str(learner.pk) for learner in learners} | {learner.user.username for learner in learners}
    assert not names & known and all(len(name) == 16 for name in names)
    assert all(1 <= sequence.fold <= 5 for sequence in log.sequences)
    again = tmp_path / "again.csv"
    call_command("export_log", item.course.slug, str(again), stdout=io.StringIO())
    assert {sequence.learner for sequence in load_log(again).sequences} == names  # stable pseudonyms


def test_an_unknown_course_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="no course 'nope'"):
        call_command("export_log", "nope", str(tmp_path / "x.csv"))
