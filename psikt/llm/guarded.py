"""One guarded reply (spec steps 5-6): stream from a backend, guard every finished sentence before it
is released, regenerate once after a stopped sentence, and fall back to the rule text when the retry
is stopped too or a backend fails.

Sentences already released stay released (they passed the guard); a stopped sentence and whatever
the backend would have written after it are never released. The move check holds too: a reply that
says the step is done while the move leaves it open is stopped at that sentence, and a probing move's
sentences are held back until one of them asks the learner something, so a reply that asks nothing
is never released. Either is replaced by the rule text at once (a retry would need an instruction
for a move the model has just not performed). Used by the web app (through
tutor.learning.generation) and by the smoke run, so both measure the same path.
"""

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator

from .backends import Backend, BackendError, GenerationRequest, RuleBackend
from .guard import Guard, asks, split_complete_sentences
from .prompt import REGENERATE, build_prompt

FIRST, REGENERATED, RULE = "first", "regenerated", "rule"  # the attempt each guard verdict belongs to
MOVE_CHECK = ("move", "ends_step")  # the move check's reasons: replaced by the rule text, no retry
LAST_RESORT = "Let's look at this step again: what is it asking you to find?"


class _Stopped(Exception):
    """The guard stopped a sentence of a model reply."""

    def __init__(self, reason: str):
        super().__init__(f"guard stopped a sentence ({reason})")
        self.reason = reason


class GuardedReply:
    """Streams one reply. After `deltas()` is exhausted, `text`, `verdicts`, `regenerated` and
    `fell_back` describe what was sent and why. Each verdict names its attempt (first, regenerated,
    rule), so the persisted list holds the first reply's verdicts, the retry's and the rule text's."""

    def __init__(self, backend: Backend, request: GenerationRequest, guard: Guard):
        self.backend = backend
        self.request = request
        self.guard = guard
        self.sent: list[str] = []
        self.held: list[str] = []  # a probing move's sentences that passed, waiting for its question
        self.model_sentences = 0  # how many of `sent` the model wrote (the rest is rule text)
        # {"attempt", "ok", "reason"} per guarded sentence, plus {"reason": "error", "detail"} per failure.
        self.verdicts: list[dict] = []
        self.regenerated = False
        self.fell_back = False
        self.ttft_ms: float | None = None
        self.tokens = 0

    @property
    def text(self) -> str:
        return " ".join(self.sent)

    async def deltas(self) -> AsyncIterator[str]:
        started = time.perf_counter()
        if self.backend.name == RuleBackend.name:
            async for delta in self._attempt(RULE, self.backend, self.request, started):
                yield delta
            return
        try:
            async for delta in self._attempt(FIRST, self.backend, self.request, started):
                yield delta
            return
        except _Stopped as stopped:
            retry_after = "" if stopped.reason in MOVE_CHECK else stopped.reason
        except BackendError as error:
            self._failed(FIRST, error)
            retry_after = ""  # a failing or slow server is not asked again within the same turn
        if retry_after:
            self.regenerated = True
            retry = GenerationRequest(
                # A confirmation or a stated learner's answer is retried with the no-answer instruction.
                build_prompt(self.request.data, regenerate_after=retry_after if retry_after in REGENERATE else "leak",
                             already_said=self.text),
                self.request.data, self.request.max_tokens,
            )
            try:
                async for delta in self._attempt(REGENERATED, self.backend, retry, started):
                    yield delta
                return
            except _Stopped:
                pass
            except BackendError as error:
                self._failed(REGENERATED, error)
        self.fell_back = True
        async for delta in self._attempt(RULE, RuleBackend(), self.request, started):
            yield delta

    async def _attempt(self, attempt: str, backend: Backend, request: GenerationRequest,
                       started: float) -> AsyncIterator[str]:
        measured = backend is self.backend  # a fallback's words are not the chosen backend's tokens
        pending = ""
        self.held = []  # what a stopped attempt held back is never released
        # aclosing: when the guard stops a sentence the backend's stream is closed at once, so a
        # local model stops generating and an HTTP stream is dropped rather than read to the end.
        async with contextlib.aclosing(backend.stream(request)) as pieces:
            async for piece in pieces:
                if measured:
                    if self.ttft_ms is None:
                        self.ttft_ms = (time.perf_counter() - started) * 1000
                    self.tokens += 1
                complete, pending = split_complete_sentences(pending + piece)
                for sentence in complete:
                    async for delta in self._sentence(attempt, sentence):
                        yield delta
        if pending.strip():
            async for delta in self._sentence(attempt, pending.strip()):
                yield delta
        if not self.sent and not self.held and attempt != RULE:
            raise BackendError("the model wrote nothing")  # the learner must get a reply: the rule text
        if self.held:
            # A probing reply that asked nothing: a model's is replaced; the rule text's own is sent
            # (the last resort) with the failure recorded, which the tests of its phrasings catch.
            self.verdicts.append({"attempt": attempt, "ok": False, "reason": "move"})
            if attempt != RULE:
                raise _Stopped("move")
            async for delta in self._release_held():
                yield delta
        if not self.sent:
            # Every authored sentence was stopped: still answer, with a move that gives nothing away.
            async for delta in self._release(LAST_RESORT):
                yield delta

    async def _sentence(self, attempt: str, sentence: str) -> AsyncIterator[str]:
        verdict = self._verdict(attempt, sentence)
        if verdict.ok:
            self.held.append(sentence)
            if self.guard.asks and not any(asks(said) for said in self.sent + self.held):
                return  # held until the reply asks
            self.model_sentences += (attempt != RULE) * len(self.held)
            async for delta in self._release_held():
                yield delta
        elif attempt != RULE:
            raise _Stopped(verdict.reason)
        # Authored rule text that fails the guard (a hint that contains the answer) is skipped.

    def _verdict(self, attempt: str, sentence: str):
        verdict = self.guard.sentence(sentence)
        self.verdicts.append({"attempt": attempt, "ok": verdict.ok, "reason": verdict.reason})
        return verdict

    def _failed(self, attempt: str, error: BackendError) -> None:
        self.verdicts.append({"attempt": attempt, "ok": False, "reason": "error", "detail": str(error)[:300]})

    async def _release_held(self) -> AsyncIterator[str]:
        held, self.held = self.held, []
        for sentence in held:
            async for delta in self._release(sentence):
                yield delta

    async def _release(self, sentence: str) -> AsyncIterator[str]:
        self.sent.append(sentence)
        for word in sentence.split(" "):
            yield word + " "
            await asyncio.sleep(0)  # a point where a cancellation (stop, disconnect) is seen
