"""Turn learner text into a short list of whitelisted tokens, or refuse it.

Learner text is hostile input. Nothing here evaluates anything: characters outside a small
alphabet are rejected before any parsing happens, so `__import__('os')`, unicode lookalikes
(Cyrillic 'х' for 'x') and control characters never reach sympy.
"""

import re
import unicodedata
from dataclasses import dataclass

from .errors import CouldNotRead

MAX_INPUT_CHARS = 500
MAX_TOKENS = 200
MAX_NUMBER_DIGITS = 30

FUNCTIONS = frozenset({"sqrt", "abs"})
CONSTANTS = frozenset({"pi"})

# Typographic forms learners paste from documents or phone keyboards; NFKC handles full-width forms.
_TRANSLATIONS = str.maketrans(
    {"\u2212": "-", "\u2013": "-", "\u00d7": "*", "\u22c5": "*", "\u00b7": "*", "\u00f7": "/"}
)
_TOKEN_RE = re.compile(
    r"\s*(?:(?P<number>\d+(?:\.\d+)?|\.\d+)|(?P<name>[A-Za-z]+)|(?P<op>\*\*|[-+*/^()=]))"
)


@dataclass(frozen=True)
class Token:
    kind: str  # "number", "var", "func", "const", "op"
    text: str


def normalize(text: str) -> str:
    """Canonical form of learner text: NFKC, typographic operators mapped to ASCII, trimmed."""
    return unicodedata.normalize("NFKC", text).translate(_TRANSLATIONS).strip()


def tokenize(text: str) -> list[Token]:
    if len(text) > MAX_INPUT_CHARS:
        raise CouldNotRead("that answer is too long")
    text = normalize(text)
    if not text:
        raise CouldNotRead("the answer is empty")
    tokens: list[Token] = []
    position = 0
    while position < len(text):
        match = _TOKEN_RE.match(text, position)
        if match is None:
            if text[position:].strip() == "":
                break
            raise CouldNotRead(f"unexpected character {text[position]!r}")
        position = match.end()
        if match.group("number"):
            number = match.group("number")
            if len(number) > MAX_NUMBER_DIGITS:
                raise CouldNotRead("a number is too long")
            tokens.append(Token("number", number))
        elif match.group("name"):
            tokens.extend(_name_tokens(match.group("name")))
        else:
            op = match.group("op")
            tokens.append(Token("op", "^" if op == "**" else op))
        if len(tokens) > MAX_TOKENS:
            raise CouldNotRead("that answer is too long")
    return tokens


def _name_tokens(name: str) -> list[Token]:
    """A run of letters is a function, a constant, or single-letter variables multiplied (2xy)."""
    lowered = name.lower()
    if lowered in FUNCTIONS:
        return [Token("func", lowered)]
    if lowered in CONSTANTS:
        return [Token("const", lowered)]
    return [Token("var", letter) for letter in name]
