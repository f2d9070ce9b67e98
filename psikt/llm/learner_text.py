"""A learner's words as the tutor reads them, when the checker cannot read them as an answer.

`read_learner_text(text)` classifies a turn deterministically (word and pattern rules, no model) into
one kind, tried in this order:

- ``working``: one or more arithmetic claims, each an expression and the value the learner says it
  has: "11 - 3 = 8" -> (("11 - 3", "8"),); "I added 3 to 11 and got 14" -> (("11 + 3", "14"),);
  "5 times 4 is 20, then 20 - 2 = 18" -> (("5 * 4", "20"), ("20 - 2", "18")). Number words are read
  ("three plus four makes seven"); the verbs added/subtracted/took away/multiplied/divided are turned
  round into the expression they describe ("subtracted 3 from 11" is "11 - 3").
- ``stuck``: "I don't get it", "no idea", "help", "I'm stuck", "idk".
- ``question``: ends with "?" or starts with why/how/what/when/where/which/who/can/could/should/do/does.
- ``answer``: an answer in words around one value: "I think it's 4" -> "4", "x is 3" -> "3",
  "it's 3/4" -> "3/4", "maybe twelve" -> "12", "the answer is 2.5" -> "2.5", or an equation: "I think
  it's 3x + 3 = 12" -> "3x + 3 = 12", "it's y = 2x + 1" -> "y = 2x + 1". The value keeps the form
  it was written in (digits are not rewritten: "0.75" stays "0.75").
- ``explanation``: words about a method with no checkable claim ("I added them and then halved it").
- ``off_topic``: anything else (the conservative default: no claim is read into it). Of that,
  `is_chatter(text)` tells words about something else ("my cat keeps sitting on my keyboard lol")
  from maths the reader could not make out ("3//4", "x^", a bare "7"), which the checker answers.

`check_claims(reading)` checks each claim's arithmetic with `checking` (its safe parser; never
`eval`): a claim is right or wrong, or unchecked when the checker cannot read it.
"""

import itertools
import re
from dataclasses import dataclass
from fractions import Fraction

from psikt.checking import CORRECT, INCORRECT, AnswerSpec, check_answer

from .numbers import value_of

ANSWER, WORKING, QUESTION, STUCK, EXPLANATION, OFF_TOPIC = (
    "answer", "working", "question", "stuck", "explanation", "off_topic",
)
KINDS = (ANSWER, WORKING, QUESTION, STUCK, EXPLANATION, OFF_TOPIC)
MAX_TEXT_CHARS = 500  # longer text is read as its first MAX_TEXT_CHARS characters


@dataclass(frozen=True)
class Claim:
    expression: str  # "11 + 3"
    claimed: str  # "14"


@dataclass(frozen=True)
class Reading:
    kind: str
    answer: str = ""  # for ANSWER: the answer text to check
    claims: tuple[Claim, ...] = ()  # for WORKING


@dataclass(frozen=True)
class ClaimCheck:
    claim: Claim
    right: bool | None  # None: the checker could not judge it

    @property
    def feedback(self) -> str:
        """A sentence on a wrong claim: "Check 11 + 3: that is not 14." (empty unless wrong)."""
        if self.right is not False:
            return ""
        return f"Check {self.claim.expression}: that is not {self.claim.claimed}."


_NUMBER_WORDS = [
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
    "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty", "thirty", "forty",
    "fifty", "sixty", "seventy", "eighty", "ninety", "hundred", "thousand",
]
_WORD_NUMBER = re.compile(
    r"\b(?:" + "|".join(_NUMBER_WORDS) + r")(?:[\s-]+(?:and\s+)?(?:" + "|".join(_NUMBER_WORDS) + r"))*\b"
)
_NUM = r"-?\d+(?:\.\d+)?(?:/\d+)?"
_OPERAND = r"(?:-?\d+(?:\.\d+)?(?:/\d+)?|\([^()]*\))"
# The verbs that describe an operation, as (pattern, expression built from its operands).
_VERBS = (
    (re.compile(rf"\badd(?:ed|ing)?\s+({_OPERAND})\s+(?:to|and)\s+({_OPERAND})"), r"\2 + \1"),
    (re.compile(rf"\b(?:subtract(?:ed|ing)?|took away|take away|taking away)\s+({_OPERAND})\s+from\s+({_OPERAND})"), r"\2 - \1"),
    (re.compile(rf"\b(?:took|take|taking)\s+({_OPERAND})\s+(?:away\s+)?from\s+({_OPERAND})"), r"\2 - \1"),
    (re.compile(rf"\bmultipl(?:ied|y|ying)\s+({_OPERAND})\s+(?:by|and|with)\s+({_OPERAND})"), r"\1 * \2"),
    (re.compile(rf"\bdivid(?:ed|e|ing)\s+({_OPERAND})\s+by\s+({_OPERAND})"), r"\1 / \2"),
)
_WORD_OPERATORS = (
    (re.compile(r"(?<=[\d)])\s+(?:plus|add)\s+(?=[-\d(])"), " + "),
    (re.compile(r"(?<=[\d)])\s+(?:minus|take away|subtract)\s+(?=[-\d(])"), " - "),
    (re.compile(r"(?<=[\d)])\s+(?:times|multiplied by|x)\s+(?=[-\d(])"), " * "),
    (re.compile(r"(?<=[\d)])\s+(?:divided by|over)\s+(?=[-\d(])"), " / "),
    (re.compile(r"(?<=\d)\s*[x×]\s*(?=\d)"), " * "),
)
# What joins an expression to its value: "= 14", "and got 14", "is 14", "makes 14", "gives 14".
_RESULT = re.compile(
    r"(?<=[\d)])\s*(?:,\s*)?(?:=|\b(?:and\s+)?(?:got|get|gets|getting|to get|which gives|which is|"
    r"that gives|that makes|is equal to|equals|equal|is|makes|make|gives|give|comes to))\s*(?=-?\d)"
)
_RUN = re.compile(r"[-\d.+*/^()= ]+")
_HAS_OPERATION = re.compile(r"[\d)]\s*[-+*/^]\s*[-\d(]")

_STUCK = re.compile(
    r"\b(?:i\s+(?:do\s*n['o]?t|dont|don't)\s+(?:get|understand|know)|no\s+idea|no\s+clue|help|idk|dunno|"
    r"i'?m\s+(?:stuck|lost|confused)|i\s+am\s+(?:stuck|lost|confused)|stuck|confused|not\s+sure|i\s+give\s+up|"
    r"(?:can'?t|cannot)\s+do|hints?)\b"
)
_QUESTION_START = re.compile(r"^(?:why|how|what|when|where|which|who|can|could|should|do|does|would)\b")
_ANSWER_PREFIX = re.compile(
    r"^(?:i\s+think|i\s+guess|i\s+believe|i\s+reckon|i'?d\s+say|i\s+got|i\s+get|i\s+have|maybe|probably|perhaps|"
    r"so|ok|okay|well|um+|hmm+|my\s+answer\s+is|the\s+answer\s+is|answer\s+is|answer|the\s+answer|"
    r"it'?s|it\s+is|its|that'?s|that\s+is|is|it|equals|=|:|,|[a-z]\s+(?:is|=|equals)|[a-z]\s*=)\s*"
)
# "x =" / "x is" before a value is the answer's own name ("x = 3" is the answer 3), not before an
# expression in letters: "y = 2x + 1" is an equation, kept whole.
_VARIABLE_PREFIX = re.compile(r"^[a-z]\s*(?:is|=|equals)\s*(?=.*[a-z])")
_ANSWER_SUFFIX = re.compile(r"\s*(?:i\s+think|i\s+guess|maybe|probably|right|[.!,]+)\s*$")
_MATH_ANSWER = re.compile(r"[-$£€]?[\d.,]*\d[\d.,]*(?:\s*/\s*\d+)?%?|-?[\d\s.+\-*/^()a-z=]{1,30}")
_METHOD = re.compile(
    r"\b(?:add|added|adding|subtract|subtracted|subtracting|take away|took away|minus|plus|multipl\w*|times|"
    r"divid\w*|first|then|because|both sides|moved?|simplif\w*|factor\w*|expand\w*|denominator|numerator|"
    r"halv\w*|half|doubl\w*|carr(?:y|ied)|borrow\w*|sum|difference|product|total|each|per|equation|"
    r"side|counted|worked out|calculated|did)\b"
)


def read_learner_text(text: str) -> Reading:
    """Classify a learner's turn (see the module docstring for the rules and examples)."""
    raw = " ".join(str(text or "")[:MAX_TEXT_CHARS].split())
    lowered = raw.lower().replace("\u2212", "-").replace("\u00f7", "/").replace("\u2019", "'")
    if not lowered:
        return Reading(OFF_TOPIC)
    claims = _claims(lowered)
    if claims:
        return Reading(WORKING, claims=claims)
    if _STUCK.search(lowered):
        return Reading(STUCK)
    if lowered.endswith("?") or _QUESTION_START.match(lowered):
        return Reading(QUESTION)
    answer = _answer(lowered)
    if answer:
        return Reading(ANSWER, answer=answer)
    if _METHOD.search(lowered):
        return Reading(EXPLANATION)
    return Reading(OFF_TOPIC)


_MATHS_MARK = re.compile(r"[\d=+*/^()<>%\u2212\u00f7\u00d7]")
_WORD = re.compile(r"[^\W\d_]{2,}")


def is_chatter(text: str) -> bool:
    """Off-topic words, with no digit or maths symbol in them: talk about something else, not an
    answer written wrongly ("3//4", "#": those get the checker's note on how to write it)."""
    return bool(_WORD.search(text)) and not _MATHS_MARK.search(text) and read_learner_text(text).kind == OFF_TOPIC


def check_claims(reading: Reading) -> tuple[ClaimCheck, ...]:
    """Each working claim checked: its expression's value against the value claimed."""
    return tuple(ClaimCheck(claim, _claim_right(claim)) for claim in reading.claims)


def first_wrong(checks: tuple[ClaimCheck, ...]) -> ClaimCheck | None:
    return next((check for check in checks if check.right is False), None)


def _claim_right(claim: Claim) -> bool | None:
    decimals = claim.claimed.split(".")[1] if "." in claim.claimed else ""
    # A rounded decimal is right to the places it was written with ("1/3 = 0.33").
    tolerance = 0.5 * 10 ** -len(decimals) if decimals.isdigit() else 1e-9
    verdict = check_answer(AnswerSpec("numeric", value=claim.expression, tolerance=tolerance), claim.claimed).verdict
    return True if verdict == CORRECT else False if verdict == INCORRECT else None


def _digits(text: str) -> str:
    """Number words as digits ("three plus four" -> "3 plus 4")."""
    def replace(match: re.Match) -> str:
        value = value_of(match.group())
        return str(value) if isinstance(value, Fraction) and value.denominator == 1 else match.group()

    return _WORD_NUMBER.sub(replace, text)


def _claims(text: str) -> tuple[Claim, ...]:
    text = _digits(text)
    text = re.sub(r"(?<=\d),(?=\d{3}\b)", "", text)  # 2,000 -> 2000
    for pattern, expression in _VERBS:
        text = pattern.sub(lambda m, e=expression: "(" + m.expand(e) + ")", text)
    for pattern, operator in _WORD_OPERATORS:
        text = pattern.sub(operator, text)
    text = _RESULT.sub(" = ", text)
    claims = []
    for run in _RUN.findall(text):
        parts = [part.strip() for part in run.split("=")]
        for left, right in itertools.pairwise(parts):
            left, right = _unwrapped(left), _unwrapped(right.rstrip(". "))
            if _HAS_OPERATION.search(left) and re.fullmatch(r"[-\d.+*/^() ]+", right) and re.search(r"\d", right):
                claims.append(Claim(_spaced(left), _spaced(right)))
    return tuple(claims)


def _unwrapped(text: str) -> str:
    text = text.strip()
    while text.startswith("(") and text.endswith(")") and text.count("(") == 1:
        text = text[1:-1].strip()
    if text.count("(") != text.count(")"):
        text = text.strip("()").strip()
    return text


def _spaced(expression: str) -> str:
    """"11+3" -> "11 + 3" (a leading minus stays with its number)."""
    spaced = re.sub(r"(?<=[\d)])\s*([-+*/^])\s*", r" \1 ", expression)
    return " ".join(spaced.split())


def _answer(text: str) -> str:
    rest = text.rstrip("?").strip()
    stripped = False
    while True:
        rest_before = rest
        if _ANSWER_PREFIX.match(rest) and not _VARIABLE_PREFIX.match(rest):
            rest = _ANSWER_PREFIX.sub("", rest, count=1)
        rest = _ANSWER_SUFFIX.sub("", rest)
        if rest == rest_before:
            break
        stripped = True
    if not rest or not re.search(r"\d", rest) and value_of(rest) is None:
        return ""
    if not re.search(r"\d", rest):
        value = value_of(rest)
        return str(value)  # number words: "twelve" -> "12", "three quarters" -> "3/4"
    if not _MATH_ANSWER.fullmatch(rest) or (not stripped and rest == text):
        return ""
    rest = re.sub(r"^[$£€]|%$", "", rest)
    rest = re.sub(r"(?<=\d),(?=\d{3}\b)", "", rest)
    # No words ("4 apples" is not read), and one variable, two in an equation ("y = 2x + 1").
    if len(set(re.findall(r"[a-z]", rest))) > (2 if "=" in rest else 1) or re.search(r"[a-z]{2,}", rest):
        return ""
    return rest.strip()
