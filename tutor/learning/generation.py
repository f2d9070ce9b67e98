"""Turning a prepared turn into text the learner may see: the configured backend, streamed, every
sentence guarded before release, one regeneration after a stopped sentence, and the rule backend as
the fallback for every failure (the streaming logic is llm.guarded, shared with the smoke run).

One code path serves the WebSocket (which forwards the deltas as they come) and the non-streaming
callers (which collect them).
"""

import asyncio
import functools

from django.conf import settings

from llm.backends import RuleBackend
from llm.backends.local import LocalBackend
from llm.backends.openai import OpenAIBackend
from llm.guarded import GuardedReply


@functools.cache
def _local_backend(path: str, device: str) -> LocalBackend:
    return LocalBackend(path, device=device)  # loads its model once per process, on first use


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

    def __init__(self, prepared, chosen=None):
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


def generate_complete(prepared, chosen=None) -> tuple[str, dict]:
    """The whole reply at once, for callers that do not stream (REST API, its Celery task, tests);
    `chosen` overrides the configured backend."""
    generation = GuardedGeneration(prepared, chosen)

    async def collect():
        async for _ in generation.deltas():
            pass

    asyncio.run(collect())
    return generation.text, generation.facts
