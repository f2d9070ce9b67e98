"""Mastery levels a learner understands, in the manner of Khan Academy's: a name per skill (KC)
from the tracer's posterior and whether the learner has answered anything on that skill.

The tracer's belief about a KC is a probability `p` that the skill is mastered and `sd`, the
standard deviation of the latent skill on its logit scale (about 1.0 before any answer, shrinking
with evidence: about 0.73 after eight answers on the skill in the demo course). The levels:

- "Not started": no answers on the skill yet, whatever `p` (the prior and transfer from related
  skills move `p`, but the learner has shown nothing: never "50%").
- "Attempted":   answered, and p < 0.55 (a first wrong answer lands here; the prior is 0.50).
- "Familiar":    0.55 <= p < 0.75 (a first right answer from a fresh start: about 0.58).
- "Proficient":  p >= 0.75, and not yet "Mastered".
- "Mastered":    p >= 0.90 and sd <= 0.80: high and also settled, so that a lucky run on little
  evidence does not read as mastered.

A page shows the name; the number behind it (p as a %) only on demand (a title or details).
"""

from dataclasses import dataclass

NOT_STARTED, ATTEMPTED, FAMILIAR, PROFICIENT, MASTERED = "not-started", "attempted", "familiar", "proficient", "mastered"
ORDER = (NOT_STARTED, ATTEMPTED, FAMILIAR, PROFICIENT, MASTERED)
NAMES = {NOT_STARTED: "Not started", ATTEMPTED: "Attempted", FAMILIAR: "Familiar", PROFICIENT: "Proficient",
         MASTERED: "Mastered"}

FAMILIAR_P = 0.55
PROFICIENT_P = 0.75
MASTERED_P = 0.90
MASTERED_MAX_SD = 0.80


@dataclass(frozen=True)
class Level:
    key: str  # one of ORDER, stable for CSS and tests
    name: str  # the words a learner reads
    rank: int  # 0 (not started) .. 4 (mastered)
    percent: int | None  # p as a whole %, None when not started (nothing to show)

    @property
    def at_least_proficient(self) -> bool:
        return self.rank >= ORDER.index(PROFICIENT)


def level_key(*, p: float, sd: float, answers: int) -> str:
    if answers <= 0:
        return NOT_STARTED
    if p >= MASTERED_P and sd <= MASTERED_MAX_SD:
        return MASTERED
    if p >= PROFICIENT_P:
        return PROFICIENT
    if p >= FAMILIAR_P:
        return FAMILIAR
    return ATTEMPTED


def mastery_level(*, p: float, sd: float, answers: int) -> Level:
    key = level_key(p=p, sd=sd, answers=answers)
    return Level(key, NAMES[key], ORDER.index(key), None if key == NOT_STARTED else round(100 * p))


def progress_summary(levels: list[Level]) -> dict:
    """The course in one line: how many skills are proficient or better, mastered, started."""
    total = len(levels)
    good = sum(level.at_least_proficient for level in levels)
    mastered = sum(level.key == MASTERED for level in levels)
    started = sum(level.key != NOT_STARTED for level in levels)
    detail = f"{mastered} mastered, {started} started" if started else "none started yet"
    return {"total": total, "proficient_or_better": good, "mastered": mastered, "started": started,
            "line": f"{good} of {total} skill{'s' if total != 1 else ''} proficient or better ({detail})."}
