"""Scaffolded tutor feedback: a deterministic pedagogical policy, prompts, backends and guards.

Independent of Django. The policy and backends are specified in ../shared/specs/tutoring.md.

Public API::

    from psikt.llm import (INCORRECT, GenerationRequest, Guard, GuardedReply, Policy, PromptInput,
                     RuleBackend, TurnContent, TurnState, build_prompt)
    decision = Policy().decide(TurnState(INCORRECT, attempts_on_step=1))   # the move, before any text
    decision.intent; decision.category; decision.hint_level; decision.reveals_answer
    data = PromptInput(decision, TurnContent(problem, step_prompt, hint=hint), learner_text, attempts_on_step=1)
    request = GenerationRequest(build_prompt(data), data)   # the answer is in it only if the move reveals it
    backend = RuleBackend()            # or LocalBackend(model_path), OpenAIBackend(base_url, model)
    await backend.complete(request); backend.stream(request)     # raw text, not guarded
    guard = Guard([AnswerSpec(...)], allowed_text=problem, reveal=decision.reveals_answer)
    guard.sentence(text).ok; guard.reply(text).reason
    reply = GuardedReply(backend, request, guard)                # what a learner is shown
    async for delta in reply.deltas(): ...    # guarded sentences; one retry, then the rule text
    reply.text; reply.verdicts; reply.regenerated; reply.fell_back

`python -m psikt.llm.smoke` (answer leaks) and `python -m psikt.llm.bench` (latency) run a backend on MathDial.
Importing llm loads neither transformers nor torch: LocalBackend imports them when it first loads
its model.
"""
from .backends import Backend, BackendError, GenerationRequest, RuleBackend
from .backends.local import LocalBackend
from .backends.openai import OpenAIBackend
from .guard import Guard, Verdict
from .guarded import GuardedReply
from .moves import Category, Evaluation, Intent
from .policy import (
    CORRECT,
    HINT_REQUEST,
    INCORRECT,
    MISCONCEPTION,
    UNREADABLE,
    WRONG_FORM,
    WRONG_KIND,
    Decision,
    Policy,
    TurnState,
    WeakPrerequisite,
)
from .prompt import AnswerNotAllowed, Prompt, PromptInput, TurnContent, build_prompt

__all__ = [
    "CORRECT", "HINT_REQUEST", "INCORRECT", "MISCONCEPTION", "UNREADABLE", "WRONG_FORM", "WRONG_KIND",
    "AnswerNotAllowed", "Backend", "BackendError", "Category", "Decision", "Evaluation", "GenerationRequest",
    "Guard", "GuardedReply", "Intent", "LocalBackend", "OpenAIBackend", "Policy", "Prompt", "PromptInput",
    "RuleBackend", "TurnContent", "TurnState", "Verdict", "WeakPrerequisite", "build_prompt",
]
