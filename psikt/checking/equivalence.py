"""Algebraic comparisons. These can be expensive for adversarial input, so they run only inside
the sandboxed worker (see sandbox.py)."""

import sympy


def is_zero(difference: sympy.Expr) -> bool:
    if difference == 0:
        return True
    # cancel() decides polynomials and rational functions exactly; simplify() covers roots and abs.
    if sympy.cancel(sympy.together(difference)) == 0:
        return True
    if difference.is_rational_function():
        return False
    return sympy.simplify(difference) == 0


def proportional(left: sympy.Expr, right: sympy.Expr) -> bool:
    """Two equations f = 0 and g = 0 have the same solutions here when f = c * g for a constant c != 0."""
    if left == 0 or right == 0:
        return left == right
    ratio = sympy.cancel(sympy.together(left / right))
    if not (left / right).is_rational_function():
        ratio = sympy.simplify(ratio)
    return bool(ratio.is_number and ratio.is_finite and ratio != 0)
