"""Model generations for REST tutor turns, taken off the request.

A language model may take seconds to reply; an API client should not hold a connection (nor the
learner's state lock) for that. So with a model backend a REST turn (tutoring.tutor_turn_take)
decides the move at once, stores the turn as pending with everything the generation needs, and a
Celery task writes the text. The stored request is the prepared turn as plain JSON: the policy's decision and the content it
allowed were fixed when the learner asked, and the generation must not re-decide them from a state
that may have moved since. The prompt is rebuilt from that input (build_prompt is a pure function),
and its hash is compared with the one recorded on the turn.
"""

import dataclasses
import logging

from celery.exceptions import SoftTimeLimitExceeded
from django.db import transaction

from psikt.checking import AnswerSpec
from psikt.llm.backends import GenerationRequest, RuleBackend
from psikt.llm.guard import Guard
from psikt.llm.moves import Evaluation, Intent
from psikt.llm.policy import Decision, WeakPrerequisite
from psikt.llm.prompt import PromptInput, TurnContent, build_prompt

from .generation import PreparedTurn, generate_complete
from .models import TutorTurn

logger = logging.getLogger(__name__)


def prepared_dump(prepared: PreparedTurn) -> dict:
    """The prepared turn as JSON-safe data (the enums are str enums; tuples are stored as lists)."""
    return {
        "input": dataclasses.asdict(prepared.request.data),
        "max_tokens": prepared.request.max_tokens,
        "guard": dataclasses.asdict(prepared.guard),
    }


def prepared_load(stored: dict) -> PreparedTurn:
    data, guard, decided = stored["input"], stored["guard"], stored["input"]["decision"]
    decision = Decision(
        intent=Intent(decided["intent"]), evaluation=Evaluation(decided["evaluation"]),
        hint_level=decided["hint_level"], recall=WeakPrerequisite(**decided["recall"]) if decided["recall"] else None,
        notes=decided["notes"],
    )
    prompt_input = PromptInput(
        decision=decision, content=TurnContent(**data["content"]), learner_text=data["learner_text"],
        attempts_on_step=data["attempts_on_step"],
        weak_prerequisites=tuple(WeakPrerequisite(**row) for row in data["weak_prerequisites"]),
        last_turns=tuple(tuple(turn) for turn in data["last_turns"]),
    )
    protected = tuple(AnswerSpec(**{**spec, "choices": tuple(spec["choices"])}) for spec in guard["protected"])
    return PreparedTurn(
        decision, GenerationRequest(build_prompt(prompt_input), prompt_input, stored["max_tokens"]),
        Guard(protected, guard["allowed_text"], guard["reveal"], guard["max_words"],
              learner_answer=guard.get("learner_answer", ""), confirms_allowed=guard.get("confirms_allowed", True),
              asks=guard.get("asks", False)),
    )


def _generated(prepared: PreparedTurn) -> tuple[str, dict]:
    """The guarded reply; past the task's soft time limit, the rule text (the learner gets an answer)."""
    try:
        return generate_complete(prepared)
    except SoftTimeLimitExceeded:
        text, facts = generate_complete(prepared, RuleBackend())
        timed_out = {"attempt": "first", "ok": False, "reason": "error", "detail": "the generation ran past its time limit"}
        return text, {**facts, "guard_verdicts": [timed_out, *facts["guard_verdicts"]], "fell_back": True}


def pending_turn_generate(*, turn_id: int) -> bool:
    """Write a pending turn's text. Idempotent: a turn already written (a redelivered task) or gone
    (the learner was erased) is left as it is. Returns whether this call wrote the text."""
    turn = TutorTurn.objects.filter(pk=turn_id, status=TutorTurn.PENDING).first()
    if turn is None:
        return False
    prepared = prepared_load(turn.pending_request)
    sha256 = prepared.request.prompt.sha256
    if sha256 != turn.prompt_sha256:
        # The prompt template changed between the request and this task (a deploy): raising would
        # leave the turn pending for good, re-queued by every sweep. Answer, and record the prompt
        # the model was actually given.
        logger.warning("tutor turn %s: prompt rebuilt with another template (%s, was %s)",
                       turn_id, sha256, turn.prompt_sha256)
    text, facts = _generated(prepared)  # no lock held while the model writes
    with transaction.atomic():
        # Two deliveries of the same task may both generate; the first to write wins.
        written = TutorTurn.objects.filter(pk=turn_id, status=TutorTurn.PENDING).update(
            status=TutorTurn.DONE, text=text, pending_request=None, prompt_sha256=sha256, **facts)
    return written == 1

