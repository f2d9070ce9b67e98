"""Math in content text: `$...$` spans of TeX, typeset server-side as presentation MathML.

The rule authors write by (docs/course-format.md, "Math in text"):
- `$...$` is inline math in TeX: `Solve for $x$: $5x + 3 = 2x + 12$`.
- `\\$` is a literal dollar sign, outside math and inside it: `\\$25,000`.
- A `$` opens math only when the next character is not a space, and a `$` closes it only when
  the character before it is not a space and the one after it is not a digit (pandoc's rule), so
  a stray "$5 and $6" stays text. The loader refuses any unescaped `$` that is not part of a math
  span, and any span whose TeX does not convert cleanly (see `math_problems`).

`math_html` never raises: text that could not be checked at load (a tutor's message, say) is
shown as text where it is not valid math. MathML is read by screen readers (VoiceOver, NVDA with
MathCAT, JAWS, Orca); each `<math>` also carries `alttext`, the span in plain linear notation,
for readers that do not read MathML. `plain_text` gives the same linear form for a whole text,
for places that cannot show markup (plain-text channels, comparisons with learner answers).

No Django here except `mark_safe` (a plain function), so the pack validator can use it.
"""

import html
import re
from functools import lru_cache
from xml.etree import ElementTree

from django.utils.safestring import SafeString, mark_safe
from latex2mathml.converter import convert as _latex_to_mathml
from latex2mathml.symbols_parser import convert_symbol

# Typographic operators authors paste (the demo's "−" and "×") are TeX operators in math; without
# this latex2mathml makes "−" an identifier (<mi>), which screen readers read as a name.
_TEX_FOR = {
    "\u2212": "-", "\u2013": "-", "\u00d7": r"\times ", "\u00f7": r"\div ", "\u22c5": r"\cdot ",
    "\u00b7": r"\cdot ", "\u2264": r"\le ", "\u2265": r"\ge ", "\u2260": r"\ne ",
}
_TEX_TRANSLATION = str.maketrans(_TEX_FOR)

# Elements whose children are positional arguments: how many each must have.
_ARITY = {"mfrac": 2, "mroot": 2, "msup": 2, "msub": 2, "msubsup": 3, "mover": 2, "munder": 2, "munderover": 3}
_MATHML_NS = "{http://www.w3.org/1998/Math/MathML}"


class MathError(ValueError):
    """A math span that cannot be shown; the message is for authors."""


# ---------------------------------------------------------------- splitting text and math


def _closing(text: str, start: int) -> int | None:
    """The index of the `$` that closes a span opened just before `start`, or None."""
    if start >= len(text) or text[start].isspace() or text[start] == "$":
        return None
    index = start
    while index < len(text):
        char = text[index]
        if char == "\\":
            index += 2  # an escaped character (\$, \{, \\) never closes
            continue
        if char == "$":
            if text[index - 1].isspace() or (index + 1 < len(text) and text[index + 1].isdigit()):
                return None
            return index
        index += 1
    return None


def segments(text: str) -> list[tuple[str, str]]:
    """Split text into ("text", plain) and ("math", tex) parts; `\\$` outside math becomes `$`.

    A `$` that opens no span is kept as text ("$" in the returned text part); see `stray_dollars`.
    """
    parts: list[tuple[str, str]] = []
    buffer: list[str] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char == "\\" and text.startswith("$", index + 1):
            buffer.append("$")
            index += 2
            continue
        if char == "$" and (close := _closing(text, index + 1)) is not None:
            if buffer:
                parts.append(("text", "".join(buffer)))
                buffer = []
            parts.append(("math", text[index + 1:close]))
            index = close + 1
            continue
        buffer.append(char)
        index += 1
    if buffer:
        parts.append(("text", "".join(buffer)))
    return parts


def stray_dollars(text: str) -> int:
    """How many unescaped `$` are not part of a math span (each should be `\\$` or close a span)."""
    count = 0
    for kind, part in segments(text.replace("\\$", "")):
        if kind == "text":
            count += part.count("$")
    return count


# ---------------------------------------------------------------- TeX to MathML


def _tex(tex: str) -> str:
    return tex.translate(_TEX_TRANSLATION).strip()


def _check_tree(mathml: str) -> None:
    root = ElementTree.fromstring(mathml)
    for element in root.iter():
        tag = element.tag.removeprefix(_MATHML_NS)
        children = list(element)
        if tag in _ARITY and (
            len(children) != _ARITY[tag]
            or any(child.tag.endswith("mrow") and not len(child) and not (child.text or "").strip() for child in children)
        ):
            raise MathError(f"a command is missing an argument (got {len(children)} of {_ARITY[tag]} for <{tag}>)")
        if tag in ("mi", "mo") and element.text and "\\" in element.text and element.text.strip() != "\\":
            raise MathError(f"unknown TeX command {element.text.strip()}")


@lru_cache(maxsize=4096)
def tex_to_mathml(tex: str) -> str:
    """One span as a `<math>` element with `alttext`; raises MathError when the TeX is not valid."""
    source = _tex(tex)
    if not source:
        raise MathError("empty math ($$)")
    if source.count("{") - source.count("\\{") != source.count("}") - source.count("\\}"):
        raise MathError("unbalanced braces")
    try:
        mathml = _latex_to_mathml(source)
    except Exception as error:  # latex2mathml raises many types (and IndexError on some input)
        name = type(error).__name__.removesuffix("Error")
        words = re.sub(r"(?<!^)(?=[A-Z])", " ", name).lower()
        raise MathError(f"not valid TeX: {words}{': ' + str(error) if str(error) else ''}") from error
    try:
        _check_tree(mathml)
    except ElementTree.ParseError as error:
        raise MathError(f"not valid TeX: {error}") from error
    alt = html.escape(tex_to_plain(tex), quote=True)
    return mathml.replace("<math ", f'<math alttext="{alt}" ', 1)


def math_problems(text: str) -> list[str]:
    """What is wrong with the math markup of one content text (empty when it renders cleanly)."""
    problems = []
    if stray := stray_dollars(text):
        problems.append(
            f"{stray} '$' sign{'s' if stray > 1 else ''} outside math: write \\$ for a dollar sign, "
            "and $...$ around math with no space just inside the dollars"
        )
    for kind, part in segments(text):
        if kind == "math":
            try:
                tex_to_mathml(part)
            except MathError as error:
                problems.append(f"math ${part}$: {error}")
    return problems


def math_html(text: str) -> SafeString:
    """Content text as HTML: text escaped, each `$...$` span as MathML. Never raises."""
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    out = []
    for kind, part in segments(text):
        if kind == "text":
            out.append(html.escape(part, quote=False))
            continue
        try:
            out.append(tex_to_mathml(part))
        except MathError:  # shown as text: a reader still gets the notation
            out.append(f'<span class="math-source">{html.escape(tex_to_plain(part), quote=False)}</span>')
    return mark_safe("".join(out))


# ---------------------------------------------------------------- TeX to plain linear text

_TOKEN = re.compile(r"\\[A-Za-z]+|\\.|[{}]|[^\\{}]", re.DOTALL)
_PLAIN_COMMANDS = {
    r"\times": "×", r"\cdot": "·", r"\div": "÷", r"\le": "≤", r"\leq": "≤", r"\ge": "≥", r"\geq": "≥",
    r"\ne": "≠", r"\neq": "≠", r"\pm": "±", r"\lt": "<", r"\gt": ">", r"\%": "%", r"\$": "$",
    r"\{": "{", r"\}": "}", r"\,": " ", r"\;": " ", r"\:": " ", r"\ ": " ", r"\quad": " ", r"\qquad": " ",
    r"\!": "", r"\left": "", r"\right": "", r"\displaystyle": "", r"\\": " ",
}
_ONE_ARGUMENT_TEXT = {r"\text", r"\mathrm", r"\mathit", r"\mathbf", r"\textbf", r"\textit", r"\operatorname", r"\mbox"}
_FRACTIONS = {r"\frac", r"\dfrac", r"\tfrac"}
_ATOM = re.compile(r"^(?:-?[0-9.]+|[A-Za-z]|[A-Za-z]?[0-9.]*[A-Za-z])$")


def _argument(tokens: list[str], position: int) -> tuple[str, int]:
    """The plain text of the argument starting at `position` (a {group} or one token)."""
    while position < len(tokens) and tokens[position].isspace():
        position += 1
    if position >= len(tokens):
        return "", position
    if tokens[position] == "{":
        depth, end = 1, position + 1
        while end < len(tokens) and depth:
            depth += {"{": 1, "}": -1}.get(tokens[end], 0)
            end += 1
        return _plain(tokens[position + 1:end - 1]).strip(), end
    return _plain(tokens[position:position + 1]), position + 1


def _wrapped(text: str) -> str:
    return text if _ATOM.match(text.replace(" ", "")) else f"({text})"


def _plain(tokens: list[str]) -> str:
    out: list[str] = []
    position = 0
    while position < len(tokens):
        token = tokens[position]
        position += 1
        if token in _FRACTIONS:
            numerator, position = _argument(tokens, position)
            denominator, position = _argument(tokens, position)
            out.append(f"{_wrapped(numerator)}/{_wrapped(denominator)}")
        elif token == r"\sqrt":
            radicand, position = _argument(tokens, position)
            out.append(f"sqrt({radicand})")
        elif token in _ONE_ARGUMENT_TEXT:
            words, position = _argument(tokens, position)
            out.append(words)
        elif token in ("^", "_"):
            argument, position = _argument(tokens, position)
            out.append(token + _wrapped(argument) if argument else token)
        elif token in _PLAIN_COMMANDS:
            out.append(_PLAIN_COMMANDS[token])
        elif token.startswith("\\") and len(token) > 1:
            symbol = convert_symbol(token)
            out.append(symbol if symbol and len(symbol) == 1 else token[1:])
        elif token == "{":
            depth, end = 1, position
            while end < len(tokens) and depth:
                depth += {"{": 1, "}": -1}.get(tokens[end], 0)
                end += 1
            out.append(_plain(tokens[position:end - 1]))
            position = end
        elif token != "}":
            out.append(token)
    return "".join(out)


@lru_cache(maxsize=4096)
def tex_to_plain(tex: str) -> str:
    """A span in linear notation: `\\frac{3}{4}` -> `3/4`, `x^{10}` -> `x^10`, `3 \\times 4` -> `3 × 4`."""
    return re.sub(r"\s+", " ", _plain(_TOKEN.findall(tex))).strip()


def plain_text(text: str) -> str:
    """Content text without markup: math in linear notation, `\\$` as `$`."""
    return "".join(part if kind == "text" else tex_to_plain(part) for kind, part in segments(text or ""))
