"""Turning a prepared turn into text the learner may see: the configured backend, streamed, every
sentence guarded before release, one regeneration after a stopped sentence, and the rule backend as
the fallback for every failure (the streaming logic is psikt.llm.guarded, shared with the smoke run).

One code path serves the WebSocket (which forwards the deltas as they come) and the non-streaming
callers (which collect them).
"""

import asyncio
import functools
import time
from dataclasses import dataclass

from django.conf import settings

from psikt.llm.backends import GenerationRequest, RuleBackend
from psikt.llm.backends.local import LocalBackend
from psikt.llm.backends.openai import OpenAIBackend
from psikt.llm.guard import Guard
from psikt.llm.guarded import GuardedReply
from psikt.llm.policy import Decision
from tutor.ops.metrics import GENERATION_SECONDS, GUARD_INTERVENTIONS


@dataclass(frozen=True)
class PreparedTurn:
    """Everything a generation needs, fixed when the move was decided: the decision, the prompt's
    input and the guard. A queued generation stores it as JSON (pending.prepared_dump)."""

    decision: Decision
    request: GenerationRequest
    guard: Guard


@functools.cache
def _local_backend(path: str, device: str) -> LocalBackend:
    return LocalBackend(path, device=device)  # loads its model once per process, on first use


def generates_inline() -> bool:
    """Whether replies are written in the request: the rule backend's text is a pure function of
    the prepared turn and takes microseconds; a model's may take seconds and is never awaited while
    a learner's row is locked (it is streamed after commit, or queued)."""
    return settings.LLM_BACKEND == "rule"


def backend():
    """The backend named by LLM_BACKEND (settings validate the name)."""
    if settings.LLM_BACKEND == "openai":
        return OpenAIBackend(settings.LLM_BASE_URL, settings.LLM_MODEL, settings.LLM_API_KEY,
                             first_token_timeout=settings.LLM_FIRST_TOKEN_TIMEOUT)
    if settings.LLM_BACKEND == "local":
        return _local_backend(settings.LLM_LOCAL_PATH, settings.LLM_LOCAL_DEVICE)
    return RuleBackend()


class GuardedGeneration(GuardedReply):
    """One prepared turn's reply from the configured backend; `facts` are what TutorTurn persists."""

    def __init__(self, prepared: PreparedTurn, chosen=None):
        super().__init__(chosen or backend(), prepared.request, prepared.guard)

    @property
    def facts(self) -> dict:
        # The turn is credited to the model when any of its sentences reached the learner, even if
        # the rule text completed the reply; `fell_back` and the verdicts' attempts tell the rest.
        by_model = self.model_sentences > 0 or not self.fell_back
        return {
            "backend": self.backend.name if by_model else RuleBackend.name,
            "model_name": self.backend.model if by_model else RuleBackend.model,
            "guard_verdicts": self.verdicts,
            "fell_back": self.fell_back,
            "ttft_ms": self.ttft_ms,
            "tokens": self.tokens,
        }


    async def deltas(self):
        started = time.perf_counter()
        async for delta in super().deltas():
            yield delta
        GENERATION_SECONDS.labels(self.backend.name).observe(time.perf_counter() - started)
        if self.fell_back:
            GUARD_INTERVENTIONS.labels(self.backend.name).inc()


def generate_complete(prepared: PreparedTurn, chosen=None) -> tuple[str, dict]:
    """The whole reply at once, for callers that do not stream (REST API, its Celery task, tests);
    `chosen` overrides the configured backend."""
    generation = GuardedGeneration(prepared, chosen)

    async def collect():
        async for _ in generation.deltas():
            pass

    asyncio.run(collect())
    return generation.text, generation.facts
