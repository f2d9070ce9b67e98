"""Plain numbers (integers, decimals, fractions, mixed numbers) read exactly, without sympy or a
subprocess. They are read from the same tokens as everything else, so a plain number is always
also readable by the parser, with the same value (one grammar)."""

from dataclasses import dataclass
from fractions import Fraction

from .errors import CouldNotRead
from .tokens import Token, tokenize

INTEGER, DECIMAL, FRACTION, MIXED = "integer", "decimal", "fraction", "mixed"
NOT_A_NUMBER = "I expected a number such as 3, -2.5, 7/4 or 1 3/4."


@dataclass(frozen=True)
class ReadNumber:
    value: Fraction
    lowest_terms: bool  # written as an integer, or a fraction / mixed number that cannot be reduced
    written: str = INTEGER  # integer | decimal | fraction | mixed


def _is_op(token: Token, *ops: str) -> bool:
    return token.kind == "op" and token.text in ops


def _integer(token: Token) -> bool:
    return token.kind == "number" and "." not in token.text


def plain_number(tokens: list[Token]) -> ReadNumber | None:
    """The number when the tokens are exactly a signed integer, decimal, fraction or mixed number,
    bracketed or not: (-3), -(3) and (3/5) are numbers as written, as learners bracket negatives."""
    sign = 1
    tokens = _unbracketed(tokens)
    if tokens and _is_op(tokens[0], "-", "+"):
        sign = -1 if tokens[0].text == "-" else 1
        tokens = _unbracketed(tokens[1:])
    shape = "".join("n" if t.kind == "number" else t.text if t.kind == "op" else "?" for t in tokens)
    if shape == "n":
        text = tokens[0].text
        if "." in text:
            return ReadNumber(sign * Fraction(text), False, DECIMAL)
        return ReadNumber(sign * Fraction(text), True, INTEGER)
    if shape == "n/n" and _integer(tokens[0]) and _integer(tokens[2]):
        num, den = int(tokens[0].text), int(tokens[2].text)
        value = _divide(num, den)
        return ReadNumber(sign * value, den != 1 and value.denominator == den, FRACTION)
    if shape == "nn/n" and all(_integer(t) for t in (tokens[0], tokens[1], tokens[3])):
        whole, num, den = int(tokens[0].text), int(tokens[1].text), int(tokens[3].text)
        value = whole + _divide(num, den)
        lowest = num < den and Fraction(num, den).denominator == den
        return ReadNumber(sign * value, lowest, MIXED)
    return None


def _unbracketed(tokens: list[Token]) -> list[Token]:
    """The tokens inside brackets that enclose all of them, ((4)) as 4; (3)/(5) is left as it is."""
    while len(tokens) >= 2 and _is_op(tokens[0], "(") and _closing(tokens) == len(tokens) - 1:
        tokens = tokens[1:-1]
    return tokens


def _closing(tokens: list[Token]) -> int:
    """The index of the bracket that closes the first one (-1: none does)."""
    depth = 0
    for index, token in enumerate(tokens):
        depth += _is_op(token, "(") - _is_op(token, ")")
        if depth == 0:
            return index
    return -1


def read_number(text: str) -> ReadNumber:
    """A plain number, or CouldNotRead (with what could not be read, or that a number was expected)."""
    found = plain_number(tokenize(text))
    if found is None:
        raise CouldNotRead(NOT_A_NUMBER)
    return found


def _divide(num: int, den: int) -> Fraction:
    if den == 0:
        raise CouldNotRead("Your answer divides by zero.")
    return Fraction(num, den)
