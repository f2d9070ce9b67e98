"""The OpenAI-compatible backend against a local fake server speaking scripted SSE over real HTTP."""

import asyncio

import pytest

from psikt.checking import AnswerSpec
from psikt.llm.backends import GenerationRequest
from psikt.llm.backends.openai import FirstTokenTimeout, MalformedStream, OpenAIBackend, ServerError
from psikt.llm.guard import Guard
from psikt.llm.guarded import GuardedReply
from psikt.llm.policy import Policy, TurnState
from psikt.llm.prompt import REGENERATE, PromptInput, TurnContent, build_prompt

from .fake_sse import DONE, Script, event, start


@pytest.fixture(scope="module")
def server():
    httpd, url = start()
    yield url
    httpd.shutdown()


@pytest.fixture(autouse=True)
def reset():
    Script.status, Script.chunks, Script.queue, Script.requests = 200, [], [], []


def request() -> GenerationRequest:
    decision = Policy().decide(TurnState("incorrect", attempts_on_step=1))
    data = PromptInput(decision, TurnContent("Simplify 3(x+2) - x.", "Expand 3(x + 2).", hint="Multiply each term."), "3x+2", 1)
    return GenerationRequest(build_prompt(data), data)


def run(backend, **kwargs):
    async def collect():
        return [piece async for piece in backend.stream(request())]

    return asyncio.run(collect())


def test_streams_content_and_sends_the_prompt(server):
    Script.chunks = [(event("Try "), 0), (event("multiplying."), 0), (DONE, 0)]
    backend = OpenAIBackend(server, "test-model", api_key="k")
    assert run(backend) == ["Try ", "multiplying."]
    sent = Script.requests[0]
    assert sent["model"] == "test-model" and sent["stream"] is True
    assert sent["messages"] == list(request().prompt.messages)


def test_utf8_split_across_chunks(server):
    whole = event("½ is 0.5 — yes")
    cut = whole.index("½".encode()) + 1  # inside the two-byte character
    Script.chunks = [(whole[:cut], 0), (whole[cut:], 0.01), (DONE, 0)]
    assert "".join(run(OpenAIBackend(server, "m"))) == "½ is 0.5 — yes"


def test_server_error_status_is_typed(server):
    Script.status = 500
    with pytest.raises(ServerError):
        run(OpenAIBackend(server, "m"))


def test_connection_dropped_mid_stream_is_typed(server):
    Script.chunks = [(event("Half "), 0), (b"data: {\"choices\": [{\"delta\": {\"content\": \"a sent", 0)]
    with pytest.raises(MalformedStream):
        run(OpenAIBackend(server, "m"))


def test_error_event_mid_stream_is_typed(server):
    Script.chunks = [(event("Half "), 0), (b'data: {"error": {"message": "internal error", "code": 500}}\n\n', 0)]
    with pytest.raises(ServerError, match="mid-stream"):
        run(OpenAIBackend(server, "m"))


def test_slow_first_token_times_out(server):
    Script.chunks = [(event("late"), 1.0)]
    with pytest.raises(FirstTokenTimeout):
        run(OpenAIBackend(server, "m", first_token_timeout=0.2))


def test_malformed_json_is_typed(server):
    Script.chunks = [(b"data: {not json}\n\n", 0)]
    with pytest.raises(MalformedStream):
        run(OpenAIBackend(server, "m"))


def test_unreachable_server_is_typed():
    with pytest.raises(ServerError):
        run(OpenAIBackend("http://127.0.0.1:9/v1", "m", total_timeout=1.0))


def test_health(server):
    assert asyncio.run(OpenAIBackend(server, "m").health()) is True
    assert asyncio.run(OpenAIBackend("http://127.0.0.1:9/v1", "m", total_timeout=1.0).health()) is False


def guarded(backend) -> tuple[list[str], GuardedReply]:
    """A guarded reply whose protected answer is 2x + 6 (the expanded, simplified 3(x+2) - x)."""
    reply = GuardedReply(backend, request(), Guard([AnswerSpec("expression", "2*x + 6")], allowed_text="Simplify 3(x+2) - x."))

    async def collect():
        return [delta async for delta in reply.deltas()]

    return asyncio.run(collect()), reply


def sse(*pieces: str) -> list[tuple[bytes, float]]:
    return [(event(piece), 0) for piece in pieces] + [(DONE, 0)]


def test_guarded_leak_is_regenerated_over_http(server):
    Script.queue = [sse("Well, ", "it is 6 + 2x. ", "Done."), sse("Multiply ", "each term by 3 first.")]
    deltas, reply = guarded(OpenAIBackend(server, "m"))
    assert "".join(deltas).strip() == "Multiply each term by 3 first."
    assert reply.regenerated and not reply.fell_back
    assert [(v["attempt"], v["reason"]) for v in reply.verdicts] == [("first", "leak"), ("regenerated", "")]
    assert len(Script.requests) == 2
    assert Script.requests[1]["messages"][-1]["content"].endswith(REGENERATE["leak"])


def test_guarded_second_leak_falls_back_to_rule_text_over_http(server):
    Script.queue = [sse("The answer is 2x+6."), sse("So you get ", "x*2 + 6.")]
    deltas, reply = guarded(OpenAIBackend(server, "m"))
    assert "".join(deltas).strip() == "Here's a hint: Multiply each term."
    assert reply.regenerated and reply.fell_back
    assert not any("6" in delta for delta in deltas)
