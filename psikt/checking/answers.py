"""What an answer says and how it compares: the verdict logic of every mode, on plain data.

`judge` and `preview` run in the parent process only while every text involved is a plain number
(or `x = <plain number>`): those are read from tokens with fractions, never by sympy. Everything
else runs inside the sandboxed worker (`algebra=True`), where sympy may take its time.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from html import escape

from .errors import CouldNotRead
from .numbers import DECIMAL, FRACTION, MIXED, ReadNumber, plain_number
from .spec import (
    CORRECT,
    INCORRECT,
    MISCONCEPTION,
    NUMBER_MODES,
    UNREADABLE,
    WRONG_FORM,
    WRONG_KIND,
    AnswerSpec,
    Judgement,
    Preview,
)
from .tokens import EMPTY, MAX_INPUT_CHARS, TOO_LONG, Token, normalize, tokenize

NUMBER, EXPRESSION, EQUATION = "number", "expression", "equation"

NOT_A_CHOICE = "That is not one of the choices; pick one of them."
WORK_IT_OUT = "That's equal, but work it out to a single number."
AS_DECIMAL = "That's equal, but write it as a decimal."
AS_FRACTION = "That's equal, but write it as a fraction."
LOWEST_TERMS = "That's equal, but write the fraction in lowest terms."
WHOLE_NUMBER = "That's equal, but work it out to a whole number."
SIMPLIFY_FURTHER = "That's equal, but simplify it further: combine like terms and work out the numbers."
SIMPLIFY_EQUATION = "That equation is equivalent, but simplify it: combine like terms and work out the numbers on each side."
EXPAND = "That's equal, but multiply out the brackets."
CLEAR_FRACTIONS = "That's equal, but clear the fractions."
ALGEBRA_MODES = ("expression", "equation")


class NeedsAlgebra(Exception):
    """The text is not a plain number: reading it needs sympy, so it must go to the worker."""


@dataclass
class Reading:
    """One text as read: its kind, the plain number it is (if written as one), `x = <number>` if
    written so, and (for anything else) the parsed trees and their sympy values."""

    kind: str  # number | expression | equation
    number: ReadNumber | None = None  # written as a plain number (or the number side of x = n)
    variable: str = ""  # the letter of x = n / n = x
    trees: tuple = ()
    values: tuple = ()  # sympy: (value,) or (left, right)
    exact: Fraction | None = None  # the value of plain arithmetic (12 + 5, 3/(-4)), read without sympy

    @property
    def letters(self) -> set[str]:
        if self.variable:
            return {self.variable}
        found: set[str] = set()
        for value in self.values:
            found |= {str(s) for s in value.free_symbols}
        return found


def _arithmetic_only(tokens: list[Token]) -> bool:
    """Numbers, + - * / and brackets only: exact with fractions, no sympy needed."""
    return all(t.kind == "number" or (t.kind == "op" and t.text != "^") for t in tokens)


def _plain_reading(tokens: list[Token]) -> Reading | None:
    if (number := plain_number(tokens)) is not None:
        return Reading(NUMBER, number=number)
    splits = [i for i, t in enumerate(tokens) if t.kind == "op" and t.text == "="]
    if len(splits) == 1:
        left, right = tokens[: splits[0]], tokens[splits[0] + 1 :]
        for side, other in ((left, right), (right, left)):
            if len(side) == 1 and side[0].kind == "var" and (number := plain_number(other)) is not None:
                return Reading(EQUATION, number=number, variable=side[0].text)
    return None


def read(text: str, algebra: bool) -> Reading:
    """Read a text; raises CouldNotRead (the learner is told why), or NeedsAlgebra without `algebra`."""
    if len(text) > MAX_INPUT_CHARS:
        raise CouldNotRead(TOO_LONG)
    tokens = tokenize(text)
    if (reading := _plain_reading(tokens)) is not None:
        return reading
    from .parser import _finite, evaluate, evaluate_fraction, parse_tree

    if _arithmetic_only(tokens):
        trees = parse_tree(text)
        if len(trees) == 1:
            return Reading(NUMBER, trees=trees, exact=evaluate_fraction(trees[0]))
    if not algebra:
        raise NeedsAlgebra

    trees = parse_tree(text)
    values = tuple(_finite(evaluate(tree)) for tree in trees)
    if len(trees) == 2:
        return Reading(EQUATION, trees=trees, values=values)
    return Reading(NUMBER if not values[0].free_symbols else EXPRESSION, trees=trees, values=values)


@lru_cache(maxsize=4096)
def _read_authored(text: str, algebra: bool) -> Reading:
    """An expected answer or known mistake: the same few texts are read again and again."""
    return read(text, algebra)


# ---- the kind of answer a step asks for -----------------------------------------------------------


def solve_variable(spec: AnswerSpec) -> str:
    """The letter a solve answer is for: its value is written `x = 3`."""
    reading = _plain_reading(tokenize(spec.value))
    if reading is None or not reading.variable:
        raise CouldNotRead("a solve answer is written as the solution, such as 'x = 3'")
    return reading.variable


def kind_problem(spec: AnswerSpec, reading: Reading) -> str:
    """The learner's sentence when a readable answer is not the kind the step asks for ('' when it is)."""
    mode, kind = spec.mode, reading.kind
    if mode in NUMBER_MODES:
        if kind == EXPRESSION:
            return "That is an expression; this step asks for a number."
        if kind == EQUATION:
            return "That is an equation; this step asks for just a number."
    elif mode == "solve":
        variable = solve_variable(spec)
        if kind == EXPRESSION:
            return f"That is an expression; this step asks for the value of {variable}."
        if kind == EQUATION and reading.letters != {variable}:
            others = sorted(reading.letters - {variable})
            if others:
                return f"That is an equation in {', '.join(others)}; this step asks for the value of {variable}."
            return f"That equation has no {variable}; this step asks for the value of {variable}."
    elif mode == "expression":
        if kind == EQUATION:
            return "That is an equation; this step asks for an expression (without '=')."
    elif mode == "equation":
        if kind == NUMBER:
            return "That is a number; this step asks for an equation (with '=')."
        if kind == EXPRESSION:
            return "That is an expression; this step asks for an equation (with '=')."
    return ""


# ---- comparing values -------------------------------------------------------------------------------


def _sympy_value(reading: Reading):
    import sympy

    exact = _exact(reading)
    if exact is not None:
        return sympy.Rational(exact.numerator, exact.denominator)
    return reading.values[0]


def _exact(reading: Reading) -> Fraction | None:
    return reading.number.value if reading.number is not None else reading.exact


def _numbers_equal(given: Reading, expected: Reading, tolerance: float | None) -> bool:
    """Equal numbers: exactly, or within `tolerance` (numeric and decimal modes)."""
    if _exact(given) is not None and _exact(expected) is not None:
        difference = abs(_exact(given) - _exact(expected))
        return difference == 0 if tolerance is None else difference <= Fraction(tolerance)
    import sympy

    difference = sympy.simplify(_sympy_value(given) - _sympy_value(expected))
    if difference.is_Rational:
        return difference == 0 if tolerance is None else abs(difference) <= sympy.Rational(tolerance)
    if tolerance is None or not difference.is_real:
        return False
    return bool(abs(difference.evalf(30)) <= tolerance)


def _solution(spec: AnswerSpec, reading: Reading) -> Reading | None:
    """A solve answer as the number it gives x: `3`, `x = 3`, `3 = x`, `x = 6/2` (None: not isolated)."""
    if reading.kind == NUMBER:
        return reading
    if reading.number is not None:  # x = <plain number>
        return Reading(NUMBER, number=reading.number)
    if not reading.values:
        return None
    import sympy

    symbol = sympy.Symbol(solve_variable(spec))
    left, right = reading.values
    for side, other, tree in ((left, right, reading.trees[1]), (right, left, reading.trees[0])):
        if side == symbol and not other.free_symbols:
            return Reading(NUMBER, trees=(tree,), values=(other,))
    return None


def _unsolved_but_true(spec: AnswerSpec, reading: Reading, expected: Reading) -> bool:
    """`2x = 6` for x = 3: true, and its only solution, but not yet solved."""
    import sympy

    symbol = sympy.Symbol(solve_variable(spec))
    left, right = reading.values
    try:
        solutions = sympy.solve(left - right, symbol, dict=False)
    except (NotImplementedError, ValueError, TypeError):
        return False  # not an equation sympy can solve: just not the solution (incorrect)
    return solutions == [_sympy_value(expected)]


def _equal(spec: AnswerSpec, given: Reading, expected: Reading) -> bool:
    mode = spec.mode
    if mode in ("numeric", "decimal"):
        return _numbers_equal(given, expected, spec.tolerance)
    if mode in ("fraction", "solve"):
        return _numbers_equal(given, expected, None)
    from .equivalence import is_zero, proportional

    if mode == "expression":
        return is_zero(_sympy_value(given) - _sympy_value(expected))
    if mode == "equation":
        return proportional(_sides_difference(given), _sides_difference(expected))
    raise ValueError(f"unknown answer mode {mode!r}")


def _sides_difference(reading: Reading):
    if reading.number is not None:  # x = <plain number>
        import sympy

        return sympy.Symbol(reading.variable) - _sympy_value(Reading(NUMBER, number=reading.number))
    return reading.values[0] - reading.values[1]


# ---- form requirements ------------------------------------------------------------------------------


def _number_form_problem(spec: AnswerSpec, given: Reading) -> str:
    number = given.number
    if number is None:
        return WORK_IT_OUT
    if spec.mode == "decimal" and number.written in (FRACTION, MIXED):
        return AS_DECIMAL
    if spec.mode == "fraction" and spec.simplified:
        if number.written == DECIMAL:
            return AS_FRACTION
        if not number.lowest_terms:
            return LOWEST_TERMS
    if (spec.mode == "solve" or (spec.mode == "numeric" and spec.simplified)) and (
            number.written in (FRACTION, MIXED) and not number.lowest_terms):
        return WHOLE_NUMBER if number.value.denominator == 1 else LOWEST_TERMS
    return ""


@dataclass(frozen=True)
class _Shape:
    terms: int  # terms of the top-level sums, both sides of an equation together
    leaves: int  # numbers, letters and constants
    structures: frozenset  # "brackets" and "fractions" still in it


@lru_cache(maxsize=4096)
def _shape(text: str) -> _Shape:
    from .parser import leaves, parse_tree, structures, terms

    trees = parse_tree(text)
    found: set[str] = set()
    for tree in trees:
        found |= structures(tree)
    return _Shape(sum(terms(t) for t in trees), sum(leaves(t) for t in trees), frozenset(found))


def _canonical_text(reading: Reading) -> str:
    import sympy

    if reading.kind == EQUATION and reading.values:
        return f"{sympy.sstr(reading.values[0])} = {sympy.sstr(reading.values[1])}"
    if reading.kind == EQUATION:
        return f"{reading.variable} = {reading.number.value}"
    return sympy.sstr(_sympy_value(reading))


def _algebra_form_problem(spec: AnswerSpec, given_text: str, expected: Reading) -> str:
    """Simplified (expression and equation modes): no brackets or fractions left that the expected
    answer does not have, and no more terms, numbers and letters than it needs. `4x + 3x`,
    `x + 6x`, `x + x + 6` are not simplified for 7x / 2x + 6, nor `3(x + 2) = x + 14` for
    3x + 6 = x + 14; `2x + 6` and `6 + 2x` are. The expected answer counts as the author wrote it
    or as sympy writes it, whichever allows more."""
    if not spec.simplified:
        return ""
    authored, canonical = _shape(spec.value), _shape(_canonical_text(expected))
    given = _shape(given_text)
    left = given.structures - authored.structures - canonical.structures
    if "brackets" in left:
        return EXPAND
    if "fractions" in left:
        return CLEAR_FRACTIONS
    if given.terms > max(authored.terms, canonical.terms) or given.leaves > max(authored.leaves, canonical.leaves):
        return SIMPLIFY_EQUATION if spec.mode == "equation" else SIMPLIFY_FURTHER
    return ""


# ---- verdicts -----------------------------------------------------------------------------------------


def _plain(text: str) -> str:
    return " ".join(normalize(text).casefold().split())


_TEX = [
    (re.compile(r"\\[dt]?frac\{([^{}]*)\}\{([^{}]*)\}"), r"\1/\2"),
    (re.compile(r"\\(?:times|cdot)\b"), "*"),
    (re.compile(r"\\div\b"), "/"),
    (re.compile(r"\\(?:left|right)\b|\\[,;!]|(?<!\\)\$"), " "),
    (re.compile(r"\\\$"), "$"),
    (re.compile(r"[{}]"), ""),
]


def tex_plain(text: str) -> str:
    """A choice text as a learner would type it: `$\\frac{3}{4}$` is 3/4, `$-8$` is -8."""
    for pattern, replacement in _TEX:
        text = pattern.sub(replacement, text)
    return " ".join(text.split())


def _squeezed(text: str) -> str:
    return "".join(normalize(text).casefold().split())


def choice_key(spec: AnswerSpec, text: str) -> str | None:
    """The key the learner chose: typed as the key, or as the choice's text (spaces aside, a number
    by its value: 0.50 is the choice 0.5, 3/4 the choice $\\frac{3}{4}$)."""
    typed = _plain(text)
    for key, _ in spec.choices:
        if typed == _plain(key):
            return key
    squeezed = _squeezed(text)
    for key, label in spec.choices:
        if label and squeezed in (_squeezed(label), _squeezed(tex_plain(label))):
            return key
    number = _plain_number_of(text)
    if number is not None:
        for key, label in spec.choices:
            if label and _plain_number_of(tex_plain(label)) == number:
                return key
    return None


def _plain_number_of(text: str) -> Fraction | None:
    try:
        found = plain_number(tokenize(text))
    except CouldNotRead:
        return None
    return found.value if found is not None else None


def _first_matching(spec: AnswerSpec, given, mistakes: Sequence[str], algebra: bool) -> int:
    for index, mistake in enumerate(mistakes):
        if spec.mode == "exact":
            if _plain(given) == _plain(mistake):
                return index
            continue
        if spec.mode == "choice":
            if given == choice_key(spec, mistake):
                return index
            continue
        try:
            reading = _read_authored(mistake, algebra)
        except CouldNotRead:
            continue
        if spec.mode == "solve":
            reading = _solution(spec, reading)
            if reading is None:
                continue
        elif kind_problem(spec, reading):
            continue
        if _equal(spec, given, reading):
            return index
    return -1


def _wrong(spec: AnswerSpec, given, mistakes: Sequence[str], algebra: bool, verdict: str, reason: str) -> Judgement:
    """A wrong value, or an equal value in the wrong form: a known misconception's feedback wins."""
    index = _first_matching(spec, given, mistakes, algebra)
    if index >= 0:
        return Judgement(MISCONCEPTION, index)
    return Judgement(verdict, reason=reason)


def judge(spec: AnswerSpec, given: str, mistakes: Sequence[str] = (), algebra: bool = True) -> Judgement:
    """The verdict on one answer. Raises NeedsAlgebra (without `algebra`) when sympy is needed."""
    if not isinstance(given, str):
        return Judgement(UNREADABLE, reason="I couldn't read that answer.")
    if len(given) > MAX_INPUT_CHARS:
        return Judgement(UNREADABLE, reason=TOO_LONG)
    if spec.mode in ALGEBRA_MODES and not algebra:
        raise NeedsAlgebra
    if spec.mode in ("exact", "choice"):
        if not normalize(given):
            return Judgement(UNREADABLE, reason=EMPTY)
        if spec.mode == "exact":
            if _plain(given) == _plain(spec.value):
                return Judgement(CORRECT)
            return _wrong(spec, given, mistakes, algebra, INCORRECT, "")
        key = choice_key(spec, given)
        if key is None:
            return Judgement(WRONG_KIND, reason=NOT_A_CHOICE)
        if key == spec.value:
            return Judgement(CORRECT)
        return _wrong(spec, key, mistakes, algebra, INCORRECT, "")
    try:
        reading = read(given, algebra)
    except CouldNotRead as error:
        return Judgement(UNREADABLE, reason=str(error))
    if problem := kind_problem(spec, reading):
        return Judgement(WRONG_KIND, reason=problem)
    expected = _read_authored(spec.value, algebra)
    if spec.mode == "solve":
        expected = _solution(spec, expected)
        solution = _solution(spec, reading)
        if solution is None:
            if _unsolved_but_true(spec, reading, expected):
                variable = solve_variable(spec)
                return _wrong(spec, reading, (), algebra, WRONG_FORM,
                              f"That's true, but finish solving: write {variable} = a number.")
            return Judgement(INCORRECT)
        reading = solution
    if not _equal(spec, reading, expected):
        return _wrong(spec, reading, mistakes, algebra, INCORRECT, "")
    if spec.mode in ALGEBRA_MODES:
        problem = _algebra_form_problem(spec, given, expected)
    else:
        problem = _number_form_problem(spec, reading)
    if problem:
        return _wrong(spec, reading, mistakes, algebra, WRONG_FORM, problem)
    return Judgement(CORRECT)


def needs_algebra(spec: AnswerSpec, texts: Sequence[str]) -> bool:
    """Whether judging these texts needs the worker (anything that is not a plain number)."""
    if spec.mode in ("exact", "choice"):
        return False
    if spec.mode in ALGEBRA_MODES:
        return True
    for text in texts:
        if not isinstance(text, str) or len(text) > MAX_INPUT_CHARS:
            continue
        try:
            tokens = tokenize(text)
        except CouldNotRead:
            continue
        if _plain_reading(tokens) is None and not _arithmetic_only(tokens):
            return True
    return False


# ---- the preview ------------------------------------------------------------------------------------


def _mtext(text: str) -> str:
    from .parser import math_element

    return math_element(f"<mtext>{escape(' '.join(normalize(text).split()))}</mtext>")


def _choice_mathml(label: str) -> str:
    """A choice drawn as math when it reads as math (3/4, y = 3x - 1), else as text."""
    from .parser import math_element, mathml_of, parse_tree

    try:
        trees = parse_tree(label)  # the tree only: no sympy, no evaluation
    except CouldNotRead:
        return _mtext(label)
    if len(trees) == 1:
        return math_element(mathml_of(trees[0]))
    return math_element(f"<mrow>{mathml_of(trees[0])}<mo>=</mo>{mathml_of(trees[1])}</mrow>")


def preview(spec: AnswerSpec, text: str, algebra: bool = True) -> Preview:
    """What the checker reads in `text` for this answer: MathML of it, or the checker's own words
    on why it cannot be read (or is not the kind of answer the step asks for). Without `algebra`,
    raises NeedsAlgebra for anything but numbers and plain arithmetic (x = 3 included)."""
    from .parser import math_element, mathml_of, parse_tree

    if not isinstance(text, str):
        return Preview(False, message="I couldn't read that answer.")
    if len(text) > MAX_INPUT_CHARS:
        return Preview(False, message=TOO_LONG)
    if not normalize(text):
        return Preview(False, message=EMPTY)
    if spec.mode == "exact":
        return Preview(True, _mtext(text))
    if spec.mode == "choice":
        key = choice_key(spec, text)
        if key is None:
            return Preview(True, _mtext(text), NOT_A_CHOICE)
        label = tex_plain(dict(spec.choices).get(key) or key)
        return Preview(True, _choice_mathml(label))
    try:
        reading = read(text, algebra)
        trees = reading.trees or parse_tree(text)
    except CouldNotRead as error:
        return Preview(False, message=str(error))
    inner = mathml_of(trees[0]) if len(trees) == 1 else (
        f"<mrow>{mathml_of(trees[0])}<mo>=</mo>{mathml_of(trees[1])}</mrow>"
    )
    return Preview(True, math_element(inner), kind_problem(spec, reading))

