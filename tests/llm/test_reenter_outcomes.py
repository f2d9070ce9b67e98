"""Issue 16, deliver 3: unreadable, wrong_kind and wrong_form answers are told apart. The tutor says
the checker's note and asks for the answer again; the hint ladder does not move."""

import asyncio
import dataclasses
import json

import pytest

from psikt.checking import WRONG_FORM, WRONG_KIND, AnswerSpec, check_answer
from psikt.llm import WRONG_FORM as LLM_WRONG_FORM
from psikt.llm import WRONG_KIND as LLM_WRONG_KIND
from psikt.llm.backends import GenerationRequest, RuleBackend
from psikt.llm.guard import Guard
from psikt.llm.moves import Evaluation, Intent
from psikt.llm.policy import Policy, TurnState
from psikt.llm.prompt import PromptInput, TurnContent, build_prompt

PROBLEM = "Write 3/4 as a decimal."


def test_the_llm_outcomes_are_the_checkers_verdicts():
    assert (LLM_WRONG_FORM, LLM_WRONG_KIND) == (WRONG_FORM, WRONG_KIND)


@pytest.mark.parametrize(
    ("outcome", "evaluation"),
    [("unreadable", Evaluation.AMBIGUOUS), ("wrong_kind", Evaluation.AMBIGUOUS),
     ("wrong_form", Evaluation.PARTIALLY_CORRECT)],
)
@pytest.mark.parametrize("hint_level", [0, 1, 2])
def test_reentered_answers_ask_again_without_climbing_the_ladder(outcome, evaluation, hint_level):
    decision = Policy().decide(TurnState(outcome, hint_level=hint_level, attempts_on_step=5))
    assert (decision.intent, decision.evaluation, decision.hint_level) == (Intent.GENERAL_INQUIRY, evaluation, 0)
    assert not decision.reveals_answer


def _rule_text(outcome: str, note: str) -> str:
    decision = Policy().decide(TurnState(outcome, attempts_on_step=1))
    data = PromptInput(decision, TurnContent(PROBLEM, PROBLEM, check_note=note), "3/4", attempts_on_step=1)
    return asyncio.run(RuleBackend().complete(GenerationRequest(build_prompt(data), data)))


def test_the_rule_backend_says_the_checkers_note_and_asks_again():
    spec = AnswerSpec("decimal", "0.75")
    form = check_answer(spec, "3/4")
    assert form.verdict == WRONG_FORM
    text = _rule_text(form.verdict, form.reason)
    assert text.startswith("That's equal, but write it as a decimal.") and text.endswith("?")

    kind = check_answer(spec, "2x+3")
    assert kind.verdict == WRONG_KIND
    text = _rule_text(kind.verdict, kind.reason)
    assert "That is an expression; this step asks for a number." in text and "again" in text

    unreadable = check_answer(spec, "3#4")
    assert "I couldn't read '#' in your answer." in _rule_text(unreadable.verdict, unreadable.reason)


def test_without_a_note_the_old_sentences_remain():
    assert _rule_text("unreadable", "").startswith("I couldn't read that answer.")
    assert "not in the form asked" in _rule_text("wrong_form", "")


def test_the_notes_never_give_the_answer_away():
    guard = Guard([AnswerSpec("decimal", "0.75")], allowed_text=PROBLEM)
    for given in ("3/4", "6/8", "x", "2x+3", "#"):
        result = check_answer(AnswerSpec("decimal", "0.75"), given)
        assert guard.reply(_rule_text(result.verdict, result.reason)).ok, given


def test_the_note_is_in_the_prompt_only_when_there_is_one():
    decision = Policy().decide(TurnState("wrong_form", attempts_on_step=1))
    with_note = build_prompt(PromptInput(decision, TurnContent(PROBLEM, PROBLEM, check_note="N."), "3/4", 1))
    without = build_prompt(PromptInput(decision, TurnContent(PROBLEM, PROBLEM), "3/4", 1))
    assert '"answer_checker_note": "N."' in with_note.messages[-1]["content"]
    assert "answer_checker_note" not in without.messages[-1]["content"]


def test_turn_content_stored_before_the_note_existed_still_loads():
    stored = dataclasses.asdict(TurnContent(PROBLEM, PROBLEM, hint="h"))
    del stored["check_note"]
    assert TurnContent(**json.loads(json.dumps(stored))).check_note == ""
    assert dataclasses.asdict(TurnContent(PROBLEM, PROBLEM, check_note="n"))["check_note"] == "n"


def test_a_choice_is_given_away_by_its_text_too():
    spec = AnswerSpec("choice", "a", choices=({"key": "a", "text": "0.5"}, {"key": "b", "text": "0.45"}))
    guard = Guard([spec], allowed_text="Which is larger, 0.5 or 0.45?")
    assert not guard.reply("The larger one is 0.5.").ok
    assert guard.reply("Compare 0.5 and 0.45 digit by digit.").ok
