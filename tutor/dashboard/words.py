"""The tracer's numbers in the words a teacher reads: mastery levels (the learner's own, from
tutor.learning.levels), how sure the estimate is, and what became of each answer.

The number behind a word is never dropped, only moved: pages put it in a title or a table a teacher
opens on demand, so the first thing read is a word and the number is one hover away."""

from tutor.learning.levels import Level
from tutor.learning.models import Attempt

# The posterior's standard deviation of a skill (logit scale) is about 1.0 before any answer on it and
# shrinks with evidence (about 0.73 after eight answers in the demo course); it grows again with time
# away, as forgetting makes the tracer less sure. Upper bounds, checked in order.
CERTAINTY = ((0.6, "sure"), (0.75, "fairly sure"), (0.9, "not very sure yet"))
UNSURE = "a first guess, from little evidence"


def how_sure(sd: float) -> str:
    """How sure the tracer is of a skill's estimate, in words."""
    return next((words for bound, words in CERTAINTY if sd < bound), UNSURE)


def level_detail(level: Level, sd: float, answers: int) -> str:
    """The numbers behind a level, for a title or a table cell's hover: "estimated 62% mastered,
    fairly sure, from 6 answers"."""
    if level.percent is None:
        return "no answers on this skill yet"
    return f"estimated {level.percent}% mastered, {how_sure(sd)}, from {answers} answer{'s' if answers != 1 else ''}"


VERDICTS = {
    Attempt.Verdict.CORRECT_: "right",
    Attempt.Verdict.INCORRECT_: "wrong",
    Attempt.Verdict.MISCONCEPTION_: "wrong: a common mistake",
    Attempt.Verdict.UNREADABLE_: "could not be read as an answer",
    Attempt.Verdict.WRONG_KIND_: "not the kind of answer asked for",
    Attempt.Verdict.WRONG_FORM_: "the right value, not in the form asked for",
    Attempt.Verdict.SKIPPED_: "skipped",
}

# The hint ladder's rungs (tutor.content.models.Hint.Level), as the teacher reads them.
HINTS = {1: "Hint 1 of 3 (a pointer)", 2: "Hint 2 of 3 (how to do it)", 3: "Hint 3 of 3 (the answer shown)"}
