"""Turning a prepared turn into text the learner may see: the configured backend, streamed, every
sentence guarded before release, and the rule backend as the fallback for every failure.

One code path serves the WebSocket (which forwards the deltas as they come) and the non-streaming
callers (which collect them).
"""

import asyncio
import functools
import time
from collections.abc import AsyncIterator

from django.conf import settings

from llm.backends import BackendError, RuleBackend
from llm.backends.local import LocalBackend
from llm.backends.openai import OpenAIBackend
from llm.backends.rule import render
from llm.guard import split_complete_sentences, split_sentences


@functools.cache
def _local_backend(path: str) -> LocalBackend:
    return LocalBackend(path)  # loads its model once per process, on first use


def backend():
    """The backend named by LLM_BACKEND (settings validate the name)."""
    if settings.LLM_BACKEND == "openai":
        return OpenAIBackend(settings.LLM_BASE_URL, settings.LLM_MODEL, settings.LLM_API_KEY,
                             first_token_timeout=settings.LLM_FIRST_TOKEN_TIMEOUT)
    if settings.LLM_BACKEND == "local":
        return _local_backend(settings.LLM_LOCAL_PATH)
    return RuleBackend()


class _GuardStop(Exception):
    pass


class GuardedGeneration:
    """Streams one reply. After `deltas()` is exhausted, `text` and `facts` describe what was sent."""

    def __init__(self, prepared, chosen=None):
        self.prepared = prepared
        self.chosen = chosen or backend()
        self.sent: list[str] = []
        self.verdicts: list[dict] = []
        self.fell_back = False
        self.error = ""
        self.ttft_ms: float | None = None
        self.tokens = 0

    @property
    def text(self) -> str:
        return " ".join(self.sent)

    @property
    def facts(self) -> dict:
        fell_back = self.fell_back
        return {
            "backend": "rule" if fell_back else self.chosen.name,
            "model_name": RuleBackend.model if fell_back else self.chosen.model,
            "guard_verdicts": self.verdicts + ([{"ok": False, "reason": "error", "detail": self.error}] if self.error else []),
            "fell_back": fell_back,
            "ttft_ms": self.ttft_ms,
            "tokens": self.tokens,
        }

    def _passes(self, sentence: str) -> bool:
        verdict = self.prepared.guard.sentence(sentence)
        self.verdicts.append({"ok": verdict.ok, "reason": verdict.reason})
        return verdict.ok

    async def _release(self, sentence: str) -> AsyncIterator[str]:
        self.sent.append(sentence)
        for word in sentence.split(" "):
            yield word + " "
            await asyncio.sleep(0)  # a point where a cancellation (stop, disconnect) is seen

    async def deltas(self) -> AsyncIterator[str]:
        started = time.perf_counter()
        pending = ""
        try:
            async for piece in self.chosen.stream(self.prepared.request):
                if self.ttft_ms is None:
                    self.ttft_ms = (time.perf_counter() - started) * 1000
                self.tokens += 1
                complete, pending = split_complete_sentences(pending + piece)
                for sentence in complete:
                    async for delta in self._checked(sentence):
                        yield delta
            if pending.strip():
                async for delta in self._checked(pending.strip()):
                    yield delta
        except (BackendError, _GuardStop) as error:
            self.error = str(error) or "guard"
            if self.sent:
                return  # part of the reply is out already; end it there rather than restart
            self.fell_back = True
            for sentence in split_sentences(render(self.prepared.request)):
                async for delta in self._release(sentence):
                    yield delta

    async def _checked(self, sentence: str) -> AsyncIterator[str]:
        if self._passes(sentence):
            async for delta in self._release(sentence):
                yield delta
        elif self.chosen.name != "rule":
            raise _GuardStop(f"guard stopped a sentence ({self.verdicts[-1]['reason']})")
        # A rule sentence that fails the guard (authored content) is skipped, never sent.


def generate_complete(prepared) -> tuple[str, dict]:
    """The whole reply at once, for callers that do not stream (REST API, tests)."""
    generation = GuardedGeneration(prepared)

    async def collect():
        async for _ in generation.deltas():
            pass

    asyncio.run(collect())
    return generation.text, generation.facts
