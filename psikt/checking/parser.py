"""A recursive-descent parser from whitelisted tokens to a small tree, then to sympy objects.

sympy's own `parse_expr` runs `eval`, so it never sees learner text. This parser only builds
numbers, single-letter symbols and arithmetic, and bounds the work a single input can ask for
(nesting depth, literal exponents); the sandboxed worker bounds whatever is left.

The tree keeps what was written (parentheses, `*` or juxtaposition, a mixed number such as
`1 3/4`): it is what the answer preview draws (`mathml`) and what form requirements look at
(`leaves`), while `evaluate` gives the value the checker compares. One grammar for all three.
"""

from collections.abc import Mapping
from fractions import Fraction
from html import escape

import sympy

from .errors import CouldNotRead
from .tokens import Token, tokenize

MAX_DEPTH = 30
MAX_LITERAL_EXPONENT = 64
MAX_POWER_BITS = 4096

_FUNCTIONS = {"sqrt": sympy.sqrt, "abs": sympy.Abs}
_CONSTANTS = {"pi": sympy.pi}

# A node is a tuple: ("num", text) ("mixed", whole, numerator, denominator) ("var", letter)
# ("const", name) ("func", name, arg) ("paren", inner) ("neg", a) ("pos", a) ("add", a, b)
# ("sub", a, b) ("mul", a, b, explicit) ("div", a, b) ("pow", a, b).
Node = tuple

MISSING_END = "Your answer stops too early: something is missing at the end."


class _Parser:
    def __init__(self, tokens: list[Token]):
        self.tokens = tokens
        self.position = 0
        self.depth = 0

    def peek(self, ahead: int = 0) -> Token | None:
        index = self.position + ahead
        return self.tokens[index] if index < len(self.tokens) else None

    def take(self) -> Token:
        token = self.peek()
        if token is None:
            raise CouldNotRead(MISSING_END)
        self.position += 1
        return token

    def at_op(self, *ops: str) -> bool:
        token = self.peek()
        return token is not None and token.kind == "op" and token.text in ops

    def expect_op(self, op: str) -> None:
        if not self.at_op(op):
            if self.peek() is None:
                raise CouldNotRead(f"Your answer is missing a '{op}' at the end.")
            raise CouldNotRead(f"I expected a '{op}' before '{self.peek().text}' in your answer.")
        self.position += 1

    def expression(self) -> Node:
        value = self.term()
        while self.at_op("+", "-"):
            op = self.take().text
            right = self.term()
            value = ("add" if op == "+" else "sub", value, right)
        return value

    def term(self) -> Node:
        value = self.unary()
        while True:
            if self.at_op("*", "/"):
                op = self.take().text
                right = self.unary()
                value = ("mul", value, right, True) if op == "*" else ("div", value, right)
            elif self._starts_implicit_factor():
                value = ("mul", value, self.power(), False)
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
                raise CouldNotRead(
                    f"I couldn't read the two numbers {previous.text} {token.text} side by side; "
                    "put a sign such as + or × between them."
                )
            return True
        return token.kind in ("var", "func", "const") or (token.kind == "op" and token.text == "(")

    def unary(self) -> Node:
        if self.at_op("-", "+"):
            op = self.take().text
            self._enter()
            operand = self.unary()
            self.depth -= 1
            return ("neg" if op == "-" else "pos", operand)
        return self.power()

    def power(self) -> Node:
        base = self.primary()
        if self.at_op("^"):
            self.take()
            self._enter()
            exponent = self.unary()
            self.depth -= 1
            return ("pow", base, exponent)
        return base

    def primary(self) -> Node:
        token = self.take()
        if token.kind == "number":
            if self._at_mixed_number(token):
                numerator, _, denominator = self.take(), self.take(), self.take()
                return ("mixed", token.text, numerator.text, denominator.text)
            return ("num", token.text)
        if token.kind == "var":
            return ("var", token.text)
        if token.kind == "const":
            return ("const", token.text)
        if token.kind == "func":
            return ("func", token.text, self._parenthesised(keep=False))
        if token.kind == "op" and token.text == "(":
            self.position -= 1
            return self._parenthesised(keep=True)
        if token.kind == "op" and token.text == "=":
            raise CouldNotRead("I couldn't read where the '=' is in your answer.")
        raise CouldNotRead(f"I couldn't read '{token.text}' where it is in your answer.")

    def _at_mixed_number(self, whole: Token) -> bool:
        """`1 3/4` is one and three quarters (as the plain-number reader reads it), not 1 times 3/4."""
        numerator, slash, denominator = self.peek(), self.peek(1), self.peek(2)
        previous = self.tokens[self.position - 2] if self.position >= 2 else None
        return (
            "." not in whole.text
            and numerator is not None and numerator.kind == "number" and "." not in numerator.text
            and slash is not None and slash.kind == "op" and slash.text == "/"
            and denominator is not None and denominator.kind == "number" and "." not in denominator.text
            and not (previous is not None and previous.kind == "op" and previous.text == "^")
        )

    def _parenthesised(self, keep: bool) -> Node:
        self.expect_op("(")
        self._enter()
        value = self.expression()
        self.depth -= 1
        self.expect_op(")")
        return ("paren", value) if keep else value

    def _enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise CouldNotRead("Your answer has too many nested parentheses or signs.")


def _check_power_size(base: sympy.Expr, exponent: sympy.Expr) -> None:
    """Refuse powers whose exact value would be huge ((10^30)^64)^64 is cheap to type, not to compute)."""
    if not exponent.is_number:
        return
    if not abs(exponent) <= MAX_LITERAL_EXPONENT:
        raise CouldNotRead("That exponent is too large for me to check.")
    if base.is_Rational:
        bits = max(abs(base.p).bit_length(), base.q.bit_length())
        if bits * abs(exponent) > MAX_POWER_BITS:
            raise CouldNotRead("That number is too large for me to check.")


def _finite(value: sympy.Expr) -> sympy.Expr:
    if value.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo):
        raise CouldNotRead("Your answer divides by zero.")
    return value


def evaluate(node: Node, values: Mapping[str, int] = {}) -> sympy.Expr:
    """The sympy value of a tree. `values` replaces single-letter names by integers (template
    parameters) before any arithmetic, so the size limits on powers also apply to them."""
    kind = node[0]
    if kind == "num":
        return sympy.Rational(node[1])
    if kind == "mixed":
        return sympy.Integer(node[1]) + _divided(sympy.Integer(node[2]), sympy.Integer(node[3]))
    if kind == "var":
        return sympy.Integer(values[node[1]]) if node[1] in values else sympy.Symbol(node[1])
    if kind == "const":
        return _CONSTANTS[node[1]]
    if kind == "func":
        return _FUNCTIONS[node[1]](evaluate(node[2], values))
    if kind in ("paren", "pos"):
        return evaluate(node[1], values)
    if kind == "neg":
        return -evaluate(node[1], values)
    left, right = evaluate(node[1], values), evaluate(node[2], values)
    if kind == "add":
        return left + right
    if kind == "sub":
        return left - right
    if kind == "mul":
        return left * right
    if kind == "div":
        return _divided(left, right)
    if kind == "pow":
        _check_power_size(left, right)
        return sympy.Pow(left, right)
    raise ValueError(f"unknown node {kind!r}")


def evaluate_fraction(node: Node) -> Fraction:
    """The exact value of plain arithmetic (numbers, + - * /, brackets), without sympy."""
    kind = node[0]
    if kind == "num":
        return Fraction(node[1])
    if kind == "mixed":
        return int(node[1]) + _fraction_divided(Fraction(node[2]), Fraction(node[3]))
    if kind in ("paren", "pos"):
        return evaluate_fraction(node[1])
    if kind == "neg":
        return -evaluate_fraction(node[1])
    left, right = evaluate_fraction(node[1]), evaluate_fraction(node[2])
    if kind == "add":
        return left + right
    if kind == "sub":
        return left - right
    if kind == "mul":
        return left * right
    if kind == "div":
        return _fraction_divided(left, right)
    raise ValueError(f"not plain arithmetic: {kind!r}")


def _fraction_divided(left: Fraction, right: Fraction) -> Fraction:
    if right == 0:
        raise CouldNotRead("Your answer divides by zero.")
    return left / right


def _divided(left: sympy.Expr, right: sympy.Expr) -> sympy.Expr:
    if right == 0:
        raise CouldNotRead("Your answer divides by zero.")
    return left / right


def leaves(node: Node) -> int:
    """How many numbers, letters and constants were written: `4x + 3x` has 4, `7x` has 2."""
    kind = node[0]
    if kind in ("num", "mixed", "var", "const"):
        return 1
    return sum(leaves(child) for child in node[1:] if isinstance(child, tuple))


def terms(node: Node) -> int:
    """How many terms the written sum has at its top level: `x + x + 6` has 3, `2(x + 3)` has 1."""
    kind = node[0]
    if kind in ("add", "sub"):
        return terms(node[1]) + terms(node[2])
    if kind in ("paren", "pos", "neg"):
        return terms(node[1])
    return 1


def structures(node: Node) -> set[str]:
    """What is left to do in what was written: "brackets" (a product, power or negation of a sum,
    as in 3(x + 2)) and "fractions" (a division, as in x/3)."""
    kind = node[0]
    found: set[str] = set()
    if kind == "div":
        found.add("fractions")
    if kind in ("mul", "pow", "neg") and any(
        isinstance(child, tuple) and _unwrapped(child)[0] in ("add", "sub") for child in node[1:]
    ):
        found.add("brackets")
    for child in node[1:]:
        if isinstance(child, tuple):
            found |= structures(child)
    return found


# ---- presentation MathML of what was written ------------------------------------------------------

_INVISIBLE_TIMES = "\u2062"


def _mrow(*parts: str) -> str:
    return "<mrow>" + "".join(parts) + "</mrow>"


def _mo(op: str) -> str:
    return f"<mo>{escape(op)}</mo>"


def _unwrapped(node: Node) -> Node:
    """A fraction bar or a raised exponent groups by itself: (x+1)/2 is drawn without the parentheses."""
    return node[1] if node[0] == "paren" else node


def mathml_of(node: Node) -> str:
    kind = node[0]
    if kind == "num":
        return f"<mn>{escape(node[1])}</mn>"
    if kind == "mixed":
        return _mrow(f"<mn>{node[1]}</mn>", f"<mfrac><mn>{node[2]}</mn><mn>{node[3]}</mn></mfrac>")
    if kind == "var":
        return f"<mi>{escape(node[1])}</mi>"
    if kind == "const":
        return "<mi>\u03c0</mi>"
    if kind == "func":
        if node[1] == "sqrt":
            return f"<msqrt>{mathml_of(node[2])}</msqrt>"
        return _mrow(_mo("|"), mathml_of(node[2]), _mo("|"))
    if kind == "paren":
        return _mrow(_mo("("), mathml_of(node[1]), _mo(")"))
    if kind == "neg":
        return _mrow(_mo("\u2212"), mathml_of(node[1]))
    if kind == "pos":
        return _mrow(_mo("+"), mathml_of(node[1]))
    if kind == "div":
        return f"<mfrac>{mathml_of(_unwrapped(node[1]))}{mathml_of(_unwrapped(node[2]))}</mfrac>"
    if kind == "pow":
        return f"<msup>{mathml_of(node[1])}{mathml_of(_unwrapped(node[2]))}</msup>"
    op = {"add": "+", "sub": "\u2212"}.get(kind)
    if op is None:  # mul
        op = "\u00d7" if node[3] else _INVISIBLE_TIMES
    return _mrow(mathml_of(node[1]), _mo(op), mathml_of(node[2]))


def math_element(inner: str) -> str:
    return f'<math xmlns="http://www.w3.org/1998/Math/MathML">{inner}</math>'


# ---- entry points ------------------------------------------------------------------------------


def _tree(tokens: list[Token]) -> Node:
    parser = _Parser(tokens)
    value = parser.expression()
    if parser.peek() is not None:
        token = parser.peek()
        if token.kind == "op" and token.text == ")":
            raise CouldNotRead("Your answer has a ')' without its '('.")
        raise CouldNotRead(f"I couldn't read '{token.text}' where it is in your answer.")
    return value


def _equals_signs(tokens: list[Token]) -> list[int]:
    return [i for i, t in enumerate(tokens) if t.kind == "op" and t.text == "="]


def parse_tree(text: str) -> tuple[Node, ...]:
    """One tree for an expression, two (left and right side) for an equation; raises CouldNotRead."""
    tokens = tokenize(text)
    splits = _equals_signs(tokens)
    if not splits:
        return (_tree(tokens),)
    if len(splits) > 1:
        raise CouldNotRead("I couldn't read an answer with more than one '='.")
    (split,) = splits
    if split == 0 or split == len(tokens) - 1:
        raise CouldNotRead("One side of the '=' in your answer is empty.")
    return _tree(tokens[:split]), _tree(tokens[split + 1 :])


def parse_expression(text: str, values: Mapping[str, int] = {}) -> sympy.Expr:
    """Parse an expression with no '='.

    `values` replaces single-letter names by integers before any arithmetic happens (template
    parameters), so the size limits on powers also apply to substituted values.
    """
    trees = parse_tree(text)
    if len(trees) != 1:
        raise CouldNotRead("That is an equation; an expression (without '=') is expected here.")
    return _finite(evaluate(trees[0], values))


def parse_equation(text: str, values: Mapping[str, int] = {}) -> tuple[sympy.Expr, sympy.Expr]:
    """Parse 'left = right' into its two sides."""
    trees = parse_tree(text)
    if len(trees) != 2:
        raise CouldNotRead("An equation with one '=' is expected here.")
    return _finite(evaluate(trees[0], values)), _finite(evaluate(trees[1], values))
