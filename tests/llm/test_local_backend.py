"""The local transformers backend on a tiny random-weight Llama built here: plumbing only
(streaming, determinism, cancellation), never text quality."""

import asyncio
import threading

import pytest

pytest.importorskip("transformers")

from psikt.llm.backends import GenerationRequest
from psikt.llm.backends.base import BackendError
from psikt.llm.backends.local import LocalBackend
from psikt.llm.policy import Policy, TurnState
from psikt.llm.prompt import PromptInput, TurnContent, build_prompt

CORPUS = ["try to multiply each term by three then add the numbers", "what is the next step here"]
CHAT_TEMPLATE = (
    "{% for m in messages %}<{{ m['role'] }}>{{ m['content'] }}{% endfor %}"
    "{% if add_generation_prompt %}<assistant>{% endif %}"
)


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    path = tmp_path_factory.mktemp("tiny-llama")
    tokenizer = Tokenizer(models.WordLevel(unk_token="[UNK]"))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer.decoder = decoders.WordPiece()  # joins words with spaces, so the streamer can release them
    tokenizer.train_from_iterator(CORPUS * 5, trainers.WordLevelTrainer(special_tokens=["[UNK]", "[PAD]", "[EOS]"]))
    fast = PreTrainedTokenizerFast(tokenizer_object=tokenizer, unk_token="[UNK]", pad_token="[PAD]", eos_token="[EOS]")
    fast.chat_template = CHAT_TEMPLATE
    fast.save_pretrained(path)
    config = LlamaConfig(
        vocab_size=fast.vocab_size, hidden_size=16, intermediate_size=32, num_hidden_layers=2,
        num_attention_heads=2, num_key_value_heads=2, max_position_embeddings=4096,
        eos_token_id=fast.eos_token_id, pad_token_id=fast.pad_token_id,
    )
    import torch

    torch.manual_seed(0)
    model = LlamaForCausalLM(config)
    # Random weights favour a few tokens; silence the special ones (skipped when decoding) and
    # give every word a distinct direction so greedy decoding produces visible words until max_tokens.
    with torch.no_grad():
        model.lm_head.weight.copy_(torch.randn_like(model.lm_head.weight) * 5)
        for special in (fast.unk_token_id, fast.pad_token_id, fast.eos_token_id):
            model.lm_head.weight[special].zero_()
    model.save_pretrained(path)
    return str(path)


def request(max_tokens: int = 40) -> GenerationRequest:
    decision = Policy().decide(TurnState("incorrect", attempts_on_step=1))
    data = PromptInput(decision, TurnContent("Simplify 3(x+2) - x.", "Expand 3(x + 2).", hint="Multiply each term."), "3x+2", 1)
    return GenerationRequest(build_prompt(data), data, max_tokens=max_tokens)


async def collect(backend, req):
    return [piece async for piece in backend.stream(req)]


def test_streams_several_pieces_deterministically(tiny_model):
    backend = LocalBackend(tiny_model)
    first = asyncio.run(collect(backend, request()))
    second = asyncio.run(collect(backend, request()))
    assert len(first) > 5 and first == second
    assert asyncio.run(backend.complete(request())) == "".join(first)


def test_cancelling_stops_generation(tiny_model):
    backend = LocalBackend(tiny_model)

    async def take_two_then_cancel():
        pieces = []

        async def consume():
            async for piece in backend.stream(request(max_tokens=2000)):
                pieces.append(piece)
                if len(pieces) == 2:
                    await asyncio.sleep(3600)  # stands for a learner who is still reading

        task = asyncio.create_task(consume())
        while len(pieces) < 2:
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return pieces

    before = threading.active_count()
    pieces = asyncio.run(take_two_then_cancel())
    assert len(pieces) == 2
    # The generation thread ends at its next token instead of running to 2,000 tokens.
    for _ in range(200):
        if threading.active_count() <= before:
            break
        threading.Event().wait(0.05)
    assert threading.active_count() <= before


def test_missing_model_is_a_backend_error(tmp_path):
    with pytest.raises(BackendError):
        asyncio.run(collect(LocalBackend(str(tmp_path / "none")), request()))
    assert asyncio.run(LocalBackend(str(tmp_path / "none")).health()) is False


def test_guarded_local_model_that_leaks_twice_gets_the_rule_text(tiny_model):
    from psikt.checking import AnswerSpec
    from psikt.llm.guard import Guard
    from psikt.llm.guarded import GuardedReply

    # Every word this model knows, bar the rule hint's, counts as "the answer": whatever it writes is stopped.
    words = set(" ".join(CORPUS).split()) - {"multiply", "each", "term"}
    reply = GuardedReply(LocalBackend(tiny_model), request(), Guard([AnswerSpec("exact", word) for word in words]))

    async def collect():
        return [delta async for delta in reply.deltas()]

    deltas = asyncio.run(collect())
    assert "".join(deltas).strip() == "Here's a hint: Multiply each term."
    assert [(v["attempt"], v["reason"]) for v in reply.verdicts] == [("first", "leak"), ("regenerated", "leak"), ("rule", "")]
    assert reply.regenerated and reply.fell_back and reply.tokens > 0
