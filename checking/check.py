"""Deterministic answer checking in six modes. Only check results ever update the tracer."""

from collections.abc import Sequence
from dataclasses import dataclass

from .errors import CouldNotRead
from .numbers import read_number
from .parser import parse_equation, parse_expression
from .sandbox import CheckerPool, default_pool
from .tokens import MAX_INPUT_CHARS, normalize

MODES = ("exact", "numeric", "fraction", "expression", "equation", "choice")
ALGEBRAIC_MODES = ("expression", "equation")

CORRECT = "correct"
MISCONCEPTION = "misconception"
INCORRECT = "incorrect"
UNREADABLE = "unreadable"


@dataclass(frozen=True)
class AnswerSpec:
    mode: str
    value: str
    tolerance: float = 1e-9
    simplified: bool = False
    choices: tuple[str, ...] = ()  # keys, for choice mode


@dataclass(frozen=True)
class Misconception:
    answer: str
    label: str
    feedback: str


@dataclass(frozen=True)
class CheckResult:
    verdict: str  # correct | misconception | incorrect | unreadable
    misconception: Misconception | None = None
    reason: str = ""  # why unreadable, or a note on an incorrect answer; safe to show

    @property
    def correct(self) -> bool:
        return self.verdict == CORRECT


@dataclass
class _Comparison:
    """Checks one learner answer against the expected value and the known wrong answers."""

    spec: AnswerSpec
    pool: CheckerPool

    def first_match(self, given: str, candidates: list[str]) -> int:
        if self.spec.mode in ALGEBRAIC_MODES:
            return self.pool.first_match(self.spec.mode, given, candidates)
        for index, candidate in enumerate(candidates):
            if self.equal(given, candidate):
                return index
        return -1

    def equal(self, given: str, expected: str) -> bool:
        mode = self.spec.mode
        if mode in ("exact", "choice"):
            return _plain(given) == _plain(expected)
        if mode == "numeric":
            return abs(read_number(given).value - read_number(expected).value) <= self.spec.tolerance
        if mode == "fraction":
            return read_number(given).value == read_number(expected).value
        raise ValueError(f"unknown answer mode {mode!r}")


def _plain(text: str) -> str:
    return " ".join(normalize(text).casefold().split())


def check_answer(
    spec: AnswerSpec,
    given: str,
    misconceptions: Sequence[Misconception] = (),
    pool: CheckerPool | None = None,
) -> CheckResult:
    """Compare a learner's text with the expected answer; never raises for any learner text."""
    if not isinstance(given, str) or len(given) > MAX_INPUT_CHARS:
        return CheckResult(UNREADABLE, reason="that answer is too long")
    comparison = _Comparison(spec, pool or default_pool())
    try:
        if spec.mode == "choice" and _plain(given) not in {_plain(key) for key in spec.choices}:
            raise CouldNotRead("pick one of the choices")
        if comparison.first_match(given, [spec.value]) == 0:
            if spec.mode == "fraction" and spec.simplified and not read_number(given).lowest_terms:
                return _not_simplified(comparison, given, misconceptions)
            return CheckResult(CORRECT)
        return _known_mistake(comparison, given, misconceptions)
    except CouldNotRead as error:
        return CheckResult(UNREADABLE, reason=str(error))


def _not_simplified(comparison: _Comparison, given: str, misconceptions: Sequence[Misconception]) -> CheckResult:
    result = _known_mistake(comparison, given, misconceptions)
    if result.verdict == MISCONCEPTION:
        return result
    return CheckResult(INCORRECT, reason="that is equal in value; write it as a fraction in lowest terms")


def _known_mistake(comparison: _Comparison, given: str, misconceptions: Sequence[Misconception]) -> CheckResult:
    if misconceptions:
        index = comparison.first_match(given, [m.answer for m in misconceptions])
        if index >= 0:
            return CheckResult(MISCONCEPTION, misconception=misconceptions[index])
    return CheckResult(INCORRECT)


def validate_answer_text(mode: str, text: str) -> None:
    """Raise CouldNotRead when an author's answer text cannot be read in its mode (used by loaders)."""
    if mode == "numeric" or mode == "fraction":
        read_number(text)
    elif mode == "expression":
        parse_expression(text)
    elif mode == "equation":
        parse_equation(text)
    elif mode not in ("exact", "choice"):
        raise CouldNotRead(f"unknown answer mode {mode!r}")
    elif not normalize(text):
        raise CouldNotRead("the answer is empty")
