"""The one adapter from the attempt log to the tracer's observations: which answers count as
evidence, under which tracer key, at which time.

The online fold, `rebuild_state`, the dashboard's replays, the trait estimate and the refit all
read the log through here, so a change of what counts (or of the keys) changes all of them at once
and a rebuild always equals the online state.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet

from tutor.content.models import Item

from .models import Attempt

SECONDS_PER_DAY = 86400.0
UNREADABLE = Attempt.Verdict.UNREADABLE_


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


def evidence(attempts: QuerySet) -> QuerySet:
    """The attempts that are evidence for the tracer: an answer the checker could not read says
    nothing about what the learner knows."""
    return attempts.exclude(verdict=UNREADABLE)


def observation_of(*, item_key: str, template_key: str | None, step_key: str, verdict: str,
                   answered_at: datetime) -> Observation | None:
    """The observation of one logged answer given as its stored fields (the refit reads rows, not
    model instances); None when it is not evidence."""
    if verdict == UNREADABLE:
        return None
    planner_item = f"template:{template_key}" if template_key else item_key
    return Observation(step_tracer_key(planner_item, step_key), planner_item, not step_key,
                       verdict == Attempt.Verdict.CORRECT_, tracer_time(answered_at))


def observation(attempt: Attempt) -> Observation | None:
    """The observation of one attempt (its item and template loaded); None when it is not evidence."""
    item = attempt.item
    return observation_of(item_key=item.key, template_key=item.template.key if item.template_id else None,
                          step_key=attempt.step_key, verdict=attempt.verdict, answered_at=attempt.answered_at)


def observations(attempts) -> list[Observation]:
    """The observations of attempts in log order, what is not evidence left out."""
    return [found for attempt in attempts if (found := observation(attempt)) is not None]


def learner_attempts(*, learner_id: int, course_id: int) -> QuerySet:
    """One learner's answers in one course, in log order, with what `observation` reads."""
    return (Attempt.objects.filter(learner_id=learner_id, item__course_id=course_id)
            .select_related("item__template").order_by("id"))
