"""Deterministic answer checking in eight modes. Only check results ever update the tracer, and only
correct / misconception / incorrect are evidence: unreadable, wrong_kind and wrong_form ask the
learner to write the answer again."""

from collections.abc import Sequence

from .answers import NeedsAlgebra, judge, needs_algebra, preview, solve_variable
from .errors import CouldNotRead
from .numbers import read_number
from .parser import parse_equation, parse_expression
from .sandbox import CheckerPool, default_pool
from .spec import (
    ALGEBRAIC_MODES,
    CORRECT,
    INCORRECT,
    MISCONCEPTION,
    MODES,
    UNREADABLE,
    WRONG_FORM,
    WRONG_KIND,
    AnswerSpec,
    CheckResult,
    Judgement,
    Misconception,
    Preview,
)
from .tokens import MAX_INPUT_CHARS, TOO_LONG, normalize

__all__ = [
    "ALGEBRAIC_MODES", "CORRECT", "INCORRECT", "MISCONCEPTION", "MODES", "UNREADABLE", "WRONG_FORM", "WRONG_KIND",
    "AnswerSpec", "CheckResult", "Misconception", "check_answer", "preview_answer", "validate_answer_text",
]


def check_answer(
    spec: AnswerSpec,
    given: str,
    misconceptions: Sequence[Misconception] = (),
    pool: CheckerPool | None = None,
) -> CheckResult:
    """Compare a learner's text with the expected answer; never raises for any learner text."""
    if not isinstance(given, str):
        return CheckResult(UNREADABLE, reason="I couldn't read that answer.")
    if len(given) > MAX_INPUT_CHARS:
        return CheckResult(UNREADABLE, reason=TOO_LONG)
    mistakes = [m.answer for m in misconceptions]
    try:
        judgement = None
        if not needs_algebra(spec, [given, spec.value, *mistakes]):
            try:
                judgement = judge(spec, given, mistakes, algebra=False)
            except NeedsAlgebra:
                judgement = None
        if judgement is None:
            reply = (pool or default_pool()).judge(spec.to_dict(), given, mistakes)
            judgement = Judgement(reply["verdict"], reply["index"], reply["reason"])
    except CouldNotRead as error:
        return CheckResult(UNREADABLE, reason=str(error))
    if judgement.verdict == MISCONCEPTION:
        return CheckResult(MISCONCEPTION, misconception=misconceptions[judgement.index], reason=judgement.reason)
    return CheckResult(judgement.verdict, reason=judgement.reason)


def preview_answer(spec: AnswerSpec, text: str, pool: CheckerPool | None = None) -> Preview:
    """The answer preview: `ok` exactly when check_answer would not say unreadable, MathML of what
    was read (drawn as written: `4x + 3x` stays `4x + 3x`), and the checker's words otherwise."""
    try:
        return preview(spec, text, algebra=False)  # numbers and plain arithmetic: no worker needed
    except NeedsAlgebra:
        pass
    try:
        reply = (pool or default_pool()).preview(spec.to_dict(), text)
    except CouldNotRead as error:
        return Preview(False, message=str(error))
    return Preview(reply["ok"], reply["mathml"], reply["message"])


def validate_answer_text(mode: str, text: str) -> None:
    """Raise CouldNotRead when an author's answer text cannot be read in its mode (used by loaders)."""
    if mode in ("numeric", "fraction", "decimal"):
        read_number(text)
    elif mode == "solve":
        solve_variable(AnswerSpec(mode, text))
    elif mode == "expression":
        parse_expression(text)
    elif mode == "equation":
        parse_equation(text)
    elif mode not in ("exact", "choice"):
        raise CouldNotRead(f"unknown answer mode {mode!r}")
    elif not normalize(text):
        raise CouldNotRead("the answer is empty")
