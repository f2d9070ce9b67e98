import io
import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from psikt.curriculum import planner_names
from tutor.content import services as content_services
from tutor.content.models import Item, ItemTemplate
from tutor.content.services import item_from_template
from tutor.learning.knowledge import learner_state_locked, learner_state_rebuild, next_item_choose
from tutor.learning.models import Attempt, Learner, LearnerState, TutorTurn
from tutor.learning.tutoring import tutor_turn_take

from .factories import HumanLearnerFactory, now

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded(valid_pack_path):
    call_command("load_course", str(valid_pack_path), stdout=io.StringIO())


def answer(learner, key, text, step="", at=None, **kwargs):
    return tutor_turn_take(
        learner=learner, item=Item.objects.get(key=key), answered_at=at or now(), source="web",
        step_key=step, answer=text, **kwargs,
    )


def test_wrong_then_hints_then_right_climbs_the_ladder_and_moves_mastery(loaded):
    learner = HumanLearnerFactory()
    before = answer(learner, "add-1", "6", step="sum")
    assert before.attempt.verdict == "incorrect"
    assert before.turn.hint_level == 1 and before.turn.move_intent == "seek_strategy"
    assert before.turn.text == "Here's a hint: Count on from 3."
    second = answer(learner, "add-1", "5", step="sum")
    assert second.turn.hint_level == 2 and second.turn.move_intent == "guiding_student_focus"
    third = answer(learner, "add-1", "8", step="sum")
    assert third.turn.move_intent == "revealing_answer" and "7" in third.turn.text
    right = answer(learner, "add-1", "7")
    assert right.attempt.verdict == "correct" and right.turn.move_intent == "greeting_farewell"
    assert second.mastery["add"]["p"] < before.mastery["add"]["p"]  # wrong answers lower it
    assert right.mastery["add"]["p"] > third.mastery["add"]["p"]  # a right answer raises it


def test_misconception_asks_for_self_correction_with_the_pack_feedback(loaded):
    result = answer(HumanLearnerFactory(), "add-1", "34", step="sum")
    assert result.attempt.misconception_label == "concatenated-digits"
    assert result.turn.move_intent == "seeking_self_correction"
    assert "You wrote the digits side by side; add them." in result.turn.text


def test_hint_request_is_logged_as_a_turn_not_an_attempt(loaded):
    learner = HumanLearnerFactory()
    result = tutor_turn_take(learner=learner, item=Item.objects.get(key="frac-1"), answered_at=now(),
                             source="web", step_key="gcd", message="I am stuck")
    assert result.attempt is None and result.turn.learner_text == "I am stuck"
    assert result.turn.evaluation == "f_student_inquiry" and result.turn.hint_level == 1
    assert not Attempt.objects.filter(learner=learner).exists()


def test_idempotent_answer_replays_the_same_turn(loaded):
    learner = HumanLearnerFactory()
    sent_at = now()  # a re-sent request carries the timestamp it was first sent with
    first = answer(learner, "add-1", "7", at=sent_at, idempotency_key="k")
    again = answer(learner, "add-1", "7", at=sent_at, idempotency_key="k")
    assert again.created is False and again.turn.pk == first.turn.pk
    assert TutorTurn.objects.filter(learner=learner).count() == 1 and Attempt.objects.filter(learner=learner).count() == 1


def test_guard_keeps_the_answer_out_of_non_revealing_turns(loaded):
    learner = HumanLearnerFactory()
    for text in ("1", "2", "3"):
        result = answer(learner, "add-1", text)
        if result.turn.move_intent != "revealing_answer":
            assert "7" not in result.turn.text
        assert all(v["ok"] for v in result.turn.guard_verdicts)


def test_online_state_equals_a_rebuild_from_the_log(loaded):
    learner = HumanLearnerFactory()
    start = now()
    for minutes, (key, step, text) in enumerate(
        [("add-1", "sum", "6"), ("add-1", "sum", "7"), ("add-1", "", "7"), ("frac-1", "gcd", "1"), ("frac-1", "", "3/4")]
    ):
        answer(learner, key, text, step=step, at=start + timedelta(minutes=minutes))
    course = Item.objects.get(key="add-1").course
    stored = LearnerState.objects.get(learner=learner, course=course)
    with transaction.atomic():
        state, engine = learner_state_locked(learner=learner, course=course)
        learner_state_rebuild(state=state, engine=engine)
    assert state.tracer_state == stored.tracer_state
    assert state.planner_state == stored.planner_state
    assert state.last_attempt_id == stored.last_attempt_id


@pytest.mark.parametrize("planner", planner_names())
def test_every_planners_online_state_equals_a_rebuild_from_the_log_exactly(loaded, planner):
    """The planner reads the learner's one belief (the tracer state) and the rebuild carries over what
    its contract says the log cannot replay: folded online or replayed, the state is the same, to the
    bit. Planner choices, steps, help requests and unreadable answers are interleaved, after another
    learner of the course (whose share a pooling planner draws on)."""
    course = Item.objects.get(key="add-1").course
    start = now()
    for n, learner in enumerate((HumanLearnerFactory(), HumanLearnerFactory())):
        LearnerState.objects.create(learner=learner, course=course, planner=planner)
        clock = start + timedelta(hours=n)
        for minute in range(6):
            at = clock + timedelta(minutes=minute)
            item, _ = next_item_choose(learner=learner, course=course, now=at)
            step = item.steps.order_by("position").first()
            if minute % 3 == 1:
                tutor_turn_take(learner=learner, item=item, source="web", step_key=step.key, answered_at=at)
            tutor_turn_take(learner=learner, item=item, source="web", step_key=step.key, answer="@@", answered_at=at)
            tutor_turn_take(learner=learner, item=item, source="web", step_key=step.key, answer="7", answered_at=at)
            tutor_turn_take(learner=learner, item=item, source="web", answer="7" if minute % 2 else "1",
                            answered_at=at)
    stored = LearnerState.objects.get(learner=learner, course=course)
    with transaction.atomic():
        state, engine = learner_state_locked(learner=learner, course=course)
        learner_state_rebuild(state=state, engine=engine)
    # Compared as stored (JSON): tuples come back from the database as lists.
    assert json.loads(json.dumps(state.tracer_state)) == stored.tracer_state
    assert json.loads(json.dumps(state.planner_state)) == stored.planner_state
    assert state.last_attempt_id == stored.last_attempt_id
    assert "tracer" not in stored.planner_state  # one belief: the planner keeps no copy of its own


def test_a_new_learner_starts_from_the_prior_pooled_over_the_course_and_a_rebuild_keeps_it(loaded):
    course = Item.objects.get(key="add-1").course
    first, second = HumanLearnerFactory(), HumanLearnerFactory()
    start = now()
    for minutes, text in enumerate(["6"] + ["7"] * 6):  # six right in a row reach the KC (streak 6)
        at = start + timedelta(minutes=minutes)
        next_item_choose(learner=first, course=course, now=at)  # each answer in a visit of its own
        answer(first, "add-1", text, at=at)
    share = LearnerState.objects.get(learner=first).planner_state["share"]
    assert share["mastered"]["add"] == 1 and share["unreached"]["add"] >= 1
    next_item_choose(learner=second, course=course)
    prior = LearnerState.objects.get(learner=second).planner_state["prior"]
    # Beta(1, 1) over "a block of 8 answers reaches the KC", from the first learner's share alone.
    m, u = share["mastered"], share["unreached"]
    assert prior["add"] == pytest.approx((1 + m["add"]) / (2 + m["add"] + u["add"] / 8)) and prior["add"] > 0.5
    for minutes, text in enumerate(["1", "2", "7"]):
        answer(second, "add-1", text, at=start + timedelta(hours=1, minutes=minutes))
    stored = LearnerState.objects.get(learner=second)
    with transaction.atomic():
        state, engine = learner_state_locked(learner=second, course=course)
        learner_state_rebuild(state=state, engine=engine)
    assert state.planner_state == stored.planner_state and state.planner_state["prior"] == prior


def test_the_served_planner_keeps_no_learner_state_between_requests(loaded):
    """States live in the database; a long-running server process must not accumulate them."""
    from psikt.curriculum import UnknownLearnerError
    from tutor.learning.engine import course_engine

    learner = HumanLearnerFactory()
    course = Item.objects.get(key="add-1").course
    next_item_choose(learner=learner, course=course)
    answer(learner, "add-1", "7")
    planner = course_engine(course).planner(LearnerState.objects.get(learner=learner).planner)
    with pytest.raises(UnknownLearnerError):
        planner.save_state(str(learner.pk))


def test_planner_chooses_an_item_of_the_course_and_remembers_it(loaded):
    learner = HumanLearnerFactory()
    course = Item.objects.get(key="add-1").course
    item, reason = next_item_choose(learner=learner, course=course)
    assert item.course == course and isinstance(reason, dict)
    assert LearnerState.objects.get(learner=learner, course=course).current_item == item


def test_rebuild_state_command_reproduces_the_online_state(loaded):
    from io import StringIO

    from django.core.management import CommandError, call_command

    learner = HumanLearnerFactory()
    start = now()
    for minutes, text in enumerate(["6", "7", "8"]):
        answer(learner, "add-1", text, step="sum", at=start + timedelta(minutes=minutes))
    online = LearnerState.objects.get(learner=learner)
    LearnerState.objects.filter(pk=online.pk).update(tracer_state={}, planner_state={})
    out = StringIO()
    call_command("rebuild_state", "--learner", str(learner.pk), stdout=out, verbosity=0)
    rebuilt = LearnerState.objects.get(pk=online.pk)
    assert "rebuilt 1 learner state(s)" in out.getvalue()
    assert (rebuilt.tracer_state, rebuilt.planner_state) == (online.tracer_state, online.planner_state)
    with pytest.raises(CommandError, match="no state to rebuild"):
        call_command("rebuild_state", "--learner", "999999", verbosity=0)


def test_a_request_that_outlived_its_learner_is_a_404_and_creates_no_state(loaded):
    # The learner was erased while this request waited for its state row (the erasure holds it).
    learner = HumanLearnerFactory()
    course = Item.objects.get(key="add-1").course
    Learner.objects.filter(pk=learner.pk).delete()
    with pytest.raises(Http404):
        next_item_choose(learner=learner, course=course)
    assert not LearnerState.objects.filter(learner_id=learner.pk).exists()


def test_an_answer_without_a_time_takes_the_servers_clock_under_the_lock(loaded):
    learner = HumanLearnerFactory()
    before = timezone.now()
    result = tutor_turn_take(learner=learner, item=Item.objects.get(key="add-1"), source="web", answer="7")
    assert before <= result.attempt.answered_at <= timezone.now()


def test_a_template_draw_stored_first_by_another_request_is_that_row(loaded, monkeypatch):
    template = ItemTemplate.objects.get()
    drawn = item_from_template(template=template, seed="s")

    def lost_the_race(*, course, spec, kcs, template):
        # What the second of two simultaneous draws meets: the first one's row, at insert time.
        Item.objects.create(course=course, key=spec.id, difficulty=0.0, statement="", answer={}, content_hash="")

    monkeypatch.setattr(content_services, "item_store", lost_the_race)
    assert item_from_template(template=template, seed="s") == drawn
    assert Item.objects.filter(key=drawn.key).count() == 1


# ---- honest evidence: one visit, one piece of evidence per step and hint rung ------------------------

def _mastery(learner, course) -> dict:
    return LearnerState.objects.get(learner=learner, course=course).tracer_state


def test_resubmitting_a_solved_answer_stores_nothing_and_moves_no_mastery(loaded):
    learner = HumanLearnerFactory()
    course = Item.objects.get(key="add-1").course
    next_item_choose(learner=learner, course=course)
    first = answer(learner, "add-1", "7")
    solved_state = _mastery(learner, course)
    for _ in range(6):
        again = answer(learner, "add-1", "7")
        assert (again.created, again.attempt.pk) == (False, first.attempt.pk)  # the original, replayed
    assert Attempt.objects.filter(learner=learner).count() == 1
    assert _mastery(learner, course) == solved_state


def test_copying_the_answer_the_tutor_told_is_logged_but_is_no_evidence(loaded):
    learner = HumanLearnerFactory()
    course = Item.objects.get(key="add-1").course
    next_item_choose(learner=learner, course=course)
    for text in ("5", None, "6", None):  # wrong, a hint, wrong, and the hint that tells: "3 + 4 = 7."
        result = tutor_turn_take(learner=learner, item=Item.objects.get(key="add-1"), answered_at=now(),
                                 source="web", step_key="sum", answer=text)
    assert result.turn.hint_level == 3 and "7" in result.turn.text
    told = _mastery(learner, course)
    copied = answer(learner, "add-1", "7", step="sum")
    assert copied.created and copied.attempt.correct and not copied.attempt.counts
    assert _mastery(learner, course) == told


def test_only_the_first_answer_after_each_new_hint_rung_is_evidence(loaded):
    learner = HumanLearnerFactory()
    course = Item.objects.get(key="add-1").course
    next_item_choose(learner=learner, course=course)
    first = answer(learner, "add-1", "5", step="sum")  # counts; its turn gives the first hint
    second = answer(learner, "add-1", "6", step="sum")  # after a new rung: counts; its turn climbs again
    assert first.attempt.counts and second.attempt.counts
    stored = Attempt.objects.filter(learner=learner)
    assert [a.rung for a in stored] == [0, first.turn.hint_level]
    # A new visit of the item starts afresh: its first answer is evidence again, on the first rung.
    next_item_choose(learner=learner, course=course)
    later = answer(learner, "add-1", "7", step="sum")
    assert later.attempt.counts and later.attempt.visit == first.attempt.visit + 1


def test_the_same_mistake_again_without_a_new_hint_is_no_new_evidence(loaded):
    learner = HumanLearnerFactory()
    course = Item.objects.get(key="add-1").course
    next_item_choose(learner=learner, course=course)
    first = answer(learner, "add-1", "34", step="sum")  # a known mistake: self-correction, no hint rung
    assert (first.attempt.verdict, first.turn.hint_level, first.attempt.counts) == ("misconception", 0, True)
    after_first = _mastery(learner, course)
    again = answer(learner, "add-1", "34", step="sum")
    assert again.created and not again.attempt.counts
    assert _mastery(learner, course)["mean"] == after_first["mean"]


def test_skip_records_the_skip_and_serves_another_item(loaded):
    from tutor.learning.knowledge import next_item_skip
    from tutor.learning.observations import tracer_item_key

    learner = HumanLearnerFactory()
    course = Item.objects.get(key="add-1").course
    current, _ = next_item_choose(learner=learner, course=course)
    before = _mastery(learner, course)
    item, reason, nothing_else = next_item_skip(learner=learner, course=course)
    assert not nothing_else and tracer_item_key(item) != tracer_item_key(current)
    assert reason.get("skipped") in (None, tracer_item_key(current))
    skip = Attempt.objects.get(learner=learner)
    assert (skip.item, skip.verdict, skip.counts) == (current, "skipped", False)
    state = LearnerState.objects.get(learner=learner)
    assert state.current_item == item and state.tracer_state["n"] == before["n"]


# ---- the dialogue: memory, no verbatim repeats, escalation -----------------------------------------

def test_the_turn_remembers_the_steps_dialogue_and_never_repeats_a_reply(loaded):
    from psikt.llm.prompt import LEARNER, TUTOR

    learner = HumanLearnerFactory()
    course = Item.objects.get(key="add-1").course
    next_item_choose(learner=learner, course=course)
    replies = [answer(learner, "add-1", text, step="sum").turn.text for text in ("5", "6")]
    pending = tutor_turn_take(learner=learner, item=Item.objects.get(key="add-1"), source="web", step_key="sum",
                              answer="4", answered_at=now(), streamed=True).stream
    assert pending.prepared.request.data.last_turns == ((LEARNER, "5"), (TUTOR, replies[0]),
                                                        (LEARNER, "6"), (TUTOR, replies[1]))
    assert replies[0] != replies[1]


def test_a_repeated_known_mistake_escalates_from_self_correction_to_a_hint(loaded):
    learner = HumanLearnerFactory()
    course = Item.objects.get(key="add-1").course
    next_item_choose(learner=learner, course=course)
    first, second = (answer(learner, "add-1", "34", step="sum").turn for _ in range(2))
    assert (first.move_intent, first.hint_level) == ("seeking_self_correction", 0)
    assert second.move_intent != "seeking_self_correction" and second.hint_level >= 1


def test_an_answer_in_words_is_checked_as_the_answer_it_names(loaded):
    """Issue 17: "I think it's 7" is read, not "I couldn't read that"; the log keeps what was typed."""
    result = answer(HumanLearnerFactory(), "add-1", "I think it's 7")
    assert result.attempt.verdict == "correct" and result.attempt.raw_answer == "I think it's 7"
    assert result.turn.move_intent == "greeting_farewell"


def test_an_answer_in_words_sent_as_a_message_is_checked_as_that_answer(loaded):
    """The page's reply box and REST's message carry the learner's words: "I think it's 7" there is the
    learner's answer, checked and stored as one, not a request for a hint."""
    learner = HumanLearnerFactory()
    result = tutor_turn_take(learner=learner, item=Item.objects.get(key="add-1"), answered_at=now(), source="web",
                             message="I think it's 7")
    assert result.attempt is not None and result.attempt.verdict == "correct"
    assert result.attempt.raw_answer == "I think it's 7" and result.turn.hint_level == 0


def test_working_with_a_wrong_step_gets_feedback_on_that_step(loaded):
    learner = HumanLearnerFactory()
    result = answer(learner, "add-1", "I added 3 to 11 and got 15", step="sum")
    assert result.attempt.verdict == "unreadable" and not result.attempt.counts
    assert result.turn.move_intent == "seeking_self_correction"
    assert result.turn.evaluation == "c_partially_correct_response" and result.turn.hint_level == 0
    assert "Check 11 + 3: that is not 15." in result.turn.text
    assert "couldn't read" not in result.turn.text


def test_right_arithmetic_on_another_path_gets_feedback_on_that_step(loaded):
    """Issue 17's example: "I added 3 to 11 and got 14" is right arithmetic, but not this step's (3 + 4)."""
    result = answer(HumanLearnerFactory(), "add-1", "I added 3 to 11 and got 14", step="sum")
    assert result.attempt.verdict == "unreadable" and not result.attempt.counts
    assert result.turn.move_intent == "seeking_self_correction" and result.turn.hint_level == 0
    assert "11 + 3 is 14, but 14 is not what this step asks for." in result.turn.text
    assert "7" not in result.turn.text  # the step's answer is not given away


def test_working_that_is_right_is_told_so_and_asked_for_the_answer(loaded):
    result = answer(HumanLearnerFactory(), "add-1", "first 3 + 2 = 5, then 5 + 2 = 7", step="sum")
    assert result.attempt.verdict == "unreadable" and not result.attempt.counts
    assert result.turn.move_intent == "general_inquiry" and result.turn.hint_level == 0
    assert result.turn.text == "Each step of your working checks out. What is your answer?"
    # An equation where a number is asked is read as working too (the checker's verdict stays).
    equation = answer(HumanLearnerFactory(), "add-1", "3 + 4 = 8", step="sum")
    assert equation.attempt.verdict == "wrong_kind" and not equation.attempt.counts
    assert equation.turn.text.startswith("Check 3 + 4: that is not 8.")


def test_stuck_typed_as_an_answer_gets_a_hint_and_working_sent_with_a_help_request_gets_feedback(loaded):
    learner = HumanLearnerFactory()
    stuck = answer(learner, "add-1", "I don't get it", step="sum")
    assert stuck.attempt.verdict == "unreadable" and stuck.turn.hint_level == 1
    assert stuck.turn.text == "Here's a hint: Count on from 3."
    helped = tutor_turn_take(learner=learner, item=Item.objects.get(key="add-1"), answered_at=now(), source="web",
                             step_key="sum", message="is 11 - 3 = 9 right")
    assert helped.attempt is None and helped.turn.move_intent == "seeking_self_correction"
    assert "Check 11 - 3: that is not 9." in helped.turn.text
    assert Attempt.objects.filter(learner=learner).count() == 1
