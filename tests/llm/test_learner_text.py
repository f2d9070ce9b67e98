"""The deterministic reading of a learner's words (psikt.llm.learner_text): each kind, and the claims checked."""

import json

import pytest

from psikt.llm.learner_text import (
    ANSWER,
    EXPLANATION,
    OFF_TOPIC,
    QUESTION,
    STUCK,
    WORKING,
    Claim,
    check_claims,
    first_wrong,
    is_chatter,
    read_learner_text,
)


@pytest.mark.parametrize(("text", "answer"), [
    ("I think it's 4", "4"), ("x is 3", "3"), ("it's 3/4", "3/4"), ("maybe twelve", "12"),
    ("the answer is 2.5", "2.5"), ("I think 7", "7"), ("the answer is -3", "-3"), ("it's 0.75.", "0.75"),
    ("I think x = 3", "3"), ("I think the answer is 7x", "7x"),
    # An equation in words was off topic, so the reply box took it as a request for the next hint.
    ("I think it's 3x + 3 = 12", "3x + 3 = 12"), ("I got 3x = 9", "3x = 9"), ("it's y = 2x + 1", "y = 2x + 1"),
    ("I think y = 2x + 1", "y = 2x + 1"),
])
def test_an_answer_in_words_gives_the_answer_to_check(text, answer):
    reading = read_learner_text(text)
    assert (reading.kind, reading.answer) == (ANSWER, answer)


@pytest.mark.parametrize(("text", "claims"), [
    ("11 - 3 = 8", [("11 - 3", "8")]),
    ("I added 3 to 11 and got 14", [("11 + 3", "14")]),
    ("5 times 4 is 20, then 20 - 2 = 18", [("5 * 4", "20"), ("20 - 2", "18")]),
    ("three plus four makes seven", [("3 + 4", "7")]),
    ("I subtracted 3 from 11 to get 9", [("11 - 3", "9")]),
    ("I multiplied 3 by 4 and got 12", [("3 * 4", "12")]),
    ("1,000 + 1,000 = 2,000", [("1000 + 1000", "2000")]),
])
def test_working_gives_its_claims(text, claims):
    reading = read_learner_text(text)
    assert reading.kind == WORKING
    assert reading.claims == tuple(Claim(e, v) for e, v in claims)


@pytest.mark.parametrize("text", ["I don't get it", "no idea", "help", "I'm stuck", "idk"])
def test_stuck(text):
    assert read_learner_text(text).kind == STUCK


@pytest.mark.parametrize("text", ["why do we flip it?", "how do I start", "is it 4?", "What does denominator mean"])
def test_questions(text):
    assert read_learner_text(text).kind == QUESTION


@pytest.mark.parametrize("text", ["I added them and then halved it", "first I moved the 3 to the other side"])
def test_an_explanation_without_a_claim(text):
    reading = read_learner_text(text)
    assert (reading.kind, reading.claims) == (EXPLANATION, ())


@pytest.mark.parametrize("text", ["I like pizza", "", "4 apples", "7", "3x + 3 = 12", "I think it's x + y", "it's a = b + c"])
def test_anything_else_is_off_topic(text):
    assert read_learner_text(text).kind == OFF_TOPIC


def test_each_claim_is_checked_and_the_first_wrong_one_is_the_target():
    checks = check_claims(read_learner_text("5 times 4 is 20, then 20 - 2 = 17, and 17 + 1 = 19"))
    assert [check.right for check in checks] == [True, False, False]
    wrong = first_wrong(checks)
    assert wrong.feedback == "Check 20 - 2: that is not 17."
    assert checks[0].feedback == ""


def test_a_wrong_step_in_words_and_a_rounded_decimal():
    assert first_wrong(check_claims(read_learner_text("I added 3 to 11 and got 15"))).feedback == "Check 11 + 3: that is not 15."
    assert [c.right for c in check_claims(read_learner_text("1/3 = 0.33"))] == [True]
    assert first_wrong(check_claims(read_learner_text("11 - 3 = 8"))) is None


def test_the_policy_and_the_rule_backend_on_working():
    from psikt.llm.backends import GenerationRequest
    from psikt.llm.backends.rule import render
    from psikt.llm.moves import Evaluation, Intent
    from psikt.llm.policy import WORKING_RIGHT, WORKING_WRONG_STEP, Policy, TurnState
    from psikt.llm.prompt import PromptInput, TurnContent, build_prompt

    wrong = Policy().decide(TurnState(outcome=WORKING_WRONG_STEP, hint_level=2, attempts_on_step=3))
    assert (wrong.intent, wrong.evaluation, wrong.hint_level) == (
        Intent.SEEKING_SELF_CORRECTION, Evaluation.PARTIALLY_CORRECT, 0)  # the ladder stays where it is
    right = Policy().decide(TurnState(outcome=WORKING_RIGHT, attempts_on_step=1))
    assert (right.intent, right.hint_level, right.reveals_answer) == (Intent.GENERAL_INQUIRY, 0, False)
    content = TurnContent(problem="p", step_prompt="s", claim_feedback="Check 11 + 3: that is not 15.")
    data = PromptInput(wrong, content, "I added 3 to 11 and got 15", attempts_on_step=3)
    assert render(GenerationRequest(build_prompt(data), data)).startswith("Check 11 + 3: that is not 15.")
    assert "Check 11 + 3: that is not 15." in build_prompt(data).messages[-1]["content"]
    data = PromptInput(right, TurnContent(problem="p", step_prompt="s"), "11 - 3 = 8", attempts_on_step=1)
    assert "What is your answer?" in render(GenerationRequest(build_prompt(data), data))
    # A prepared turn stored before the field existed still loads.
    stored = json.loads('{"problem": "p", "step_prompt": "s"}')
    assert TurnContent(**stored).claim_feedback == ""


@pytest.mark.parametrize(("text", "chatter"), [
    ("my cat keeps sitting on my keyboard lol", True), ("We had pizza at lunch today", True), ("lol", True),
    ("3//4", False), ("#", False), ("x^", False), ("2x++1", False), ("7", False), ("", False),
    ("I don't get it", False), ("I think it's 4", False), ("I added them and then halved it", False),
])
def test_chatter_is_off_topic_words_with_no_maths_in_them(text, chatter):
    assert is_chatter(text) is chatter


def test_asking_for_a_hint_in_words_is_asking_for_help():
    assert read_learner_text("hint please").kind == STUCK
