"""A recursive-descent parser from whitelisted tokens straight to sympy objects.

sympy's own `parse_expr` runs `eval`, so it never sees learner text. This parser only builds
numbers, single-letter symbols and arithmetic, and bounds the work a single input can ask for
(nesting depth, literal exponents); the sandboxed worker bounds whatever is left.
"""

from collections.abc import Mapping

import sympy

from .errors import CouldNotRead
from .tokens import Token, tokenize

MAX_DEPTH = 30
MAX_LITERAL_EXPONENT = 64
MAX_POWER_BITS = 4096

_FUNCTIONS = {"sqrt": sympy.sqrt, "abs": sympy.Abs}
_CONSTANTS = {"pi": sympy.pi}


class _Parser:
    def __init__(self, tokens: list[Token], values: Mapping[str, int]):
        self.tokens = tokens
        self.values = values
        self.position = 0
        self.depth = 0

    def peek(self) -> Token | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self) -> Token:
        token = self.peek()
        if token is None:
            raise CouldNotRead("the answer ends too early")
        self.position += 1
        return token

    def at_op(self, *ops: str) -> bool:
        token = self.peek()
        return token is not None and token.kind == "op" and token.text in ops

    def expect_op(self, op: str) -> None:
        if not self.at_op(op):
            raise CouldNotRead(f"expected {op!r}")
        self.position += 1

    def expression(self) -> sympy.Expr:
        value = self.term()
        while self.at_op("+", "-"):
            op = self.take().text
            right = self.term()
            value = value + right if op == "+" else value - right
        return value

    def term(self) -> sympy.Expr:
        value = self.unary()
        while True:
            if self.at_op("*", "/"):
                op = self.take().text
                right = self.unary()
                value = value * right if op == "*" else value / right
            elif self._starts_implicit_factor():
                value = value * self.power()
            else:
                return value

    def _starts_implicit_factor(self) -> bool:
        """2x, x(x+1), (x+1)(x-1), 3sqrt(2): juxtaposition multiplies; 2 3 is ambiguous and refused."""
        token = self.peek()
        if token is None:
            return False
        if token.kind == "number":
            previous = self.tokens[self.position - 1]
            if previous.kind == "number":
                raise CouldNotRead("two numbers side by side")
            return True
        return token.kind in ("var", "func", "const") or (token.kind == "op" and token.text == "(")

    def unary(self) -> sympy.Expr:
        if self.at_op("-", "+"):
            op = self.take().text
            self._enter()
            operand = self.unary()
            self.depth -= 1
            return -operand if op == "-" else operand
        return self.power()

    def power(self) -> sympy.Expr:
        base = self.primary()
        if self.at_op("^"):
            self.take()
            self._enter()
            exponent = self.unary()
            self.depth -= 1
            _check_power_size(base, exponent)
            return sympy.Pow(base, exponent)
        return base

    def primary(self) -> sympy.Expr:
        token = self.take()
        if token.kind == "number":
            return sympy.Rational(token.text)
        if token.kind == "var":
            if token.text in self.values:
                return sympy.Integer(self.values[token.text])
            return sympy.Symbol(token.text)
        if token.kind == "const":
            return _CONSTANTS[token.text]
        if token.kind == "func":
            return _FUNCTIONS[token.text](self._parenthesised())
        if token.kind == "op" and token.text == "(":
            self.position -= 1
            return self._parenthesised()
        raise CouldNotRead(f"unexpected {token.text!r}")

    def _parenthesised(self) -> sympy.Expr:
        self.expect_op("(")
        self._enter()
        value = self.expression()
        self.depth -= 1
        self.expect_op(")")
        return value

    def _enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise CouldNotRead("too many nested parentheses")


def _check_power_size(base: sympy.Expr, exponent: sympy.Expr) -> None:
    """Refuse powers whose exact value would be huge ((10^30)^64)^64 is cheap to type, not to compute)."""
    if not exponent.is_number:
        return
    if not abs(exponent) <= MAX_LITERAL_EXPONENT:
        raise CouldNotRead("that exponent is too large")
    if base.is_Rational:
        bits = max(abs(base.p).bit_length(), base.q.bit_length())
        if bits * abs(exponent) > MAX_POWER_BITS:
            raise CouldNotRead("that number is too large")


def _finite(value: sympy.Expr) -> sympy.Expr:
    if value.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo):
        raise CouldNotRead("that divides by zero")
    return value


def _parse_tokens(tokens: list[Token], values: Mapping[str, int]) -> sympy.Expr:
    parser = _Parser(tokens, values)
    value = parser.expression()
    if parser.peek() is not None:
        raise CouldNotRead(f"unexpected {parser.peek().text!r}")
    return _finite(value)


def parse_expression(text: str, values: Mapping[str, int] = {}) -> sympy.Expr:
    """Parse an expression with no '='.

    `values` replaces single-letter names by integers before any arithmetic happens (template
    parameters), so the size limits on powers also apply to substituted values.
    """
    tokens = tokenize(text)
    if any(t.kind == "op" and t.text == "=" for t in tokens):
        raise CouldNotRead("expected an expression, not an equation")
    return _parse_tokens(tokens, values)


def parse_equation(text: str, values: Mapping[str, int] = {}) -> tuple[sympy.Expr, sympy.Expr]:
    """Parse 'left = right' into its two sides."""
    tokens = tokenize(text)
    splits = [i for i, t in enumerate(tokens) if t.kind == "op" and t.text == "="]
    if len(splits) != 1:
        raise CouldNotRead("expected an equation with one '='")
    (split,) = splits
    return _parse_tokens(tokens[:split], values), _parse_tokens(tokens[split + 1 :], values)
