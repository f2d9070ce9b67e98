"""Answers of parameterised item templates, computed exactly from the drawn parameters."""

from collections.abc import Mapping

import sympy

from .errors import CouldNotRead
from .parser import parse_equation, parse_expression


def render_answer(mode: str, expression: str, parameters: Mapping[str, int]) -> str:
    """The answer text for one draw: '7/2' for numbers, '2*x + 6' or 'y = 2*x + 1' for algebra."""
    if mode == "equation":
        lhs, rhs = parse_equation(expression, parameters)
        return f"{sympy.sstr(lhs)} = {sympy.sstr(rhs)}"
    value = parse_expression(expression, parameters)
    if mode in ("numeric", "fraction"):
        if not value.is_Rational:
            raise CouldNotRead(f"{expression!r} is not a rational number")
        return str(value)
    if mode == "expression":
        return sympy.sstr(value)
    raise CouldNotRead(f"templates cannot use answer mode {mode!r}")


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
