"""Scripted learner types for the dialogue benchmark (`python manage.py bench_dialogues`).

Each type is a rule for what a learner sends next on one step, given the step's answers and the
tutor's replies so far on it: an answer (text typed in the answer box) or a request for help (answer
None, with the words sent with it). They read only plain data, and their random choices (which slip,
which numbers in their working, which chatter) come from the generator they are handed, so a run
with one seed is one set of dialogues.
"""

import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

from psikt.checking import CORRECT, INCORRECT, AnswerSpec, check_answer
from psikt.llm.numbers import value_of

HELP = "Can I have a hint?"
STUCK = "I don't get it"
CHATTER = (
    "My cat keeps sitting on my homework lol",
    "We had pizza at lunch today",
    "The football match last night was amazing",
)
_LAST_INTEGER = re.compile(r"(\d+)(?!.*\d)")


@dataclass(frozen=True)
class StepAnswers:
    """What a scripted learner can give on one step (or the final answer)."""

    right: str  # an answer the checker marks correct
    slip: str  # a wrong answer that is no known misconception
    misconception: str  # the step's first known misconception ("" when it has none)


@dataclass(frozen=True)
class Reply:
    """One tutor reply on the step, as the learner reads it."""

    intent: str
    hint_level: int
    told: bool  # the reply revealed the answer


Action = tuple[str | None, str]  # (answer, message); answer None is a request for help


def step_answers(spec: AnswerSpec, mistakes: list, rng: random.Random) -> StepAnswers:
    """The right answer as the pack writes it, a slip near it, and the first known misconception."""
    if check_answer(spec, spec.value).verdict != CORRECT:
        raise ValueError(f"the checker does not accept the pack's own answer {spec.value!r}")
    return StepAnswers(spec.value, _slip(spec, mistakes, rng), mistakes[0].answer if mistakes else "")


def _slip(spec: AnswerSpec, mistakes: list, rng: random.Random) -> str:
    """A wrong answer close to the right one: another choice (a known mistake only where every wrong
    choice is one), or the value (or the last number in an expression) off by a little, which the
    checker must find wrong and no known misconception."""
    if spec.mode == "choice":
        known = {mistake.answer for mistake in mistakes}
        wrong = [key for key in spec.keys if key != spec.value]
        return rng.choice([key for key in wrong if key not in known] or wrong)
    steps = rng.sample((1, -1, 2, 10), 4)
    value = value_of(spec.value)
    if value is not None and spec.mode in ("numeric", "decimal", "fraction"):
        candidates = [_written_like(spec.value, value + step) for step in steps]
    else:
        candidates = [_LAST_INTEGER.sub(lambda m, s=step: str(int(m.group(1)) + abs(s)), spec.value) for step in steps]
    for candidate in candidates:
        if check_answer(spec, candidate, mistakes).verdict == INCORRECT:
            return candidate
    return "987654"  # no near miss: a plainly wrong number


def _written_like(right: str, value: Fraction) -> str:
    if "/" in right and value.denominator != 1:
        return f"{value.numerator}/{value.denominator}"
    return str(float(value)).removesuffix(".0") if "." in right or value.denominator != 1 else str(value.numerator)


def _told(replies: list[Reply]) -> bool:
    return any(reply.told for reply in replies)


def right_first_time(answers: StepAnswers, replies: list[Reply], rng: random.Random) -> Action:
    return answers.right, ""


def careless_slip(answers: StepAnswers, replies: list[Reply], rng: random.Random) -> Action:
    """A slip, then the right answer once the tutor has replied."""
    return (answers.slip if not replies else answers.right), ""


def misconception(answers: StepAnswers, replies: list[Reply], rng: random.Random) -> Action:
    """The step's known misconception (a plain wrong answer where it has none), again and again, until
    the tutor tells the answer."""
    if _told(replies):
        return answers.right, ""
    return answers.misconception or answers.slip, ""


def hint_seeker(answers: StepAnswers, replies: list[Reply], rng: random.Random) -> Action:
    """Asks for hints until told; when the ladder stops climbing (the tutor repeats the last hint and
    asks for an attempt), a wrong guess, then more requests."""
    if _told(replies):
        return answers.right, ""
    asked_to_try = (len(replies) >= 2 and replies[-1].intent == "guiding_student_focus"
                    and replies[-1].hint_level == replies[-2].hint_level)
    return (answers.slip, "") if asked_to_try else (None, HELP)


def wrong_working(answers: StepAnswers, replies: list[Reply], rng: random.Random) -> Action:
    """Working with a wrong second step ("4 + 5 = 9, then 9 + 3 = 13"), then the right answer."""
    if replies:
        return answers.right, ""
    a, b, c = rng.randint(2, 12), rng.randint(2, 12), rng.randint(2, 9)
    return f"First {a} + {b} = {a + b}, then {a + b} + {c} = {a + b + c + 1}, so I got {a + b + c + 1}.", ""


def dont_get_it(answers: StepAnswers, replies: list[Reply], rng: random.Random) -> Action:
    """Says "I don't get it" twice, then answers right."""
    return (STUCK, "") if len(replies) < 2 else (answers.right, "")


def off_topic(answers: StepAnswers, replies: list[Reply], rng: random.Random) -> Action:
    """Chatter first, then the right answer."""
    return (rng.choice(CHATTER) if not replies else answers.right), ""


LEARNER_TYPES: dict[str, Callable[[StepAnswers, list[Reply], random.Random], Action]] = {
    "right_first_time": right_first_time,
    "careless_slip": careless_slip,
    "misconception": misconception,
    "hint_seeker": hint_seeker,
    "wrong_working": wrong_working,
    "dont_get_it": dont_get_it,
    "off_topic": off_topic,
}
