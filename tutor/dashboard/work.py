"""A learner's work for the drill-down: each problem as they saw it, their answers, the tutor's replies
and the hints they used, in the order it happened, latest problem first.

A problem is one visit of an item (LearnerState.visit: from one serving to the next), as in
tutor.learning.observations; each of its steps is read back as a `StepVisit`, so "solved", "answer
shown" and the hints used mean here what they mean to the tutor. The whole list costs six queries
whatever the learner did: the latest visits (of answers, of turns), their answers, their turns,
their items and their steps.

Order comes from the server's clock (Attempt.recorded_at, TutorTurn.created_at), the one clock both
tables share: an answer's `answered_at` is the client's (a batch import backdates it; the demo's replay
backdates both, tutor.learning.clock)."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Max, Q

from tutor.content.models import Item, Step
from tutor.learning.models import Attempt, Learner, TutorTurn
from tutor.learning.observations import StepAnswer, StepTurn, StepVisit

from .words import HINTS, VERDICTS

PROBLEMS_SHOWN = 15


@dataclass(frozen=True)
class Exchange:
    """One thing the learner did on a step (an answer, a request for help) and the tutor's reply."""

    learner_said: str  # their answer (a choice's text for a choice), or what they wrote asking for help
    asked_for_help: bool
    verdict: str  # the answer in words ("right", "wrong: a common mistake"); empty for a help request
    tutor_said: str  # empty when the tutor did not reply (answers imported without tutoring)
    hint: str  # which rung of the hint ladder the reply was, in words; empty when it was no hint
    pending: bool  # the tutor's reply is still being written


@dataclass(frozen=True)
class StepWork:
    prompt: str  # the step's prompt; empty for the problem's final answer
    status: str  # StepVisit.status: "solved", "told" (the answer was shown) or "open"
    hints_used: int
    exchanges: list[Exchange]

    @property
    def final(self) -> bool:
        return not self.prompt


@dataclass(frozen=True)
class ProblemWork:
    item: Item
    answered_at: datetime | None  # the learner's first answer (their clock); None if they only asked for help
    steps: list[StepWork]  # in the order the learner first worked on them

    @property
    def outcome(self) -> str:
        if any(step.final and step.status == "solved" for step in self.steps):
            return "Solved"
        if any(step.status == "told" for step in self.steps):
            return "Answer shown by the tutor"
        if any(exchange.verdict == VERDICTS[Attempt.Verdict.SKIPPED_] for step in self.steps
               for exchange in step.exchanges):
            return "Skipped"
        return "Not finished"

    @property
    def hints_used(self) -> int:
        return sum(step.hints_used for step in self.steps)


def learner_work(*, learner: Learner, course_id: int, problems: int = PROBLEMS_SHOWN) -> list[ProblemWork]:
    """The learner's latest `problems` problems in the course, the latest first."""
    mine = Q(learner=learner, item__course_id=course_id)
    latest: dict[tuple[int, int], datetime] = {}
    for model, clock in ((Attempt, "recorded_at"), (TutorTurn, "created_at")):
        rows = (model.objects.filter(mine).values("item_id", "visit").annotate(last=Max(clock)).order_by("-last")
                .values_list("item_id", "visit", "last")[:problems])
        for item_id, visit, last in rows:
            latest[(item_id, visit)] = max(last, latest.get((item_id, visit), last))
    visits = sorted(latest, key=latest.__getitem__, reverse=True)[:problems]
    if not visits:
        return []
    chosen = Q()
    for item_id, visit in visits:
        chosen |= Q(item_id=item_id, visit=visit)
    attempts = list(Attempt.objects.filter(mine, chosen).order_by("recorded_at", "id"))
    turns = list(TutorTurn.objects.filter(mine, chosen).order_by("created_at", "id"))
    items = Item.objects.in_bulk({item_id for item_id, _ in visits})
    steps = {(step.item_id, step.key): step for step in Step.objects.filter(item_id__in=items)}
    return [_problem(items[key[0]], key[1], attempts, turns, steps) for key in visits]


def _problem(item: Item, visit: int, attempts: list[Attempt], turns: list[TutorTurn], steps: dict) -> ProblemWork:
    answers = [a for a in attempts if (a.item_id, a.visit) == (item.pk, visit)]
    replies = [t for t in turns if (t.item_id, t.visit) == (item.pk, visit)]
    reply_to = {t.attempt_id: t for t in replies if t.attempt_id}
    # (server time, answer before the turn it caused, exchange, step)
    events = [(a.recorded_at, 0, _answered(a, reply_to.get(a.pk), steps.get((item.pk, a.step_key)) or item), a.step_key)
              for a in answers]
    events += [(t.created_at, 1, _asked(t), t.step_key) for t in replies if not t.attempt_id]
    events.sort(key=lambda event: event[:2])
    order = dict.fromkeys(step_key for *_, step_key in events)
    return ProblemWork(item, min((a.answered_at for a in answers), default=None), [
        _step(steps.get((item.pk, step_key)), [a for a in answers if a.step_key == step_key],
              [t for t in replies if t.step_key == step_key], [e for _, _, e, k in events if k == step_key])
        for step_key in order
    ])


def _step(step: Step | None, answers: list[Attempt], turns: list[TutorTurn], exchanges: list[Exchange]) -> StepWork:
    visit = StepVisit(tuple(StepAnswer(a.verdict, a.counts, a.rung, a.misconception_label) for a in answers),
                      tuple(StepTurn(t.hint_level, t.move_intent, t.learner_text, t.text) for t in turns))
    return StepWork(step.prompt if step else "", visit.status, visit.rung, exchanges)


def _answered(attempt: Attempt, turn: TutorTurn | None, asked: Step | Item) -> Exchange:
    choices = {str(c.get("key")): str(c.get("text")) for c in asked.answer.get("choices") or []}
    return Exchange(choices.get(attempt.raw_answer, attempt.raw_answer), False,
                    VERDICTS.get(attempt.verdict, attempt.get_verdict_display()),
                    turn.text if turn else "", HINTS.get(turn.hint_level, "") if turn else "",
                    turn is not None and turn.status == TutorTurn.PENDING)


def _asked(turn: TutorTurn) -> Exchange:
    return Exchange(turn.learner_text, True, "", turn.text, HINTS.get(turn.hint_level, ""),
                    turn.status == TutorTurn.PENDING)
