"""Answers as a learner reads them: a checker's answer string (`3*x + (3) = 12`, `y = (1/2)*x - 2`,
`7/2`) rendered as inline TeX (`$3x + 3 = 12$`, `$y = \\frac{1}{2}x - 2$`, `$\\frac{7}{2}$`), which
the page typesets. Terms keep the order the content gives them; only the machine notation goes
(`*`, `**`, redundant brackets, `+ (-4)`, `1*x`).

Text that is not such an expression (a choice's text, content already in `$...$`, words) is
returned unchanged, so formatting is idempotent and never fails.
"""

import re

from psikt.checking import AnswerSpec

_TOKEN = re.compile(r"\s*(?:(\d+(?:\.\d+)?|\.\d+)|([A-Za-z])|(\*\*|[-+*/^()=]))")

# Precedence of the nodes, for brackets: sums 1, products and quotients 2, negation 3, powers 4, atoms 5.
_SUM, _PRODUCT, _NEG, _POWER, _ATOM = 1, 2, 3, 4, 5


class _Unreadable(ValueError):
    pass


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens, index = [], 0
    text = text.replace("\u2212", "-")
    while index < len(text):
        if text[index:].strip() == "":
            break
        found = _TOKEN.match(text, index)
        if not found:
            raise _Unreadable(text)
        number, name, op = found.groups()
        tokens.append(("num", number) if number else ("name", name) if name else ("op", op))
        index = found.end()
    return tokens


class _Parser:
    """Recursive descent over `expression ('=' expression)*`, into tuples: ("num", "3"),
    ("name", "x"), ("neg", e), ("+", a, b), ("-", a, b), ("*", a, b), ("/", a, b), ("^", a, b)."""

    def __init__(self, tokens):
        self.tokens, self.at = tokens, 0

    def peek(self) -> str | None:
        return self.tokens[self.at][1] if self.at < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        if self.at >= len(self.tokens):
            raise _Unreadable("unexpected end")
        self.at += 1
        return self.tokens[self.at - 1]

    def sides(self) -> list:
        sides = [self.sum()]
        while self.peek() == "=":
            self.take()
            sides.append(self.sum())
        if self.at != len(self.tokens):
            raise _Unreadable("trailing text")
        return sides

    def sum(self):
        node = self.product()
        while self.peek() in ("+", "-") and self.tokens[self.at][0] == "op":
            op = self.take()[1]
            node = (op, node, self.product())
        return node

    def product(self):
        node = self.unary()
        while self.peek() in ("*", "/") and self.tokens[self.at][0] == "op":
            op = self.take()[1]
            node = (op, node, self.unary())
        return node

    def unary(self):
        if self.peek() in ("-", "+") and self.tokens[self.at][0] == "op":
            sign = self.take()[1]
            inner = self.unary()
            return ("neg", inner) if sign == "-" else inner
        return self.power()

    def power(self):
        base = self.atom()
        if self.peek() in ("^", "**") and self.tokens[self.at][0] == "op":
            self.take()
            return ("^", base, self.unary())
        return base

    def atom(self):
        kind, text = self.take()
        if kind in ("num", "name"):
            return (kind, text)
        if text == "(":
            inner = self.sum()
            if self.take() != ("op", ")"):
                raise _Unreadable("unclosed bracket")
            return inner
        raise _Unreadable(f"unexpected {text!r}")


def _precedence(node) -> int:
    return {"+": _SUM, "-": _SUM, "*": _PRODUCT, "/": _ATOM, "neg": _NEG, "^": _POWER}.get(node[0], _ATOM)


def _negative(node) -> bool:
    return node[0] == "neg"


def _bracketed(node, below: int) -> str:
    text = _tex(node)
    return f"({text})" if _precedence(node) < below else text


def _tex(node) -> str:
    kind = node[0]
    if kind in ("num", "name"):
        return node[1]
    if kind == "neg":
        return "-" + _bracketed(node[1], _PRODUCT)
    if kind in ("+", "-"):
        left, right = node[1], node[2]
        if _negative(right):  # a + (-b) -> a - b; a - (-b) -> a + b
            kind, right = ("-" if kind == "+" else "+"), right[1]
        return f"{_tex(left)} {kind} {_bracketed(right, _PRODUCT if kind == '-' else _SUM)}"
    if kind == "/":
        return rf"\frac{{{_tex(node[1])}}}{{{_tex(node[2])}}}"
    if kind == "^":
        return f"{_bracketed(node[1], _ATOM)}^{{{_tex(node[2])}}}"
    return _product(node[1], node[2])


def _product(left, right) -> str:
    """Coefficients and letters side by side (3x, ab, 2(x + 1), -x); \\times between numbers."""
    if left == ("num", "1") and right[0] != "num":
        return _bracketed(right, _NEG)
    if _negative(left) and left[1] == ("num", "1") and right[0] != "num":
        return "-" + _bracketed(right, _NEG)
    left_text = _bracketed(left, _PRODUCT)
    if _negative(right):
        return rf"{left_text} \times ({_tex(right)})"
    right_text = _bracketed(right, _POWER)
    if right_text[:1].isdigit() or right_text[:1] == "." or right_text.startswith("\\frac"):
        return rf"{left_text} \times {right_text}"  # 3 \times 4, not 34
    return left_text + right_text


def answer_tex(text: str) -> str:
    """A machine-written answer as inline TeX (`3*x + (3) = 12` -> `$3x + 3 = 12$`); other text unchanged."""
    stripped = " ".join(text.split())
    if not stripped or "$" in stripped or "\\" in stripped:
        return text
    try:
        sides = _Parser(_tokens(stripped)).sides()
    except _Unreadable:
        return text
    return "$" + " = ".join(_tex(side) for side in sides) + "$"


def answer_text(spec: AnswerSpec) -> str:
    """The answer of a spec as the learner should read it: a choice by its text (its key when it has
    none), anything else as inline TeX."""
    if spec.mode == "choice":
        return dict(spec.choices).get(spec.value) or spec.value
    return answer_tex(spec.value)
