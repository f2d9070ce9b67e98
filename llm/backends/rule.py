"""The rule-based scaffolder: renders the policy's decision from the item's own hints and feedback.

Deterministic and always available; the default backend and the fallback for every failure."""

from collections.abc import AsyncIterator

from ..moves import Evaluation, Intent
from .base import GenerationRequest


def render(request: GenerationRequest) -> str:
    data = request.data
    content = data.content
    intent = data.decision.intent
    if intent is Intent.GREETING_FAREWELL:
        return "That's right, well done. You have finished this problem."
    if intent is Intent.GUIDING_FOCUS and not content.hint:
        return f"That's right. Next: {content.next_step_prompt}" if content.next_step_prompt else "That's right."
    if intent is Intent.GENERAL_INQUIRY:
        return _reenter(data.decision.evaluation, content.check_note)
    if intent is Intent.SEEKING_SELF_CORRECTION:
        return f"Not quite. {content.misconception_feedback} Look again at this step: {content.step_prompt}"
    if intent is Intent.RECALL_RELEVANT_INFORMATION:
        return f"Let's first remember something you need here. {content.recall_prompt}"
    if intent is Intent.ASKING_FOR_EXPLANATION:
        return "Can you explain how you got your answer, one step at a time? That will show us where it goes wrong."
    if intent is Intent.REVEALING_ANSWER:
        return f"{content.hint} The answer to this step is {content.answer}."
    if intent in (Intent.SEEK_STRATEGY, Intent.GUIDING_FOCUS):
        return f"Here's a hint: {content.hint}"
    raise ValueError(f"the rule backend has no text for {intent}")


def _reenter(evaluation: Evaluation, note: str) -> str:
    """The checker's note (unreadable, wrong kind, wrong form) and a request to write it again."""
    note = " ".join(note.split())
    if note and note[-1] not in ".!?":
        note += "."
    if evaluation is Evaluation.PARTIALLY_CORRECT:
        return f"{note} Can you write it that way?" if note else "That's equal, but not in the form asked. Can you write it again?"
    if note:
        return f"{note} Could you write your answer again?"
    return "I couldn't read that answer. Could you write it again, for example as 3/4, 2.5 or 2x + 1?"


class RuleBackend:
    name = "rule"
    model = "rule-v1"

    async def stream(self, request: GenerationRequest) -> AsyncIterator[str]:
        # Word by word, so the browser shows rule replies through the same streaming path as a model's.
        words = render(request).split(" ")
        for index, word in enumerate(words):
            yield word if index == len(words) - 1 else word + " "

    async def complete(self, request: GenerationRequest) -> str:
        return render(request)

    async def health(self) -> bool:
        return True
