"""The rule-based scaffolder: renders the policy's decision from the item's own hints and feedback.

Deterministic and always available; the default backend and the fallback for every failure.

Each move has several phrasings. The one used rotates with the number of tutor replies already on
the step (`PromptInput.last_turns`), skipping any phrasing whose text the tutor has already sent
there, so a learner who stays on a step never reads the same reply twice in a row.
"""

import re
from collections.abc import AsyncIterator

from ..answer_text import answer_tex
from ..moves import Evaluation, Intent
from ..prompt import PromptInput, tutor_replies
from .base import GenerationRequest

_LONE_STOP = re.compile(r":?\s+\.(?=\s|$)")  # " ." or ": ." left by an empty field, not " .5"

# The phrasings of each move: templates filled with str.format from the turn's content. A phrasing
# whose fields are empty in this turn is still used; empty parts are dropped by `_sentence`.
FAREWELL = (
    "That's right, well done. You have finished this problem.",
    "Correct, and that completes the problem. Well done.",
    "Yes, that's it: the problem is solved. Nice work.",
)
NEXT_STEP = ("That's right. Next: {next}", "Correct, well done. Next part: {next}", "Yes, that's it. On to the next part: {next}")
CORRECT = ("That's right.", "Correct, well done.", "Yes, that's it.")
# A probing move asks a question (the guard's move check): the step's prompt may be an instruction.
SELF_CORRECTION = (
    "Not quite. {feedback} Can you look again at this step? {step}",
    "Not yet. {feedback} What do you get if you take another look at this step? {step}",
    "Check that again. {feedback} Could you try this step once more? {step}",
)
RECALL_QUESTION = (
    "Let's first remember something you need here: {skill}. Try this one: {question}",
    "Before this step, a quick warm-up on {skill}: {question}",
    "This step uses {skill}, so let's practise that first. {question}",
)
# Without a question to ask: a reminder and a request to try the step again (nothing the learner
# cannot answer). The step's prompt is not restated: its numbers can be the answer (the reciprocal
# of 1/2), which the guard would stop.
RECALL_REMINDER = (
    "Let's first remember something you need here: {skill}. Keep it in mind as you try this step again.",
    "This step builds on {skill}. Think about how that works, then try the step again.",
    "You need {skill} here. Remember what you know about it, then have another go at this step.",
)
EXPLANATION = (
    "Can you explain how you got your answer, one step at a time? That will show us where it goes wrong.",
    "Talk me through your answer: what did you do first, and what came next?",
    "How did you get your answer? Tell me each step you took, and we will find where it slips.",
)
# The last rung again for a learner who has not answered on the step yet: a request to try.
ASK_TO_TRY = (
    "Have a go with this hint: {hint} Write your answer, even if you're not sure; then we can look at it together.",
    "Give it a try first: {hint} Write any answer, even a rough one, so that we can see where you are.",
    "Try an answer for this step, using this: {hint}",
)
HINT = ("Here's a hint: {hint}", "Try this: {hint}", "A hint for this step: {hint}")
# The same known mistake again: the hint, with a word that the tutor noticed.
REPEATED_MISTAKE_HINT = (
    "That's the same slip as before. Here's a hint: {hint}",
    "The same mistake again, so here's some help: {hint}",
    "That slip came up before. Try this: {hint}",
)
REVEAL = (
    "{hint} The answer to this step is {answer}.",
    "{hint} So the answer here is {answer}.",
    "{hint} That gives {answer} as the answer here.",
)
# Working in words: a wrong claim named, and a request to redo that step; or all claims right (said
# without "right" or "correct": the guard's release check reads those as confirming an answer).
WORKING_WRONG_STEP = (
    "{claim} Can you work out that step again, then carry on from there?",
    "Nearly there, but one step slips. {claim} What do you get when you redo that step?",
    "Your method is on its way, but look at one step: {claim} Can you redo it?",
)
WORKING_RIGHT = (
    "Each step of your working checks out. What is your answer?",
    "I checked those steps and found no slip. Now, what answer do they give you?",
    "The working holds up, step by step. What do you get as the answer?",
)
# Off-topic words: a friendly turn back to what is open, restating what it asks (the step's prompt,
# or the problem for its final answer). No hint: the learner has not asked for help.
REDIRECT_STEP = (
    "Let's get back to the problem: {step}",
    "That can wait for later. Back to this step: {step}",
    "Let's keep our minds on the maths for now. {step}",
)
REDIRECT_FINAL = (
    "Let's get back to the problem: {problem} What is your final answer?",
    "That can wait for later. Back to the problem: {problem} What answer do you get?",
    "Let's keep our minds on the maths for now. {problem} What is your answer?",
)
REENTER_PARTIAL_NOTE = ("{note} Can you write it that way?", "{note} Could you write it in that form?",
                        "{note} Please give it again in the form asked.")
REENTER_PARTIAL = (
    "That's equal, but not in the form asked. Can you write it again?",
    "The value matches, but it is not in the form asked. Could you rewrite it in that form?",
    "Same value, but a different form from the one asked. Can you write it that way?",
)
REENTER_NOTE = ("{note} Could you write your answer again?", "{note} Please write your answer once more.",
                "{note} Can you give your answer again?")
REENTER = (
    "I couldn't read that answer. Could you write it again, for example as 3/4, 2.5 or 2x + 1?",
    "I couldn't make out that answer. Please write it again using only numbers, letters and maths symbols.",
    "That answer didn't read as maths to me. Could you write it again, as a number, a fraction or an expression?",
)


def phrasings(data: PromptInput) -> tuple[str, ...]:
    """Every phrasing of the decided move, filled in, in the order the rotation starts from."""
    content, decision = data.content, data.decision
    intent = decision.intent
    fields = {
        "next": content.next_step_prompt, "feedback": content.misconception_feedback, "step": content.step_prompt,
        "hint": content.hint, "answer": answer_tex(content.answer), "question": content.recall_question,
        "skill": _lower_first(decision.recall.name) if decision.recall else "what this step builds on",
        "note": _note(content.check_note), "claim": content.claim_feedback, "problem": content.problem,
    }
    working, redirect = decision.notes.get("working"), decision.notes.get("redirect")
    if redirect:
        templates = REDIRECT_STEP if redirect == "step" else REDIRECT_FINAL
    elif working == "wrong_step" and content.claim_feedback:
        templates = WORKING_WRONG_STEP
    elif working == "right":
        templates = WORKING_RIGHT
    elif intent is Intent.GREETING_FAREWELL:
        templates = FAREWELL
    elif intent is Intent.GUIDING_FOCUS and decision.notes.get("asks_to_try"):
        templates = ASK_TO_TRY
    elif intent is Intent.GUIDING_FOCUS and not content.hint:
        templates = NEXT_STEP if content.next_step_prompt else CORRECT
    elif intent is Intent.GENERAL_INQUIRY:
        partial = decision.evaluation is Evaluation.PARTIALLY_CORRECT
        if fields["note"]:
            templates = REENTER_PARTIAL_NOTE if partial else REENTER_NOTE
        else:
            templates = REENTER_PARTIAL if partial else REENTER
    elif intent is Intent.SEEKING_SELF_CORRECTION:
        templates = SELF_CORRECTION
    elif intent is Intent.RECALL_RELEVANT_INFORMATION:
        templates = RECALL_QUESTION if content.recall_question else RECALL_REMINDER
    elif intent is Intent.ASKING_FOR_EXPLANATION:
        templates = EXPLANATION
    elif intent is Intent.REVEALING_ANSWER:
        templates = REVEAL
    elif intent in (Intent.SEEK_STRATEGY, Intent.GUIDING_FOCUS):
        templates = REPEATED_MISTAKE_HINT if decision.notes.get("same_mistake_before") else HINT
    else:
        raise ValueError(f"the rule backend has no text for {intent}")
    return tuple(_sentence(template.format(**fields)) for template in templates)


def render(request: GenerationRequest) -> str:
    """The move's phrasing for this turn: rotated by the tutor's earlier replies on the step, never
    one of them verbatim while another phrasing is left (and never the latest one)."""
    data = request.data
    options = phrasings(data)
    said = tutor_replies(data)
    start = len(said) % len(options)
    rotated = options[start:] + options[:start]
    fresh = [text for text in rotated if text not in said]
    if fresh:
        return fresh[0]
    return next((text for text in rotated if not said or text != said[-1]), rotated[0])


def _sentence(text: str) -> str:
    """Spaces normalised; what an empty field leaves behind ("Not quite.  Look", "is .", a trailing
    ":") tidied."""
    text = _LONE_STOP.sub(".", " ".join(text.split()))
    return text.rstrip(":").strip()


def _lower_first(name: str) -> str:
    # "Adding fractions" -> "adding fractions"; an acronym ("LCM of two numbers") keeps its capitals.
    return name[:1].lower() + name[1:] if name[1:2].islower() else name


def _note(note: str) -> str:
    """The checker's note as one sentence."""
    note = " ".join(note.split())
    if note and note[-1] not in ".!?":
        note += "."
    return note


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
