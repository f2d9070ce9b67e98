"""Guards run on every sentence before it reaches the learner.

- answer leak: a protected answer, or anything algebraically equivalent to it, appears in a
  sentence while the move is not revealing_answer. Math-looking spans are checked with the same
  deterministic checker as learner answers; spans copied from the problem itself are allowed
  (restating "3(x + 2) - x" is not giving away "2x + 6").
- length: at most `max_words` words in the whole reply.
- format: plain text only (no markdown, code, HTML or links).
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass

from checking import CORRECT, AnswerSpec, check_answer, normalize

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

    def sentence(self, sentence: str) -> Verdict:
        if _FORMAT.search(sentence):
            return Verdict(False, "format")
        if not self.reveal and self.leaks(sentence):
            return Verdict(False, "leak")
        return Verdict(True)

    def reply(self, text: str) -> Verdict:
        if len(text.split()) > self.max_words:
            return Verdict(False, "length")
        for sentence in split_sentences(text):
            verdict = self.sentence(sentence)
            if not verdict.ok:
                return verdict
        return Verdict(True)

    def leaks(self, sentence: str) -> bool:
        """Whether the sentence states a protected answer (by value or equivalence), whatever the move.

        Text the problem itself shows may be restated ("both 5 and 10", "$40 per tire") even where it
        equals the answer, unless the sentence presents it as the answer ("the answer is 40")."""
        allowed = " ".join(normalize(self.allowed_text).split())
        plain_sentence = " ".join(normalize(sentence).split())
        for spec in self.protected:
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
            for span in _math_spans(sentence):
                if span in allowed and not _asserted(plain_sentence, span):
                    continue
                if check_answer(spec, span).verdict == CORRECT:
                    return True
        return False


# Words that present what follows as the result: "the answer is 40", "it makes 12", "= 7".
_ASSERTING = re.compile(
    r"(?:\b(?:answers?|results?|solutions?|equals?|is|are|was|makes?|gives?|gets?|total|it's|that's)\b|=)\W*$",
    re.IGNORECASE,
)


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
