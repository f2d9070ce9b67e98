"""Guards run on every sentence before it reaches the learner.

- answer leak: a protected answer, or anything algebraically equivalent to it, appears in a
  sentence while the move is not revealing_answer. Numbers are compared by value as a reader takes
  them (psikt.llm.numbers: "2,000", "$300.00", "25%", "twelve", "one hundred and five", "a half"). A value
  the problem or the learner's text shows as a given quantity may be restated ("she has 12 spoons")
  unless the sentence presents it as the result ("so it's 12", "the answer is 12", "= 12", "you get
  12"); any other mention of the answer's value is a leak. Math-looking spans are checked with the
  same deterministic checker as learner answers; spans copied from the problem itself are allowed
  (restating "3(x + 2) - x" is not giving away "2x + 6").
- release check (when the guard knows the learner's answer, `learner_answer`): while the move does
  not confirm (`confirms_allowed` False) a sentence may not confirm the learner's answer ("Yes, 14 is
  correct", "That's right") -> reason "confirm"; and, while the move does not reveal, a sentence may
  not state the learner's answer as the answer ("The answer to the problem is 14") -> reason
  "states", right or wrong.
- move check (`Guard.performs_move`): the reply performs the move decided. A probing move (`asks`:
  asking for an explanation, seeking self-correction) asks the learner something: the reply holds a
  question, judged on the whole reply (reason "move"). A move that leaves the step open
  (`confirms_allowed` False and not revealing: a hint, a probe, a request to write again) never
  ends the step: no sentence confirms an answer ("That's right", reason "confirm") or says the step
  is done ("You've solved it", "On to the next step", reason "ends_step"); stating the step's answer
  is the leak check's.
- length: at most `max_words` words in the whole reply.
- format: plain text only (no markdown, code, HTML or links).
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass

from psikt.checking import CORRECT, AnswerSpec, check_answer, normalize

from .numbers import Mention, mentions, value_of

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_MATH_TOKEN = re.compile(r"^[0-9a-zA-Z.+\-*/^()=\u2212\u00d7\u00f7,]+$")
_FORMAT = re.compile(r"```|`|\*\*|__|<[a-zA-Z/][^>]*>|\[[^\]]*\]\([^)]*\)|https?://|^\s*[#>*-]\s", re.MULTILINE)


@dataclass(frozen=True)
class Verdict:
    ok: bool
    reason: str = ""  # leak | length | format


def split_sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE_END.split(text.strip()) if s]


def split_complete_sentences(text: str) -> tuple[list[str], str]:
    """The finished sentences of a growing text, and the unfinished rest (kept as it is)."""
    ends = list(_SENTENCE_END.finditer(text))
    if not ends:
        return [], text
    cut = ends[-1].end()
    return split_sentences(text[:cut]), text[cut:]


def _math_spans(sentence: str) -> list[str]:
    """Runs of math-looking words, and each such word alone ('so x = 7 here' -> 'x = 7', 'x', '7')."""
    spans, run = [], []
    for word in sentence.split() + [""]:
        word = word.strip(".,;:!?\"'")
        if word and _MATH_TOKEN.match(word) and (any(c.isdigit() for c in word) or len(word) == 1 or not word.isalpha()):
            run.append(word)
            continue
        if run:
            spans.append(" ".join(run))
            if len(run) > 1:
                spans.extend(run)
                spans.extend(part.strip() for part in " ".join(run).split("=") if part.strip())
        run = []
    return spans


@dataclass(frozen=True)
class Guard:
    protected: Sequence[AnswerSpec]  # the current step's answer and the item's final answer
    allowed_text: str = ""  # the problem and step text: restating them is not a leak
    reveal: bool = False
    max_words: int = 60
    # Keyword fields, added later (a stored turn built with the four above keeps working):
    learner_answer: str = ""  # the learner's latest answer as typed; "" turns the "states" check off
    # False: the move leaves the step open: it may not confirm an answer or (unless it reveals) say
    # the step is done.
    confirms_allowed: bool = True
    asks: bool = False  # the move must ask the learner a question (probing moves)

    def sentence(self, sentence: str) -> Verdict:
        if _FORMAT.search(sentence):
            return Verdict(False, "format")
        if not self.reveal and self.leaks(sentence):
            return Verdict(False, "leak")
        if not self.confirms_allowed and confirms(sentence):
            return Verdict(False, "confirm")
        if not self.confirms_allowed and not self.reveal and ends_step(sentence):
            return Verdict(False, "ends_step")
        if not self.reveal and (states_an_answer(sentence) or self.learner_answer and self.states_learner_answer(sentence)):
            return Verdict(False, "states")
        return Verdict(True)

    def reply(self, text: str) -> Verdict:
        if len(text.split()) > self.max_words:
            return Verdict(False, "length")
        for sentence in split_sentences(text):
            verdict = self.sentence(sentence)
            if not verdict.ok:
                return verdict
        if not self.performs_move(text):
            return Verdict(False, "move")
        return Verdict(True)

    def performs_move(self, text: str) -> bool:
        """Whether the whole reply performs the move: a move that must ask (`asks`) holds a question,
        and a move that leaves the step open has no sentence that confirms or ends the step."""
        sentences = split_sentences(text)
        if self.asks and not any(asks(sentence) for sentence in sentences):
            return False
        return self.confirms_allowed or not any(
            confirms(sentence) or not self.reveal and ends_step(sentence) for sentence in sentences)

    def leaks(self, sentence: str) -> bool:
        """Whether the sentence states a protected answer (by value or equivalence), whatever the move.

        Text the problem itself shows may be restated ("both 5 and 10", "$40 per tire") even where it
        equals the answer, unless the sentence presents it as the answer ("the answer is 40")."""
        allowed = _plain(f"{self.allowed_text} {self.learner_answer}")
        plain_sentence = _plain(sentence)
        given = _values(allowed)
        found = mentions(plain_sentence)
        for spec in self.protected:
            value = value_of(normalize(spec.value)) if spec.mode != "choice" else None
            if value is not None:
                for mention in found:
                    if value not in mention.values or (value in given and not _asserted_at(plain_sentence, mention)):
                        continue
                    # A fraction is judged as written: 15/25 is not the answer 3/5 where lowest terms are asked.
                    if "/" not in mention.text or check_answer(spec, mention.text.strip("$£€ -")).verdict == CORRECT:
                        return True
            else:
                plain_answer = " ".join(normalize(spec.value).split()).lower()
                if len(plain_answer) > 1 and _contains_whole(plain_sentence.lower(), plain_answer) and (
                        not _contains_whole(allowed.lower(), plain_answer) or _asserted(plain_sentence, plain_answer)):
                    return True
            # The right choice's text ("0.5") is on the page with the others: naming it is no leak,
            # presenting it as the answer ("the larger one is 0.5") is.
            for key, text in spec.choices:
                plain_text = " ".join(normalize(text).split()).lower()
                if key == spec.value and plain_text and _contains_whole(plain_sentence.lower(), plain_text) and (
                        _asserted(plain_sentence, plain_text)):
                    return True
            if spec.mode == "choice":
                continue  # a choice key ("a") is an ordinary word in prose; only the whole-word check applies
            squeezed = allowed.replace(" ", "")
            for span in _math_spans(sentence):
                if value is not None and value_of(span) is not None:
                    continue  # one number: judged by value above
                if span.replace(" ", "") in squeezed and not _asserted(plain_sentence, span):
                    continue
                if check_answer(spec, span).verdict == CORRECT:
                    return True
        return False

    def states_learner_answer(self, sentence: str) -> bool:
        """Whether the sentence gives the learner's own answer as the answer ("The answer is 14.",
        "So it's 14.", "14 is correct"), which a move that does not reveal may not do, right or wrong.
        Reporting it ("You said 14", "Why is your answer 14?") is allowed."""
        if sentence.rstrip().endswith("?"):
            return False
        learner = mentions(normalize(self.learner_answer))
        if not learner:
            return False
        value = learner[-1].values[0]
        plain = " ".join(normalize(sentence).split())
        for mention in mentions(plain):
            if value not in mention.values[:1]:
                continue
            before, after = plain[:mention.start], plain[mention.end:]
            if _REPORTED.search(before) or _NEGATED_AFTER.match(after):
                continue
            if _ANSWER_BEFORE.search(before) or _SO_BEFORE.search(before) or _ANSWER_AFTER.match(after):
                return True
        return False


_TEX_FRACTION = re.compile(r"\\[dt]?frac\s*\{\s*([^{}]*?)\s*\}\s*\{\s*([^{}]*?)\s*\}")


def _plain(text: str) -> str:
    """Normalised text with TeX fractions as a/b ("$\\frac{1}{2}$" reads as the number 1/2)."""
    text = _TEX_FRACTION.sub(r"\1/\2", normalize(text))
    return " ".join(text.split())


_THE_ANSWER_IS = re.compile(
    r"\b(?:the|your|my|our)\s+(?:final\s+|correct\s+|right\s+|real\s+)?answer(?:\s+(?:to|for|of)\s+(?:the|this|that)\s+"
    r"(?:problem|question|step|sum|exercise))?\s*(?:is|was|would be|will be|should be|must be|=|:)\s*$",
    re.IGNORECASE,
)


def states_an_answer(sentence: str) -> bool:
    """Whether the sentence gives some number as the answer ("The answer to the problem is 12."),
    right or wrong, which a move that does not reveal may not do. Questions, negations and reported
    answers ("Your answer is 12?", "the answer is not 12", "you said the answer is 12") pass."""
    plain = _plain(sentence)
    if plain.endswith("?"):
        return False
    for mention in mentions(plain):
        before = plain[:mention.start]
        if _THE_ANSWER_IS.search(before) and not _REPORTED.search(before) and not _OPERAND.match(plain[mention.end:]):
            return True
    return False


def _values(text: str) -> set:
    """Every value a text shows: each number, and a fraction's numerator and denominator too ("1/2"
    shows 1 and 2 as well as a half)."""
    values = set()
    for mention in mentions(text):
        values.update(mention.values)
        if "/" in mention.text:
            values.update(value_of(part) for part in mention.text.split("/") if value_of(part) is not None)
    return values


# Words that present what follows as the result: "the answer is 40", "it makes 12", "= 7".
_ASSERTING = re.compile(
    r"(?:\b(?:answers?|results?|solutions?|equals?|is|are|was|be|makes?|gives?|gets?|got|total|it's|that's|its"
    r"|comes? (?:to|out (?:at|as|to))|left with|leaves|equal to|to get|you get|we get)\b|=)\W*$",
    re.IGNORECASE,
)
# ... or what precedes it: "40 is the answer", "40 is correct".
_ASSERTING_AFTER = re.compile(
    r"^\W*(?:[a-z]+\W+){0,2}?(?:is|was|would be|will be)\s+(?:the\s+)?(?:final\s+|correct\s+|right\s+)?"
    r"(?:answer|result|solution|correct|right)\b",
    re.IGNORECASE,
)
# The learner's answer given as the answer: an answer word before it, or "so it's", or "... is correct".
_ANSWER_BEFORE = re.compile(
    r"\b(?:answers?|results?|solutions?|total)\b[^.?!;]*?(?:\b(?:is|was|be|equals?|of)|=)\W*$", re.IGNORECASE)
_SO_BEFORE = re.compile(
    r"\b(?:so|then|therefore|thus|yes|yeah|right|correct|exactly)\W+(?:it's|it is|its|that's|that is|you get|we get"
    r"|the \w+ (?:is|are)|=)?\W*$", re.IGNORECASE)
_ANSWER_AFTER = _ASSERTING_AFTER
_REPORTED = re.compile(
    r"\b(?:you (?:said|wrote|got|get|think|thought|put|found|gave|have|had|chose|picked|answered)|you've (?:got|written|put)"
    r"|your (?:answer|result|solution)|if|why|how|whether|not|isn't|n't)\b", re.IGNORECASE)
_NEGATED_AFTER = re.compile(r"^\W*(?:[a-z]+\W+){0,2}?(?:is|was)\s*(?:not|n't)\b|^\W*isn't\b", re.IGNORECASE)

# A sentence that tells the learner their answer is right.
_CONFIRMS = re.compile(
    r"\b(?:(?:that's|that is|it's|it is|you're|you are|is|are|was|were|you got it|you have it)\s+"
    r"(?:absolutely\s+|exactly\s+|completely\s+|totally\s+|all\s+|quite\s+)?(?:right|correct)\b(?!\s+to\b)"
    r"|well done|good job|great job|nice work|spot on|you got it|you've got it|exactly right|that's it\b|perfect\b)"
    r"|^\W*(?:yes|yep|yeah|exactly)\b|^\W*(?:correct|right)\s*[!.]",  # not "Right, let's look again"
    re.IGNORECASE,
)
_NEGATION = re.compile(r"\b(?:not|no|never|almost|nearly|quite|partly|partially|isn't|aren't|wasn't|n't)\b|n't\b", re.IGNORECASE)


def confirms(sentence: str) -> bool:
    """Whether the sentence tells the learner they are right ("Yes, 14 is correct.", "That's right!",
    "Well done."), not a question and not negated ("That's not quite right.")."""
    text = " ".join(normalize(sentence).split())
    if text.endswith("?"):
        return False
    for match in _CONFIRMS.finditer(text):
        if not _NEGATION.search(text[max(0, match.start() - 25):match.end()]):
            return True
    return False


# A question put to the learner: a question mark, or a sentence opening as one ("Can you explain how
# you got it." typed without its mark). An instruction ("Look at the step.") asks nothing.
_QUESTION_OPENING = re.compile(
    r"^\W*(?:(?:so|now|then|ok|okay|and|but)\W+)?(?:can|could|would|will|do|does|did|is|are|what|how|why|which|where"
    r"|when|who)\b[^.!]*\b(?:you|your|it|this|that|the|we)\b", re.IGNORECASE)


def asks(sentence: str) -> bool:
    """Whether the sentence puts a question to the learner."""
    return "?" in sentence or _QUESTION_OPENING.search(sentence) is not None


# A sentence that says the step (or the problem) is finished: "You've solved it", "This step is done",
# "On to the next step". A hint or a probe leaves the step open.
_ENDS_STEP = re.compile(
    r"\b(?:you(?:'ve| have)?\s+(?:now\s+|just\s+)?(?:solved|finished|completed|cracked)\b"
    r"|(?:you're|you are|we're|we are)\s+(?:all\s+)?(?:done|finished)\b"
    r"|(?:this|the|that)\s+(?:step|problem|question|part)\s+is\s+(?:now\s+)?(?:done|solved|finished|complete)\b"
    r"|(?:that|which)\s+(?:completes|finishes|solves)\s+(?:the|this)\b"
    r"|(?:move|go|carry)\s+on\s+to\s+the\s+next\s+(?:step|part|question|problem)"
    r"|^\W*(?:next|now)\W+(?:on\s+to\s+)?the\s+next\s+(?:step|part)"
    r"|^\W*on\s+to\s+the\s+next)",
    re.IGNORECASE,
)


def ends_step(sentence: str) -> bool:
    """Whether the sentence tells the learner the step or the problem is done (not as a question or
    a negation: "You haven't finished yet" leaves it open)."""
    text = " ".join(normalize(sentence).split())
    if text.endswith("?"):
        return False
    for match in _ENDS_STEP.finditer(text):
        if not _NEGATION.search(text[max(0, match.start() - 25):match.end()]):
            return True
    return False


_OPERAND = re.compile(r"^\s*[-+*/\u00d7\u00f7x\u2212]\s*[$\d(]")


def _asserted_at(sentence: str, mention: Mention) -> bool:
    """Whether the sentence presents this number as a result: an asserting word before it or "is the
    answer" after it; not where it is the first operand of a calculation ("makes 10 - 1 = 9")."""
    if _OPERAND.match(sentence[mention.end:]):
        return False
    return bool(_ASSERTING.search(sentence[:mention.start]) or _ASSERTING_AFTER.match(sentence[mention.end:]))

def _asserted(sentence: str, span: str) -> bool:
    """Whether some occurrence of `span` in the sentence comes straight after an asserting word."""
    lowered, target = sentence.lower(), span.lower()
    start = lowered.find(target)
    while start >= 0:
        if _ASSERTING.search(sentence[:start]):
            return True
        start = lowered.find(target, start + 1)
    return False


def _contains_whole(text: str, answer: str) -> bool:
    """`answer` in `text` as a whole word or number: 10 is not in 100 or 2.10, "here" not in "here's"."""
    return re.search(r"(?<![\w.,'])" + re.escape(answer) + r"(?!\w|'\w|[.,]\d)", text) is not None
