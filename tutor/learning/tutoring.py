"""The tutor turn, one path for every transport:
validate -> record -> fold into the learner's state -> decide the move -> generate -> finish.

The WebSocket consumer, the REST endpoints that take answers (`attempts/`, `attempts/batch/`), the
tutor endpoint, the pending-generation task and the demo replay all call `tutor_turn_take`; their own
code only translates their transport to and from it (`TurnRejected` carries the error code every
transport reports). Generation comes in three deliveries, chosen here:
- inline, for the rule backend: its text is a pure function of the decision, written in the same
  transaction as the answer, so an answer never lacks its turn;
- streamed, for the WebSocket: the caller streams `result.stream` after this transaction commits
  (no lock held while a model writes) and ends the turn with `turn_stream_end`;
- queued, for a model backend over REST: the turn is stored pending and a Celery task writes the
  text (pending.py), again with no lock held.
"""

import functools
import hashlib
import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from psikt.checking import CORRECT, EVIDENCE_VERDICTS, UNREADABLE, WRONG_KIND, AnswerSpec, check_answer
from psikt.llm.answer_text import answer_text
from psikt.llm.backends import GenerationRequest
from psikt.llm.guard import Guard
from psikt.llm.learner_text import (
    ANSWER,
    QUESTION,
    STUCK,
    WORKING,
    check_claims,
    first_wrong,
    is_chatter,
    read_learner_text,
)
from psikt.llm.moves import Intent
from psikt.llm.policy import (
    HINT_REQUEST,
    OFF_TOPIC,
    WORKING_RIGHT,
    WORKING_WRONG_STEP,
    Policy,
    TurnState,
    WeakPrerequisite,
)
from psikt.llm.prompt import PromptInput, TurnContent, build_prompt, recent_turns
from tutor.content.mathtext import plain_text
from tutor.content.models import Course, Item, Step
from tutor.content.selectors import answer_spec
from tutor.ops.metrics import TURN_SECONDS

from .engine import CourseEngine
from .generation import PreparedTurn, generate_complete, generates_inline
from .knowledge import learner_state_fold, learner_state_locked
from .models import Attempt, Learner, LearnerState, TutorTurn
from .observations import BOTTOM_OUT_HINT, StepVisit
from .pending import prepared_dump
from .refit import learner_traits_schedule
from .selectors import learner_item
from .services import MAX_ANSWER_CHARS, LearnerLog, TimeWentBackwards, attempt_decide
from .tasks import tutor_turn_generate

POLICY = Policy()
HINT_INTENTS = (Intent.SEEK_STRATEGY, Intent.GUIDING_FOCUS, Intent.REVEALING_ANSWER)
MAX_IDEMPOTENCY_KEY_CHARS = 128


class TurnRejected(ValueError):
    """A turn that cannot be taken, with a stable code for every transport: unknown_item,
    unknown_step, bad_text, bad_idempotency_key (400-like), time_went_backwards (a conflict),
    idempotency_key_reused (the key was first sent with another request: unprocessable)."""

    def __init__(self, code: str, detail: str, field: str = "", value=None):
        super().__init__(detail)
        self.code, self.field, self.value = code, field, value


@dataclass(frozen=True)
class TurnStart:
    """What the first half of a turn decided, for the generation and the finish."""

    prepared: PreparedTurn
    attempt: Attempt | None
    learner_id: int
    item: Item
    step_key: str
    visit: int
    learner_text: str
    mastery: dict[str, dict]
    step_status: str  # the step's status in the visit after this turn: "solved", "told" or "open"


@dataclass(frozen=True)
class TurnResult:
    attempt: Attempt | None  # None for a help request
    turn: TutorTurn | None  # None while a streamed turn is still being generated (see `stream`)
    created: bool  # False when an idempotency key replayed an earlier answer
    mastery: dict[str, dict]
    stream: TurnStart | None = None  # for the streaming caller: stream it, then turn_stream_end


def turn_item(*, learner: Learner, item_id, course: Course | None = None) -> Item:
    """The item a turn is about, if this learner may work on it (in `course`, when given)."""
    item = learner_item(learner=learner, item_id=item_id)
    if item is None or (course is not None and item.course_id != course.pk):
        where = "course" if course is not None else "courses"
        raise TurnRejected("unknown_item", f"no such item in this learner's {where}", "item", item_id)
    return item


def _delivery(result: TurnResult) -> str:
    if not result.created:
        return "replayed"
    if result.stream is not None:
        return "streamed"
    return "queued" if result.turn.status == TutorTurn.PENDING else "inline"


def _timed(take):
    """The turn's server time in the metrics (tutor/ops/metrics.py), by how its reply is delivered."""
    @functools.wraps(take)
    def timed(**kwargs) -> TurnResult:
        started = time.perf_counter()
        result = take(**kwargs)
        TURN_SECONDS.labels(_delivery(result)).observe(time.perf_counter() - started)
        return result
    return timed


@dataclass(frozen=True)
class TurnAsk:
    """One turn's request, validated (`turn_ask`): an answer (`answer` or a self-graded `graded`), or
    a request for help (both None, `message` the learner's words)."""

    item: Item
    source: str
    step_key: str = ""
    answer: str | None = None
    message: str = ""
    graded: bool | None = None
    idempotency_key: str = ""
    answered_at: datetime | None = None

    @property
    def answers(self) -> bool:
        return self.answer is not None or self.graded is not None


def turn_ask(*, item: Item, source: str, step_keys, step_key: str = "", answer: str | None = None, message: str = "",
             graded: bool | None = None, idempotency_key: str = "", answered_at: datetime | None = None) -> TurnAsk:
    """A turn's request checked (TurnRejected, nothing stored, when it cannot be taken); `step_keys()`
    the item's step keys (read, or from the course's cached content)."""
    answer, message, idempotency_key = _validated(step_key, answer, message, idempotency_key, step_keys)
    if answer is None and graded is None and message and read_learner_text(message).kind == ANSWER:
        # An answer in words sent as a message ("I think it's 7" in the page's reply box or REST's
        # message) is the learner's answer: checked as the answer it names, as if typed as one.
        answer, message = message, ""
    return TurnAsk(item, source, step_key, answer, message, graded, idempotency_key, answered_at)


@_timed
def tutor_turn_take(
    *, learner: Learner, item: Item, source: str, step_key: str = "", answer: str | None = None,
    message: str = "", graded: bool | None = None, idempotency_key: str = "",
    answered_at: datetime | None = None, streamed: bool = False,
) -> TurnResult:
    """One tutor turn. `answer` None (and `graded` None) is a request for help, `message` the
    learner's words with it; `graded` is a self-graded answer (simulators). `answered_at` None: the
    server's clock, read once the learner's state is locked, so that answers racing for one learner
    are stored in the order they are taken. Raises TurnRejected; stores nothing then."""
    ask = turn_ask(item=item, source=source, step_keys=lambda: item.steps.values_list("key", flat=True),
                   step_key=step_key, answer=answer, message=message, graded=graded,
                   idempotency_key=idempotency_key, answered_at=answered_at)
    with transaction.atomic():
        state, engine = learner_state_locked(learner=learner, course=item.course)
        result = turn_in_state(ask=ask, state=state, engine=engine, log=LearnerLog(learner.pk), streamed=streamed)
    if _delivery(result) == "queued":
        result.turn.refresh_from_db()  # the task runs at once on the embedded defaults (no broker)
    return result


def turn_in_state(*, ask: TurnAsk, state: LearnerState, engine: CourseEngine, log: LearnerLog,
                  streamed: bool = False) -> TurnResult:
    """The turn for a learner's state, locked and up to date, in the caller's transaction: the one
    per-learner path of every turn. It reads and writes the learner's log through `log`: a query at
    a time for one answer (services.LearnerLog), in bulk for a cohort's step (stepping.CohortLog)."""
    item, step_key = ask.item, ask.step_key
    step_visit = log.visit(item, step_key, state.visit)
    attempt, outcome, feedback, claim_feedback = None, HINT_REQUEST, "", ""
    if ask.answers:
        fingerprint = (request_fingerprint(item, step_key, ask.answer, ask.graded, ask.answered_at)
                       if ask.idempotency_key else "")
        attempt, created = _recorded(ask, state, engine, log, fingerprint, step_visit)
        if not created:
            _same_request_or_reject(attempt, ask.idempotency_key, fingerprint)
            return _replayed(attempt, engine, state, log)
        learner_state_fold(state=state, engine=engine, attempt=attempt, log=log)
        learner_traits_schedule(state=state, attempt=attempt)
        outcome = attempt.verdict
        if attempt.misconception_label:
            feedback = engine.content.misconception_feedback(item, step_key, attempt.misconception_label)
        if outcome in (UNREADABLE, WRONG_KIND) and ask.graded is None:
            # Words the checker could not read as an answer, or working it read as an equation
            # ("11 - 3 = 8" where a number is asked): working, a question or "I'm stuck" changes
            # the move; the attempt stays as stored (never evidence).
            outcome, claim_feedback = _words_outcome(ask.answer or "", outcome, stuck_asks_help=True)
    else:
        # The words sent with a help request: working in them gets feedback on it (no attempt).
        outcome, claim_feedback = _words_outcome(ask.message, HINT_REQUEST, stuck_asks_help=False)
    prepared = _decided(engine=engine, state=state, item=item, step_key=step_key, step_visit=step_visit,
                        answered=attempt is not None, outcome=outcome,
                        mistake=attempt.misconception_label if attempt is not None else "",
                        misconception_feedback=feedback, claim_feedback=claim_feedback,
                        # The checker's note is for the answer it judged (not for words read otherwise).
                        check_note=attempt.check_note if attempt is not None and outcome == attempt.verdict else "",
                        learner_text=ask.answer if ask.answer is not None else ask.message)
    start = TurnStart(prepared, attempt, state.learner_id, item, step_key, state.visit,
                      "" if attempt is not None else ask.message, mastery_summary(engine, state),
                      _status_after(step_visit, attempt, prepared))
    if streamed:
        return TurnResult(attempt, None, True, start.mastery, start)
    if generates_inline():
        text, facts = generate_complete(prepared)
        return TurnResult(attempt, log.turn_add(_turn_row(start, text, facts)), True, start.mastery)
    turn = log.turn_add(_turn_row(start, "", {"backend": settings.LLM_BACKEND, "model_name": "",
                                              "status": TutorTurn.PENDING, "pending_request": prepared_dump(prepared)}))
    log.turn_generate_later(turn, tutor_turn_generate.delay)
    return TurnResult(attempt, turn, True, start.mastery)


def turn_stream_end(*, start: TurnStart, text: str, facts: dict) -> TutorTurn:
    """Store a streamed turn once its text is complete (the stream ran after the answer committed)."""
    with transaction.atomic():
        turn = _turn_row(start, text, facts)
        turn.save()
        return turn


def mastery_summary(engine: CourseEngine, state: LearnerState) -> dict[str, dict]:
    return {kc: {"p": m.p, "sd": m.sd} for kc, m in engine.tracer.mastery(state.tracer_state).items()}


# ---- validate -------------------------------------------------------------------------------------

def _validated(step_key, answer, message, idempotency_key, step_keys) -> tuple[str | None, str, str]:
    if not isinstance(step_key, str) or (step_key and step_key not in step_keys()):
        raise TurnRejected("unknown_step", "no such step in this item", "step", step_key)
    texts = {"answer": answer, "message": message}
    for field, text in texts.items():
        if text is not None and (not isinstance(text, str) or len(text) > MAX_ANSWER_CHARS):
            raise TurnRejected("bad_text", f"{field} must be text of at most {MAX_ANSWER_CHARS} characters", field)
    # A missing or null key means no key; anything else must be text (str(None) would be one shared
    # key, "None", replaying every later keyless answer as the first one).
    key = idempotency_key or ""
    # A NUL is refused, not dropped: "k\x00y" and "ky" are two keys (PostgreSQL text cannot hold a NUL).
    if not isinstance(key, str) or len(key) > MAX_IDEMPOTENCY_KEY_CHARS or "\x00" in key:
        raise TurnRejected("bad_idempotency_key",
                           f"idempotency_key must be text of at most {MAX_IDEMPOTENCY_KEY_CHARS} characters, "
                           f"without NUL", "idempotency_key")
    # NUL cannot be stored in PostgreSQL text and means nothing in an answer: drop it, never fail on it.
    return (answer.replace("\x00", "") if answer is not None else None), (message or "").replace("\x00", ""), key


# ---- record ---------------------------------------------------------------------------------------

def _recorded(ask: TurnAsk, state: LearnerState, engine: CourseEngine, log: LearnerLog, fingerprint: str,
              step_visit: StepVisit) -> tuple[Attempt, bool]:
    """The answer checked and appended to the log (through `log`), or the attempt it replays."""
    try:
        attempt, created = attempt_decide(
            log=log, learner_id=state.learner_id, item=ask.item, raw_answer=ask.answer or "",
            answered_at=ask.answered_at or timezone.now(), source=ask.source, step_key=ask.step_key,
            idempotency_key=ask.idempotency_key, request_fingerprint=fingerprint, graded=ask.graded,
            visit=state.visit, step_visit=step_visit, expected=lambda: engine.content.answer(ask.item, ask.step_key))
    except TimeWentBackwards as error:
        raise TurnRejected("time_went_backwards", str(error), "timestamp") from error
    return log.attempt_add(attempt) if created else (attempt, False)


def request_fingerprint(item: Item, step_key: str, answer: str | None, graded: bool | None,
                        answered_at: datetime | None) -> str:
    """What an answer asked, as the SHA-256 of its canonical JSON: the fields that decide the stored
    attempt and its reply (item, step, the answer or the self-graded verdict, the learner's clock as
    sent, as one UTC instant, or null for the server's). Not the transport (a key re-sent over
    another one is the same request) and not a help request's message (help takes no key)."""
    asked = {"item": item.pk, "step": step_key, "answer": answer, "correct": graded,
             "timestamp": answered_at.astimezone(UTC).isoformat() if answered_at is not None else None}
    canonical = json.dumps(asked, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _same_request_or_reject(attempt: Attempt, idempotency_key: str, fingerprint: str) -> None:
    """A key re-sent with another request is refused, as payment APIs do, rather than answered with the
    first request's result. Attempts stored before fingerprints were kept (none stored) replay as before;
    an attempt returned for another reason (the step was already solved) is not this key's."""
    if (idempotency_key and attempt.idempotency_key == idempotency_key and attempt.request_fingerprint
            and attempt.request_fingerprint != fingerprint):
        raise TurnRejected("idempotency_key_reused",
                           f"idempotency key {idempotency_key!r} was already used for a different request; "
                           "send a new key for a new answer", "idempotency_key", idempotency_key)


def _replayed(attempt: Attempt, engine: CourseEngine, state: LearnerState, log: LearnerLog) -> TurnResult:
    """A re-sent idempotency key, or an answer to a step already solved in this visit: the original
    result, with the mastery returned then (turns stored before it was kept: the mastery now)."""
    turn = log.turn_of(attempt)
    mastery = turn.mastery_after if turn is not None and turn.mastery_after else mastery_summary(engine, state)
    return TurnResult(attempt, turn, False, mastery)


def _words_outcome(text: str, outcome: str, *, stuck_asks_help: bool) -> tuple[str, str]:
    """The outcome for a learner's words (`psikt.llm.learner_text`) and the feedback on their working:
    working with a wrong claim is feedback on the first wrong one; working whose claims are all right
    asks for the answer; a question or "I'm stuck" typed as an answer is a request for help; chatter
    (typed as an answer or sent as words) is off-topic: steered back to the step, never a hint;
    anything else keeps `outcome`."""
    if not text:
        return outcome, ""
    if is_chatter(text):
        return OFF_TOPIC, ""
    reading = read_learner_text(text)
    if reading.kind == WORKING:
        checks = check_claims(reading)
        wrong = first_wrong(checks)
        if wrong is not None:
            return WORKING_WRONG_STEP, wrong.feedback
        if any(check.right for check in checks):
            return WORKING_RIGHT, ""
    if stuck_asks_help and reading.kind in (QUESTION, STUCK):
        return HINT_REQUEST, ""
    return outcome, ""


def _working_reaches(text: str, answer: AnswerSpec) -> tuple[str, str]:
    """Working whose claims are all right: asked for its answer when its last result answers the step;
    otherwise it is on another path ("I added 3 to 11 and got 14" where 11 - 3 is asked), and the
    feedback says so without saying what the answer is."""
    last = read_learner_text(text).claims[-1]
    if check_answer(answer, last.claimed).verdict == CORRECT:
        return WORKING_RIGHT, ""
    return WORKING_WRONG_STEP, f"{last.expression} is {last.claimed}, but {last.claimed} is not what this step asks for."


def _status_after(step_visit: StepVisit, attempt: Attempt | None, prepared: PreparedTurn) -> str:
    decision = prepared.decision
    if step_visit.told or decision.reveals_answer or decision.hint_level >= BOTTOM_OUT_HINT:
        return "told"
    return "solved" if step_visit.solved or (attempt is not None and attempt.correct) else "open"


# ---- decide the move ------------------------------------------------------------------------------

def _focus_step(steps: tuple[Step, ...], step_key: str) -> Step:
    """The step a turn is about; help on the final answer is help on the last step, the one that
    leads to it (its hints; the final answer has none of its own)."""
    if step_key:
        return next(step for step in steps if step.key == step_key)
    return steps[-1]


def _next_step_prompt(steps: tuple[Step, ...], step_key: str) -> str:
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


def _decided(
    *, engine: CourseEngine, state: LearnerState, item: Item, step_key: str, step_visit: StepVisit, answered: bool,
    outcome: str, mistake: str, misconception_feedback: str, check_note: str, learner_text: str,
    claim_feedback: str = "",
) -> PreparedTurn:
    """The policy's move on this step and everything its generation may use and must not say. The
    hint ladder and the answers counted are this visit's: a learner back on an item days later
    starts at its first hint."""
    content = engine.content.of(item)
    steps = content.steps
    step = _focus_step(steps, step_key)
    # Attempts at the step are the answers the checker judged (right, wrong, a known mistake). Words it
    # could not read ("I don't get it", chatter), an answer of the wrong kind or form and working are
    # none: nothing to ask an explanation of, and no reason to tell the answer yet.
    attempts = sum(answer.verdict in EVIDENCE_VERDICTS for answer in step_visit.answers) + (
        answered and outcome in EVIDENCE_VERDICTS)
    # What the open step asks (on the final answer, the item's answer): a reveal tells it, and working
    # whose arithmetic is right is measured against it.
    answer = answer_spec(step.answer if step_key else item.answer)
    if outcome == WORKING_RIGHT:
        outcome, claim_feedback = _working_reaches(learner_text, answer)
    weak = _weak_prerequisites(engine, state, step)
    decision = POLICY.decide(
        TurnState(
            outcome=outcome, hint_level=step_visit.rung, attempts_on_step=attempts,
            prerequisite_recalled=step_visit.recalled, weak_prerequisites=weak, has_next_step=bool(step_key),
            same_mistake_before=step_visit.mistakes_before(mistake) if mistake else 0,
        )
    )
    hint = ""
    if decision.intent in HINT_INTENTS and decision.hint_level:
        hint = content.hints[(step.key, decision.hint_level)]
    protected: list[AnswerSpec] = [answer_spec(item.answer)]
    if decision.reveals_answer and step_key:
        protected = []  # revealing a step never reveals the item's final answer by itself
    elif not decision.reveals_answer:
        protected.append(answer_spec(step.answer))  # on the final answer, the last step's leads to it
    # The guard compares text: the problem's own numbers, as a learner reads them (no TeX markup), may
    # be restated.
    # The feedback on the learner's working restates their own numbers, which may be said.
    guard = Guard(protected, allowed_text=f"{plain_text(item.statement)} {plain_text(step.prompt)} {claim_feedback}",
                  reveal=decision.reveals_answer,
                  # The release check: never confirm (or restate as the answer) what the learner wrote
                  # unless the checker found it right, and perform the move: a probing move asks, and
                  # a move that leaves the step open (a hint) never says it is done.
                  learner_answer=learner_text if answered else "", confirms_allowed=outcome == CORRECT,
                  asks=decision.must_ask)
    recall_question = _recall_question(engine, decision.recall.kc, guard) if decision.recall else ""
    content = TurnContent(
        problem=item.statement,
        step_prompt=step.prompt,
        hint=hint,
        misconception_feedback=misconception_feedback,
        check_note=check_note,
        claim_feedback=claim_feedback,
        recall_prompt=f"How sure are you about {decision.recall.name.lower()}?" if decision.recall else "",
        recall_question=recall_question,
        next_step_prompt=_next_step_prompt(steps, step_key),
        answer=answer_text(answer) if decision.reveals_answer else "",
    )
    data = PromptInput(decision, content, learner_text, attempts_on_step=attempts, weak_prerequisites=weak,
                       last_turns=recent_turns(step_visit.dialogue()))
    return PreparedTurn(decision, GenerationRequest(build_prompt(data), data), guard)


def _recall_question(engine: CourseEngine, kc: str, guard: Guard) -> str:
    """A question the learner can answer on a weak prerequisite: a first step of one of the course's
    easiest pack items on that skill, the first whose text the turn's guard passes (a question that
    happens to contain this step's answer would give it away)."""
    return next((prompt for prompt in engine.content.recall_prompts(kc) if guard.reply(plain_text(prompt)).ok), "")


# ---- finish ---------------------------------------------------------------------------------------

def _turn_row(start: TurnStart, text: str, facts: dict) -> TutorTurn:
    """The turn's row, to store (through the log, or at the stream's end)."""
    decision = start.prepared.decision
    return TutorTurn(
        learner_id=start.learner_id, item=start.item, step_key=start.step_key, visit=start.visit, attempt=start.attempt,
        learner_text=start.learner_text, move_category=decision.category.value, move_intent=decision.intent.value,
        evaluation=decision.evaluation.value, hint_level=decision.hint_level, text=text,
        prompt_sha256=start.prepared.request.prompt.sha256,
        # Only an answer with an idempotency key can be re-sent and must then get the same result.
        mastery_after=start.mastery if start.attempt is not None and start.attempt.idempotency_key else {},
        **facts,
    )

