"""Any OpenAI-compatible `/v1/chat/completions` server with SSE streaming (vLLM, SGLang, llama.cpp
server, `transformers serve`): how a GPU-served model is used.

Errors are typed (BackendError subclasses) so the caller can fall back to the rule backend: a first
token that misses its deadline, an HTTP error before or during the stream, a malformed event.
"""

import asyncio
import codecs
import json
from collections.abc import AsyncIterator

import httpx

from .base import BackendError, GenerationRequest


class FirstTokenTimeout(BackendError):
    pass


class ServerError(BackendError):
    pass


class MalformedStream(BackendError):
    pass


class OpenAIBackend:
    name = "openai"

    def __init__(self, base_url: str, model: str, api_key: str = "", *, first_token_timeout: float = 2.0,
                 total_timeout: float = 30.0, transport: httpx.AsyncBaseTransport | None = None):
        self.model = model
        self.first_token_timeout = first_token_timeout
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client_options = {
            "base_url": base_url.rstrip("/"),
            "headers": headers,
            "timeout": httpx.Timeout(total_timeout, connect=min(5.0, total_timeout)),
            "transport": transport,
        }

    def _payload(self, request: GenerationRequest, stream: bool) -> dict:
        return {
            "model": self.model,
            "messages": list(request.prompt.messages),
            "max_tokens": request.max_tokens,
            "temperature": 0.3,
            "stream": stream,
        }

    async def stream(self, request: GenerationRequest) -> AsyncIterator[str]:
        async with httpx.AsyncClient(**self._client_options) as client:
            try:
                async with client.stream("POST", "/chat/completions", json=self._payload(request, True)) as response:
                    if response.status_code != 200:
                        raise ServerError(f"the model server answered {response.status_code}")
                    events = _sse_data(response.aiter_bytes())
                    deadline: float | None = self.first_token_timeout  # until the first content arrives
                    while True:
                        try:
                            data = await asyncio.wait_for(anext(events), deadline)
                        except StopAsyncIteration:
                            return
                        except TimeoutError as error:
                            raise FirstTokenTimeout(f"no first token within {self.first_token_timeout} s") from error
                        if data == "[DONE]":
                            return
                        if piece := _content(data):
                            deadline = None
                            yield piece
            except httpx.HTTPError as error:
                raise ServerError(f"the model server failed: {error}") from error

    async def complete(self, request: GenerationRequest) -> str:
        return "".join([piece async for piece in self.stream(request)])

    async def health(self) -> bool:
        try:
            async with httpx.AsyncClient(**self._client_options) as client:
                response = await client.get("/models")
            return response.status_code == 200
        except httpx.HTTPError:
            return False


def _content(data: str) -> str:
    try:
        event = json.loads(data)
        if isinstance(event, dict) and "error" in event:
            # How servers report a failure after the 200 status has gone out (vLLM, llama.cpp).
            raise ServerError(f"the model server failed mid-stream: {str(event['error'])[:200]}")
        return event["choices"][0].get("delta", {}).get("content") or ""
    except (ValueError, KeyError, IndexError, TypeError, AttributeError) as error:
        raise MalformedStream(f"malformed event from the model server: {data[:200]!r}") from error


async def _sse_data(chunks: AsyncIterator[bytes]) -> AsyncIterator[str]:
    """The `data:` payloads of a server-sent event stream; chunk boundaries may split UTF-8 characters."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="strict")
    buffer = ""
    async for chunk in chunks:
        try:
            buffer += decoder.decode(chunk)
        except UnicodeDecodeError as error:
            raise MalformedStream("the model server sent invalid UTF-8") from error
        while "\n\n" in buffer:
            event, buffer = buffer.split("\n\n", 1)
            data = "\n".join(line[5:].lstrip() for line in event.splitlines() if line.startswith("data:"))
            if data:
                yield data
    if buffer.strip():
        raise MalformedStream("the stream ended inside an event (connection dropped?)")
