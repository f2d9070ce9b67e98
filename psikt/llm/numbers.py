"""Numbers in prose as a reader takes them: "2,000", "$25,000", "$300.00", "12.50", "25%", "3/4",
"twelve", "one hundred and five", "a half", "two dozen". Used by the answer-leak guard, which compares
values, not spellings.

`mentions(text)` lists every number with its place in the text and its value(s) as exact fractions; a
percentage has two values (25% is 25 and 0.25). A bare "one" or "a" is not a number (it is a word in
"the first one" or "a dog"); "one hundred", "one half", "a dozen" are.
"""

import re
from dataclasses import dataclass
from fractions import Fraction

_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
_SCALES = {"hundred": 100, "thousand": 1000, "million": 10**6, "billion": 10**9}
_PARTS = {"half": 2, "halves": 2, "third": 3, "thirds": 3, "quarter": 4, "quarters": 4, "fourth": 4, "fourths": 4,
          "fifth": 5, "fifths": 5, "tenth": 10, "tenths": 10}
_NUMBER_WORD = "|".join(sorted([*_UNITS, *_TENS, *_SCALES, "dozen", "a", "an", "and"], key=len, reverse=True))
_PART_WORD = "|".join(sorted(_PARTS, key=len, reverse=True))

# A written number: a currency sign, digits with optional thousands separators and decimals, or a
# fraction a/b; then an optional percent sign or word, and an optional scale word ("2 million").
_DIGITS = re.compile(
    r"(?<![\w.,/])(?P<neg>[-\u2212](?=[$£€\d]))?(?:(?P<cur>[$£€])\s?)?"
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"
    r"(?:/(?P<den>\d+)(?![\d/]))?"
    r"(?P<pct>\s?%|\s?percent\b)?"
    r"(?:\s(?P<scale>hundred|thousand|million|billion|dozen)\b)?"
    r"(?![\d/]|,\d|\.\d|[a-zA-Z](?![a-zA-Z])|(?:st|nd|rd|th)\b)",
    re.IGNORECASE,
)
_WORDS = re.compile(
    r"(?<![\w-])(?:(?:" + _NUMBER_WORD + r")(?:[\s-]+(?=\w))?)+(?:" + _PART_WORD + r")?(?![\w-])"
    r"|(?<![\w-])(?:" + _PART_WORD + r")(?![\w-])",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    text: str
    values: tuple[Fraction, ...]


def value_of(text: str) -> Fraction | None:
    """The value of a text that is one number ("2,000", "$300.00", "twelve", "3/4"); else None."""
    text = text.strip().rstrip(".")
    found = mentions(text)
    if len(found) == 1 and found[0].start == 0 and found[0].end == len(text):
        return found[0].values[0]
    return None


def mentions(text: str) -> list[Mention]:
    found = [m for m in (_digit_mention(match) for match in _DIGITS.finditer(text)) if m]
    taken = [(m.start, m.end) for m in found]
    for match in _WORDS.finditer(text):
        mention = _word_mention(match)
        if mention and not any(s < mention.end and mention.start < e for s, e in taken):
            found.append(mention)
    return sorted(found, key=lambda m: m.start)


def _digit_mention(match: re.Match) -> Mention | None:
    value = Fraction(match["num"].replace(",", ""))
    if match["den"]:
        if int(match["den"]) == 0 or "." in match["num"]:
            return None
        value /= int(match["den"])
    if match["scale"]:
        value *= 12 if match["scale"].lower() == "dozen" else _SCALES[match["scale"].lower()]
    if match["neg"]:
        value = -value
    values = (value, value / 100) if match["pct"] else (value,)
    return Mention(match.start(), match.end(), match.group(), values)


def _word_mention(match: re.Match) -> Mention | None:
    """Number words, read left to right; a run that is not one number ("a", "and", "two three") is skipped."""
    words = [w for w in re.split(r"[\s-]+", match.group().lower()) if w]
    while words and words[0] == "and":
        words.pop(0)
    part = _PARTS.get(words[-1]) if words else None
    if part:
        words.pop()
    mixed = part and len(words) > 2 and words[-2:] in (["and", "a"], ["and", "an"], ["and", "one"])  # one and a half
    if mixed:
        words = words[:-2]
    while words and words[-1] in ("and", "a", "an") and not (part and not mixed and len(words) == 1):
        words.pop()
    if not words or (not part and len(words) == 1 and words[0] in ("one", "a", "an")):
        return None  # "half" alone ("half of them"), "one" and "a" alone are ordinary words
    whole = _read_words(words)
    if whole is None:
        return None
    if mixed:
        value = whole + Fraction(1, part)
    elif part:
        value = Fraction(whole, part)
    else:
        value = Fraction(whole)
    return Mention(match.start(), match.end(), match.group().strip(), (value,))


def _read_words(words: list[str]) -> int | None:
    total, current = 0, 0
    for index, word in enumerate(words):
        if word in ("a", "an"):
            if index:
                return None
            current = 1
        elif word == "and":
            continue
        elif word in _UNITS:
            if current % 100 and not (current % 100 >= 20 and current % 10 == 0):
                return None  # "two three", "twelve four"
            current += _UNITS[word]
        elif word in _TENS:
            if current % 100:
                return None
            current += _TENS[word]
        elif word == "dozen":
            current = (current or 1) * 12
        elif word == "hundred":
            current = (current or 1) * 100
        else:  # thousand, million, billion
            total += (current or 1) * _SCALES[word]
            current = 0
    return total + current
