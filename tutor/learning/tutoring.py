"""The tutor turn: check -> tracer update -> policy -> generate -> guard -> persist, in one transaction.

Browser, REST API and WebSocket all come through here, so people and model-students get the same
tutor. The streaming consumer uses the same preparation and persistence around its own generation.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from checking import AnswerSpec
from llm.backends import GenerationRequest
from llm.guard import Guard
from llm.moves import Intent
from llm.policy import HINT_REQUEST, Decision, Policy, TurnState, WeakPrerequisite
from llm.prompt import PromptInput, TurnContent, build_prompt
from tutor.content.models import Hint, Item, Step
from tutor.content.selectors import answer_spec
from tutor.dashboard.services import class_answer_recorded

from .engine import CourseEngine
from .generation import generate_complete
from .knowledge import learner_state_fold, learner_state_locked
from .models import Attempt, Learner, LearnerState, TutorTurn
from .services import attempt_record

POLICY = Policy()
HINT_INTENTS = (Intent.SEEK_STRATEGY, Intent.GUIDING_FOCUS, Intent.REVEALING_ANSWER)


@dataclass(frozen=True)
class TurnResult:
    attempt: Attempt | None
    turn: TutorTurn
    created: bool  # False when an idempotency key replayed an earlier answer
    mastery: dict[str, dict]


@dataclass(frozen=True)
class PreparedTurn:
    decision: Decision
    request: GenerationRequest
    guard: Guard


def _steps(item: Item) -> list[Step]:
    return list(item.steps.prefetch_related("kcs").order_by("position"))


def _focus_step(steps: list[Step], step_key: str) -> Step:
    """The step a turn is about; a wrong final answer is broken down from the first step (CLASS)."""
    if step_key:
        return next(step for step in steps if step.key == step_key)
    return steps[0]


def _next_step_prompt(steps: list[Step], step_key: str) -> str:
    keys = [step.key for step in steps]
    if not step_key:
        return ""
    position = keys.index(step_key)
    return steps[position + 1].prompt if position + 1 < len(steps) else "Now give the final answer."


def _weak_prerequisites(engine: CourseEngine, state: LearnerState, step: Step) -> tuple[WeakPrerequisite, ...]:
    mastery = engine.tracer.mastery(state.tracer_state)
    kcs = {kc.key for kc in step.kcs.all()}
    prerequisites = sorted({p for kc in kcs for p in engine.prerequisites_of.get(kc, ())} - kcs)
    return tuple(WeakPrerequisite(kc, engine.kc_names[kc], mastery[kc].p) for kc in prerequisites if kc in mastery)


def mastery_summary(engine: CourseEngine, state: LearnerState) -> dict[str, dict]:
    return {kc: {"p": m.p, "sd": m.sd} for kc, m in engine.tracer.mastery(state.tracer_state).items()}


def _prepare(
    *, engine: CourseEngine, state: LearnerState, item: Item, step_key: str, outcome: str,
    misconception_feedback: str, learner_text: str,
) -> PreparedTurn:
    steps = _steps(item)
    step = _focus_step(steps, step_key)
    earlier = TutorTurn.objects.filter(learner_id=state.learner_id, item=item, step_key=step_key).aggregate(
        hint_level=Max("hint_level", default=0),
        recalled=Count("pk", filter=Q(move_intent=Intent.RECALL_RELEVANT_INFORMATION.value)),
    )
    hint_level, recalled = earlier["hint_level"], earlier["recalled"] > 0
    attempts = Attempt.objects.filter(learner_id=state.learner_id, item=item, step_key=step_key).count()
    weak = _weak_prerequisites(engine, state, step)
    decision = POLICY.decide(
        TurnState(
            outcome=outcome, hint_level=hint_level, attempts_on_step=attempts, prerequisite_recalled=recalled,
            weak_prerequisites=weak, has_next_step=bool(step_key),
        )
    )
    hint = ""
    if decision.intent in HINT_INTENTS and decision.hint_level:
        hint = Hint.objects.get(step=step, level=decision.hint_level).text
    step_answer = answer_spec(step.answer)
    content = TurnContent(
        problem=item.statement,
        step_prompt=step.prompt,
        hint=hint,
        misconception_feedback=misconception_feedback,
        recall_prompt=f"How sure are you about {decision.recall.name.lower()}? Try a quick example of it first."
        if decision.recall else "",
        next_step_prompt=_next_step_prompt(steps, step_key),
        answer=step_answer.value if decision.reveals_answer else "",
    )
    data = PromptInput(decision, content, learner_text, attempts_on_step=attempts, weak_prerequisites=weak)
    protected: list[AnswerSpec] = [answer_spec(item.answer)]
    if decision.reveals_answer and step_key:
        protected = []  # revealing a step never reveals the item's final answer by itself
    elif not decision.reveals_answer:
        protected.append(step_answer)
    guard = Guard(protected, allowed_text=f"{item.statement} {step.prompt}", reveal=decision.reveals_answer)
    return PreparedTurn(decision, GenerationRequest(build_prompt(data), data), guard)


@dataclass(frozen=True)
class TurnStart:
    """What turn_begin decided, for the caller that generates and then calls turn_finish."""

    prepared: PreparedTurn | None  # None when an idempotency key replayed an earlier answer
    attempt: Attempt | None
    replayed: TutorTurn | None
    learner_id: int
    item: Item
    step_key: str
    learner_text: str
    mastery: dict[str, dict]


def turn_begin(
    *, learner: Learner, item: Item, source: str, answered_at: datetime | None = None, step_key: str = "",
    answer: str | None = None, message: str = "", idempotency_key: str = "", graded: bool | None = None,
) -> TurnStart:
    """Check and log the answer, update the learner's state and decide the move, in one transaction.
    With `answer` None the learner asked for help (`message` is their text, possibly empty).
    `answered_at` None: the server's clock, read once the learner's state is locked, so that answers
    racing for the same learner are stored in the order they are taken (never "time went backwards")."""
    # NUL cannot be stored in PostgreSQL text and means nothing in an answer: drop it, never fail on it.
    answer, message = (answer.replace("\x00", "") if answer is not None else None), message.replace("\x00", "")
    # Inside tutor_turn_take an error aborts the whole turn anyway: no savepoint round trips.
    with transaction.atomic(savepoint=False):
        state, engine = learner_state_locked(learner=learner, course=item.course)
        answered_at = answered_at or timezone.now()
        attempt, feedback = None, ""
        if answer is None and graded is None:
            outcome = HINT_REQUEST
        else:
            attempt, created = attempt_record(
                learner=learner, item=item, raw_answer=answer or "", answered_at=answered_at, source=source,
                step_key=step_key, idempotency_key=idempotency_key, graded=graded,
            )
            if not created:
                # The original result: the mastery returned then (turns stored before it was kept: now's).
                replayed = TutorTurn.objects.filter(attempt=attempt).first()
                mastery = (replayed.mastery_after if replayed is not None and replayed.mastery_after
                           else mastery_summary(engine, state))
                return TurnStart(None, attempt, replayed, learner.pk, item, step_key, answer or "", mastery)
            learner_state_fold(state=state, engine=engine, attempt=attempt)
            class_answer_recorded(learner=learner)
            outcome = attempt.verdict
            if attempt.misconception_label:
                feedback = _misconception_feedback(item, step_key, attempt.misconception_label)
        learner_text = answer if answer is not None else message
        prepared = _prepare(
            engine=engine, state=state, item=item, step_key=step_key, outcome=outcome,
            misconception_feedback=feedback, learner_text=learner_text,
        )
        return TurnStart(prepared, attempt, None, learner.pk, item, step_key,
                         "" if attempt is not None else message, mastery_summary(engine, state))


def turn_finish(*, start: TurnStart, text: str, facts: dict) -> TutorTurn:
    decision = start.prepared.decision
    return TutorTurn.objects.create(
        learner_id=start.learner_id, item=start.item, step_key=start.step_key, attempt=start.attempt,
        learner_text=start.learner_text, move_category=decision.category.value, move_intent=decision.intent.value,
        evaluation=decision.evaluation.value, hint_level=decision.hint_level, text=text,
        prompt_sha256=start.prepared.request.prompt.sha256,
        # Only an answer with an idempotency key can be re-sent and must then get the same result.
        mastery_after=start.mastery if start.attempt is not None and start.attempt.idempotency_key else {},
        **facts,
    )


def tutor_turn_take(**kwargs) -> TurnResult:
    """One full, non-streaming turn (REST API, tests) in one transaction; arguments as turn_begin."""
    with transaction.atomic():
        start = turn_begin(**kwargs)
        if start.prepared is None:
            return TurnResult(start.attempt, start.replayed, False, start.mastery)
        text, facts = generate_complete(start.prepared)
        return TurnResult(start.attempt, turn_finish(start=start, text=text, facts=facts), True, start.mastery)


def _misconception_feedback(item: Item, step_key: str, label: str) -> str:
    rows = item.misconceptions.filter(label=label)
    rows = rows.filter(step__key=step_key) if step_key else rows.filter(step__isnull=True)
    found = rows.first()
    return found.feedback if found else ""
