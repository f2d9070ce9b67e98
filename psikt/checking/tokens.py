"""Turn learner text into a short list of whitelisted tokens, or refuse it.

Learner text is hostile input. Nothing here evaluates anything: characters outside a small
alphabet are rejected before any parsing happens, so `__import__('os')`, unicode lookalikes
(Cyrillic 'х' for 'x') and control characters never reach sympy.
"""

import re
import unicodedata
from dataclasses import dataclass

from .errors import CouldNotRead

MAX_INPUT_CHARS = 500  # the one length limit: checker, preview and the answer field agree on it
MAX_TOKENS = 200
MAX_NUMBER_DIGITS = 30
MAX_LETTER_RUN = 3  # xyz is x*y*z; a longer run of letters is a word

TOO_LONG = f"Your answer is too long: at most {MAX_INPUT_CHARS} characters."
EMPTY = "Your answer is empty."

FUNCTIONS = frozenset({"sqrt", "abs"})
CONSTANTS = frozenset({"pi"})

# Typographic forms learners paste from documents or phone keyboards; NFKC handles full-width forms.
# The fraction slash (NFKC writes ¾ as 3⁄4) and the division slash are '/'.
_TRANSLATIONS = str.maketrans(
    {"\u2212": "-", "\u2013": "-", "\u00d7": "*", "\u22c5": "*", "\u00b7": "*", "\u00f7": "/",
     "\u2044": "/", "\u2215": "/"}
)
# One-character fractions (¼ ½ ¾, ⅐ to ⅞): a space before each keeps 1¾ one and three quarters, not 13/4.
_VULGAR_FRACTION = re.compile("[\u00bc-\u00be\u2150-\u215e]")
_TOKEN_RE = re.compile(
    r"\s*(?:(?P<number>\d+(?:\.\d+)?|\.\d+)|(?P<name>[A-Za-z]+)|(?P<op>\*\*|[-+*/^()=]))"
)


@dataclass(frozen=True)
class Token:
    kind: str  # "number", "var", "func", "const", "op"
    text: str


def normalize(text: str) -> str:
    """Canonical form of learner text: NFKC, typographic operators mapped to ASCII, trimmed."""
    text = _VULGAR_FRACTION.sub(lambda found: " " + found.group(), text)
    return unicodedata.normalize("NFKC", text).translate(_TRANSLATIONS).strip()


def tokenize(text: str) -> list[Token]:
    if len(text) > MAX_INPUT_CHARS:
        raise CouldNotRead(TOO_LONG)
    text = normalize(text)
    if not text:
        raise CouldNotRead(EMPTY)
    tokens: list[Token] = []
    position = 0
    while position < len(text):
        match = _TOKEN_RE.match(text, position)
        if match is None:
            if text[position:].strip() == "":
                break
            if text[position] == "," and text[position - 1 : position].isdigit() and text[position + 1 : position + 2].isdigit():
                raise CouldNotRead("I couldn't read ',' in your answer: write decimals with a point (2.5), not a comma.")
            raise CouldNotRead(f"I couldn't read {_shown(text, position)} in your answer.")
        position = match.end()
        if match.group("number"):
            number = match.group("number")
            if len(number) > MAX_NUMBER_DIGITS:
                raise CouldNotRead(f"A number in your answer is too long (at most {MAX_NUMBER_DIGITS} characters).")
            tokens.append(Token("number", number))
        elif match.group("name"):
            tokens.extend(_name_tokens(match.group("name")))
        else:
            op = match.group("op")
            tokens.append(Token("op", "^" if op == "**" else op))
        if len(tokens) > MAX_TOKENS:
            raise CouldNotRead(f"Your answer is too long: at most {MAX_TOKENS} numbers, letters and signs.")
    return tokens


def _shown(text: str, position: int) -> str:
    """The character that could not be read, quoted for the learner (a control character by its code)."""
    char = text[position]
    if char.isprintable():
        return "'" + char + "'"
    return f"the character U+{ord(char):04X}"


def _name_tokens(name: str) -> list[Token]:
    """A run of letters is a function, a constant, or single-letter variables multiplied (2xy, abc);
    a longer run is a word ("three"), which is not read as a product of letters."""
    lowered = name.lower()
    if lowered in FUNCTIONS:
        return [Token("func", lowered)]
    if lowered in CONSTANTS:
        return [Token("const", lowered)]
    if len(name) > MAX_LETTER_RUN:
        raise CouldNotRead(f"I couldn't read the word '{name}' in your answer; write it with numbers and signs.")
    return [Token("var", letter) for letter in name]
