"""The one adapter from the attempt log to the tracer's observations: which answers count as
evidence, under which tracer key, at which time.

Which answers count is decided once, when an answer is recorded (`StepVisit.answer_counts`), and
stored on the attempt (`Attempt.counts`): the online fold, `rebuild_state`, the dashboard's replays,
the trait estimate and the refit all read that decision through here, so they agree, and a rebuild
always equals the online state.

The rule, per step (or final answer) of an item and per visit of the item (from one serving to the
next, LearnerState.visit): a checked answer (right, wrong or a known mistake) is evidence when it is
the learner's first on that step in the visit, or their first since the tutor gave a new hint rung
there; never once the tutor has told the answer (the bottom-out hint or a reveal). A step solved in
the visit takes no more answers (the orchestrator replays the solving one). Unreadable answers, the
wrong kind or form of answer and skips are never evidence. So re-submitting a solved answer, or
copying the answer the tutor just gave, cannot move mastery.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from django.db.models import QuerySet

from psikt.llm.moves import Intent
from psikt.llm.prompt import LEARNER, TUTOR
from tutor.content.models import Item

from .models import Attempt, TutorTurn

SECONDS_PER_DAY = 86400.0
EVIDENCE_VERDICTS = (Attempt.Verdict.CORRECT_, Attempt.Verdict.INCORRECT_, Attempt.Verdict.MISCONCEPTION_)
BOTTOM_OUT_HINT = 3  # the ladder's last rung states the step's answer


@dataclass(frozen=True)
class Observation:
    """One answer as the tracer sees it."""

    key: str  # the tracer's item: the item (or its template), or one of its steps
    item_key: str  # the planner's item: the item (or its template), steps aside
    final: bool  # the item's final answer, not a step's
    correct: bool
    at: float  # the tracer's clock, see tracer_time


def tracer_item_key(item: Item) -> str:
    """Items drawn from one template share their parameters in the tracer: they are one item there."""
    return f"template:{item.template.key}" if item.template_id else item.key


def step_tracer_key(item_key: str, step_key: str) -> str:
    """Steps are items of their own for the tracer: they carry their own KCs."""
    return f"{item_key}#{step_key}" if step_key else item_key


def tracer_time(moment: datetime) -> float:
    """The tracer's clock: seconds since the epoch."""
    return moment.timestamp()


def planner_time(moment: datetime) -> float:
    """The planners' clock: days since the epoch."""
    return moment.timestamp() / SECONDS_PER_DAY


class StepAnswer(NamedTuple):
    verdict: str
    counts: bool
    rung: int
    mistake: str  # the known misconception's label, if it was one


class StepTurn(NamedTuple):
    hint_level: int
    intent: str
    learner_said: str  # their answer or message
    tutor_said: str  # empty while a model's reply is pending


_ANSWER_FIELDS = ("verdict", "counts", "rung", "misconception_label")
_TURN_FIELDS = ("hint_level", "move_intent", "learner_text", "attempt__raw_answer", "text")


def _turn(hint_level, intent, learner_text, raw_answer, text) -> StepTurn:
    return StepTurn(hint_level, intent, learner_text or raw_answer or "", text)


@dataclass(frozen=True)
class StepVisit:
    """One step of an item in the learner's current visit of it, as far as it went: its answers and
    the tutor's turns on it, in order."""

    answers: tuple[StepAnswer, ...]
    turns: tuple[StepTurn, ...]

    @classmethod
    def read(cls, *, learner_id: int, item: Item, step_key: str, visit: int) -> "StepVisit":
        answers = Attempt.objects.filter(learner_id=learner_id, item=item, step_key=step_key, visit=visit)
        turns = TutorTurn.objects.filter(learner_id=learner_id, item=item, step_key=step_key, visit=visit)
        return cls(tuple(StepAnswer(*row) for row in answers.order_by("id").values_list(*_ANSWER_FIELDS)),
                   tuple(_turn(*row) for row in turns.order_by("id").values_list(*_TURN_FIELDS)))

    @classmethod
    def of_item(cls, *, learner_id: int, item: Item, visit: int) -> dict[str, "StepVisit"]:
        """Every step of the item (and "" for its final answer) in the visit, in two queries."""
        answers = (Attempt.objects.filter(learner_id=learner_id, item=item, visit=visit).order_by("id")
                   .values_list("step_key", *_ANSWER_FIELDS))
        turns = (TutorTurn.objects.filter(learner_id=learner_id, item=item, visit=visit).order_by("id")
                 .values_list("step_key", *_TURN_FIELDS))
        keys = ["", *item.steps.values_list("key", flat=True)]
        return {key: cls(tuple(StepAnswer(*row[1:]) for row in answers if row[0] == key),
                         tuple(_turn(*row[1:]) for row in turns if row[0] == key)) for key in keys}

    @classmethod
    def of_rows(cls, answers, turns) -> "StepVisit":
        """From rows already read, in log order: Attempts, and (TutorTurn, its attempt's raw answer or None)."""
        return cls(tuple(StepAnswer(a.verdict, a.counts, a.rung, a.misconception_label) for a in answers),
                   tuple(_turn(t.hint_level, t.move_intent, t.learner_text, raw, t.text) for t, raw in turns))

    @property
    def status(self) -> str:
        """For the page: "told" (the tutor gave the answer), "solved" or "open"."""
        return "told" if self.told else "solved" if self.solved else "open"

    @property
    def rung(self) -> int:
        """The highest hint rung given so far."""
        return max((turn.hint_level for turn in self.turns), default=0)

    @property
    def told(self) -> bool:
        return any(turn.hint_level >= BOTTOM_OUT_HINT or turn.intent == Intent.REVEALING_ANSWER
                   for turn in self.turns)

    @property
    def solved(self) -> bool:
        return any(answer.verdict == Attempt.Verdict.CORRECT_ for answer in self.answers)

    @property
    def recalled(self) -> bool:
        """Whether the tutor already asked to recall a weak prerequisite here."""
        return any(turn.intent == Intent.RECALL_RELEVANT_INFORMATION for turn in self.turns)

    def mistakes_before(self, label: str) -> int:
        """How often this known mistake was made here already."""
        return sum(answer.verdict == Attempt.Verdict.MISCONCEPTION_ and answer.mistake == label
                   for answer in self.answers)

    def dialogue(self) -> list[tuple[str, str]]:
        """The exchange so far, as (speaker, text) pairs: what the learner said, what the tutor said."""
        pairs = []
        for turn in self.turns:
            pairs += [(speaker, text) for speaker, text in ((LEARNER, turn.learner_said), (TUTOR, turn.tutor_said))
                      if text]
        return pairs

    def answer_counts(self, verdict: str) -> bool:
        """Whether an answer with this verdict, given now, is evidence (the rule in the module docstring)."""
        if verdict not in EVIDENCE_VERDICTS or self.told:
            return False
        counted = [answer.rung for answer in self.answers if answer.counts]
        return not counted or self.rung > counted[-1]


def evidence(attempts: QuerySet) -> QuerySet:
    """The attempts that are evidence for the tracer (see the module docstring)."""
    return attempts.filter(counts=True)


def observation_of(*, item_key: str, template_key: str | None, step_key: str, correct: bool, counts: bool,
                   answered_at: datetime) -> Observation | None:
    """The observation of one logged answer given as its stored fields (the refit reads rows, not
    model instances); None when it is not evidence."""
    if not counts:
        return None
    planner_item = f"template:{template_key}" if template_key else item_key
    return Observation(step_tracer_key(planner_item, step_key), planner_item, not step_key, correct,
                       tracer_time(answered_at))


def observation(attempt: Attempt) -> Observation | None:
    """The observation of one attempt (its item and template loaded); None when it is not evidence."""
    item = attempt.item
    return observation_of(item_key=item.key, template_key=item.template.key if item.template_id else None,
                          step_key=attempt.step_key, correct=attempt.correct, counts=attempt.counts,
                          answered_at=attempt.answered_at)


def observations(attempts) -> list[Observation]:
    """The observations of attempts in log order, what is not evidence left out."""
    return [found for attempt in attempts if (found := observation(attempt)) is not None]


def learner_attempts(*, learner_id: int, course_id: int) -> QuerySet:
    """One learner's answers in one course, in log order, with what `observation` reads."""
    return (Attempt.objects.filter(learner_id=learner_id, item__course_id=course_id)
            .select_related("item__template").order_by("id"))
