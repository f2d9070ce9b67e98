"""What an answer is checked against, and the verdicts a check gives."""

from collections.abc import Mapping
from dataclasses import asdict, dataclass

MODES = ("exact", "numeric", "fraction", "decimal", "solve", "expression", "equation", "choice")
ALGEBRAIC_MODES = ("expression", "equation", "solve")
NUMBER_MODES = ("numeric", "fraction", "decimal")

CORRECT = "correct"
MISCONCEPTION = "misconception"
INCORRECT = "incorrect"
UNREADABLE = "unreadable"  # the text is not something the checker can read (the reason says what)
WRONG_KIND = "wrong_kind"  # readable, but not the kind of answer asked (an expression for a number)
WRONG_FORM = "wrong_form"  # equal in value, but not in the form asked (3/4 when a decimal is asked)
VERDICTS = (CORRECT, MISCONCEPTION, INCORRECT, UNREADABLE, WRONG_KIND, WRONG_FORM)
# Only these say anything about what the learner knows; the others ask them to write it again.
EVIDENCE_VERDICTS = (CORRECT, MISCONCEPTION, INCORRECT)


@dataclass(frozen=True)
class AnswerSpec:
    mode: str
    value: str
    tolerance: float = 1e-9
    # fraction: in lowest terms (and not a decimal); expression: in simplest form (no like terms
    # left to combine, no arithmetic left to do). solve answers are always simplified.
    simplified: bool = False
    # choice mode: (key, text) pairs; a bare key is accepted too (then only the key can be typed).
    choices: tuple = ()

    def __post_init__(self):
        pairs = tuple(
            (str(c), "") if isinstance(c, str) else
            (str(c["key"]), str(c.get("text", ""))) if isinstance(c, Mapping) else
            (str(c[0]), str(c[1]))
            for c in self.choices
        )
        object.__setattr__(self, "choices", pairs)

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(key for key, _ in self.choices)

    @classmethod
    def from_dict(cls, answer: Mapping) -> "AnswerSpec":
        """From a stored answer (`{"mode", "value", "tolerance"?, "simplified"?, "choices"?: [{key, text}]}`)."""
        return cls(
            mode=answer["mode"],
            value=str(answer["value"]),
            tolerance=answer.get("tolerance", 1e-9),
            simplified=answer.get("simplified", False),
            choices=tuple(answer.get("choices") or ()),
        )

    def to_dict(self) -> dict:
        data = asdict(self)
        data["choices"] = [{"key": key, "text": text} for key, text in self.choices]
        return data


@dataclass(frozen=True)
class Misconception:
    answer: str
    label: str
    feedback: str


@dataclass(frozen=True)
class CheckResult:
    verdict: str  # one of VERDICTS
    misconception: Misconception | None = None
    # A sentence for the learner: what could not be read (unreadable), what kind of answer is asked
    # (wrong_kind), the form asked (wrong_form), or a note on an incorrect answer.
    reason: str = ""

    @property
    def correct(self) -> bool:
        return self.verdict == CORRECT

    @property
    def evidence(self) -> bool:
        """Whether this result says anything about what the learner knows (for a tracer)."""
        return self.verdict in EVIDENCE_VERDICTS


@dataclass(frozen=True)
class Judgement:
    """A check's outcome on plain data: `index` names the matched misconception (-1: none)."""

    verdict: str
    index: int = -1
    reason: str = ""


@dataclass(frozen=True)
class Preview:
    """What the answer preview shows: whether the text is readable, what was read, and the words
    the checker would use when it is not (or when it is readable but the wrong kind)."""

    ok: bool
    mathml: str = ""
    message: str = ""

    def to_dict(self) -> dict:
        return {"ok": self.ok, "mathml": self.mathml, "message": self.message}
