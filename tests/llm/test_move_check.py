"""The move check (issue 17, item 4): a reply performs the move decided. A probing move asks the
learner a question; a hint (any move that leaves the step open) never says the step is done or the
answer right. A model reply that fails is replaced by the rule text, before any of it is released."""

import asyncio
import dataclasses

import pytest

from psikt.checking import AnswerSpec
from psikt.llm.backends import GenerationRequest, RuleBackend
from psikt.llm.guard import Guard, asks, ends_step
from psikt.llm.guarded import GuardedReply
from psikt.llm.policy import HINT_REQUEST, INCORRECT, MISCONCEPTION, Policy, TurnState
from psikt.llm.prompt import PromptInput, TurnContent, build_prompt

PROBLEM = TurnContent("Tom has 7 apples and buys 5 more. How many now?", "Add the apples.",
                      hint="Count on from 7.", misconception_feedback="You wrote the digits side by side.")
# The guard the turn builds for a move that leaves the step open (a wrong answer or a hint request).
OPEN = Guard([AnswerSpec("numeric", "12")], allowed_text=PROBLEM.problem, confirms_allowed=False)


def test_a_probing_move_asks_a_question_not_an_instruction():
    probing = dataclasses.replace(OPEN, asks=True)
    assert probing.reply("Look again at the step. Count the apples Tom buys.").reason == "move"
    assert probing.reply("Good effort. How many did Tom buy?").ok
    assert probing.reply("Can you tell me how you got your answer.").ok  # a question without its mark
    assert OPEN.reply("Count the apples Tom buys.").ok  # a hint may be a statement


@pytest.mark.parametrize("sentence", [
    "That's right!", "Well done.", "You've solved this step.", "You have finished the problem.",
    "This step is done.", "You're done here.", "Now move on to the next step.", "On to the next part.",
])
def test_a_hint_never_ends_the_step_even_without_an_answer(sentence):
    """A hint request has no learner answer: the old release check was off there."""
    assert OPEN.sentence(sentence).reason in ("confirm", "ends_step")
    assert not OPEN.performs_move(f"Count on from 7. {sentence}")


@pytest.mark.parametrize("sentence", [
    "You haven't finished yet.", "Is this step done?", "Count on from 7 to finish the step.",
    "Right, let's look again.", "You are not done yet.",
])
def test_a_hint_may_talk_about_finishing(sentence):
    assert OPEN.sentence(sentence).ok and OPEN.performs_move(sentence)


def test_a_reveal_or_a_confirmation_may_end_the_step():
    assert dataclasses.replace(OPEN, reveal=True).sentence("The answer is 12, so you've finished this step.").ok
    assert dataclasses.replace(OPEN, confirms_allowed=True).sentence("That's right, on to the next step.").ok
    assert ends_step("On to the next step.") and not ends_step("You haven't finished.")
    assert asks("What do you get?") and not asks("Write what you get.")


class _Model:
    name, model = "openai", "scripted"

    def __init__(self, *replies):
        self.replies, self.prompts = list(replies), []

    async def stream(self, request):
        self.prompts.append(request.prompt)
        for word in self.replies.pop(0).split(" "):
            yield word + " "


def _reply(state: TurnState, model: _Model) -> tuple[GuardedReply, list[str], str]:
    decision = Policy().decide(state)
    data = PromptInput(decision, PROBLEM, "75", state.attempts_on_step)
    request = GenerationRequest(build_prompt(data), data)
    guard = dataclasses.replace(OPEN, learner_answer="75", asks=decision.must_ask)
    reply = GuardedReply(model, request, guard)

    async def run():
        return [delta async for delta in reply.deltas()]

    return reply, asyncio.run(run()), asyncio.run(RuleBackend().complete(request))


def test_a_probing_reply_that_asks_nothing_is_replaced_by_the_rule_text_and_never_released():
    model = _Model("You wrote the digits side by side. Add them instead.")
    reply, deltas, rule_text = _reply(TurnState(MISCONCEPTION, attempts_on_step=1), model)
    assert "".join(deltas).strip() == reply.text == rule_text and "?" in rule_text
    assert "digits side by side. Add" not in "".join(deltas)
    assert reply.fell_back and not reply.regenerated and len(model.prompts) == 1
    assert {"attempt": "first", "ok": False, "reason": "move"} in reply.verdicts


def test_a_probing_reply_is_released_once_it_asks():
    reply, deltas, _ = _reply(TurnState(INCORRECT, hint_level=2, attempts_on_step=1),  # asking_for_explanation
                              _Model("Good effort. How did you get 75?"))
    assert "".join(deltas).strip() == reply.text == "Good effort. How did you get 75?" and not reply.fell_back


def test_a_hint_that_ends_the_step_is_replaced_by_the_rule_text():
    reply, deltas, rule_text = _reply(TurnState(HINT_REQUEST), _Model("Count on from 7. You've solved this step."))
    # The first sentence passed and was released; the one that ends the step never is.
    assert reply.text == f"Count on from 7. {rule_text}" and "solved" not in "".join(deltas)
    assert reply.fell_back and not reply.regenerated
    assert {"attempt": "first", "ok": False, "reason": "ends_step"} in reply.verdicts
