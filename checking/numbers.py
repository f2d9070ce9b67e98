"""Plain numbers (decimals, fractions, mixed numbers) read exactly, without sympy or a subprocess."""

import re
from dataclasses import dataclass
from fractions import Fraction

from .errors import CouldNotRead
from .tokens import MAX_INPUT_CHARS, MAX_NUMBER_DIGITS, normalize

_D = rf"\d{{1,{MAX_NUMBER_DIGITS}}}"
_DECIMAL = re.compile(rf"(?P<sign>[-+]?)\s*(?P<number>{_D}(?:\.{_D})?|\.{_D})")
_FRACTION = re.compile(rf"(?P<sign>[-+]?)\s*(?P<num>{_D})\s*/\s*(?P<den>{_D})")
_MIXED = re.compile(rf"(?P<sign>[-+]?)\s*(?P<whole>{_D})\s+(?P<num>{_D})\s*/\s*(?P<den>{_D})")


@dataclass(frozen=True)
class ReadNumber:
    value: Fraction
    lowest_terms: bool  # written as an integer, or a fraction / mixed number that cannot be reduced


def read_number(text: str) -> ReadNumber:
    if len(text) > MAX_INPUT_CHARS:
        raise CouldNotRead("that answer is too long")
    text = normalize(text)
    sign = 1
    if match := _DECIMAL.fullmatch(text):
        value = Fraction(match["number"])
        lowest = "." not in match["number"]
    elif match := _FRACTION.fullmatch(text):
        num, den = int(match["num"]), int(match["den"])
        value = _divide(num, den)
        lowest = den != 1 and value.denominator == den
    elif match := _MIXED.fullmatch(text):
        whole, num, den = int(match["whole"]), int(match["num"]), int(match["den"])
        value = whole + _divide(num, den)
        lowest = num < den and Fraction(num, den).denominator == den
    else:
        raise CouldNotRead("expected a number such as 3, -2.5, 7/4 or 1 3/4")
    if match["sign"] == "-":
        sign = -1
    return ReadNumber(sign * value, lowest)


def _divide(num: int, den: int) -> Fraction:
    if den == 0:
        raise CouldNotRead("that divides by zero")
    return Fraction(num, den)
