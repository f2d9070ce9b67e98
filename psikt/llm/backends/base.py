from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Protocol

from ..prompt import Prompt, PromptInput


class BackendError(RuntimeError):
    """Generation failed; the caller falls back to the rule backend."""


@dataclass(frozen=True)
class GenerationRequest:
    prompt: Prompt  # what a language model sees
    data: PromptInput  # what the rule backend renders from
    max_tokens: int = 120


class Backend(Protocol):
    name: str
    model: str

    def stream(self, request: GenerationRequest) -> AsyncIterator[str]:
        """Yield text pieces; cancelling the consuming task stops generation."""

    async def complete(self, request: GenerationRequest) -> str: ...

    async def health(self) -> bool: ...
