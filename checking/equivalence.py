"""Algebraic comparisons. These can be expensive for adversarial input, so they run only inside
the sandboxed worker (see sandbox.py)."""

import sympy

from .parser import parse_equation, parse_expression


def _is_zero(difference: sympy.Expr) -> bool:
    if difference == 0:
        return True
    # cancel() decides polynomials and rational functions exactly; simplify() covers roots and abs.
    if sympy.cancel(sympy.together(difference)) == 0:
        return True
    return sympy.simplify(difference) == 0


def _proportional(left: sympy.Expr, right: sympy.Expr) -> bool:
    """Two equations f = 0 and g = 0 have the same solutions here when f = c * g for a constant c != 0."""
    if left == 0 or right == 0:
        return left == right
    ratio = sympy.simplify(sympy.cancel(sympy.together(left / right)))
    return bool(ratio.is_number and ratio.is_finite and ratio != 0)


def first_match(mode: str, given: str, candidates: list[str]) -> int:
    """Index of the first candidate equivalent to `given`, or -1. Raises CouldNotRead."""
    if mode == "expression":
        value = parse_expression(given)
        for index, candidate in enumerate(candidates):
            if _is_zero(value - parse_expression(candidate)):
                return index
        return -1
    if mode == "equation":
        lhs, rhs = parse_equation(given)
        for index, candidate in enumerate(candidates):
            c_lhs, c_rhs = parse_equation(candidate)
            if _proportional(lhs - rhs, c_lhs - c_rhs):
                return index
        return -1
    raise ValueError(f"no algebraic comparison for mode {mode!r}")
