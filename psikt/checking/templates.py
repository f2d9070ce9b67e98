"""Answers of parameterised item templates, computed exactly from the drawn parameters."""

from collections.abc import Mapping

import sympy

from .errors import CouldNotRead
from .parser import parse_equation, parse_expression


def render_answer(mode: str, expression: str, parameters: Mapping[str, int]) -> str:
    """The answer text for one draw: '7/2' for numbers, '2*x + 6' or 'y = 2*x + 1' for algebra,
    'x = 7/2' for a solve answer written 'x = (c - b)/a' (a known mistake may be just '(c + b)/a')."""
    if mode == "solve":
        if "=" not in expression:
            return render_answer("numeric", expression, parameters)
        lhs, rhs = parse_equation(expression, parameters)
        if not (lhs.is_Symbol and rhs.is_Rational):
            raise CouldNotRead(f"{expression!r} is not a solution such as 'x = (c - b)/a'")
        return f"{lhs} = {rhs}"
    if mode == "equation":
        lhs, rhs = parse_equation(expression, parameters)
        return f"{sympy.sstr(lhs)} = {sympy.sstr(rhs)}"
    value = parse_expression(expression, parameters)
    if mode in ("numeric", "fraction", "decimal"):
        if not value.is_Rational:
            raise CouldNotRead(f"{expression!r} is not a rational number")
        if mode == "decimal":
            return _decimal_text(value)  # a known mistake without an exact decimal stays a fraction
        return str(value)
    if mode == "expression":
        return sympy.sstr(value)
    raise CouldNotRead(f"templates cannot use answer mode {mode!r}")


def _decimal_text(value: sympy.Rational) -> str:
    """97/100 -> '0.97': the exact decimal of a fraction whose denominator has no prime but 2 and 5
    (any other fraction stays '10/9', which a decimal answer does not accept)."""
    denominator, places = value.q, 0
    while denominator % 10 == 0 or denominator % 2 == 0 or denominator % 5 == 0:
        if denominator % 10 == 0:
            denominator //= 10
        elif denominator % 2 == 0:
            denominator //= 2
        else:
            denominator //= 5
        places += 1
    if denominator != 1:
        return str(value)
    text = f"{abs(value.p) * 10**places // value.q}".rjust(places + 1, "0")
    sign = "-" if value < 0 else ""
    return sign + (text[:-places] + "." + text[-places:] if places else text)


def condition_holds(condition: str, parameters: Mapping[str, int]) -> bool:
    """Evaluate a `where` condition such as 'b > a' or 'a != 0' on integer parameters."""
    for op in ("<=", ">=", "!=", "==", "<", ">"):
        left, found, right = condition.partition(op)
        if found:
            lhs = parse_expression(left, parameters)
            rhs = parse_expression(right, parameters)
            if not (lhs.is_Rational and rhs.is_Rational):
                raise CouldNotRead(f"condition {condition!r} uses names that are not parameters")
            return bool({
                "<=": lhs <= rhs, ">=": lhs >= rhs, "!=": lhs != rhs,
                "==": lhs == rhs, "<": lhs < rhs, ">": lhs > rhs,
            }[op])
    raise CouldNotRead(f"condition {condition!r} has no comparison (<, <=, >, >=, ==, !=)")
