"""Latency of the generation backends: time to first token (p50, p95) and tokens per second.

    python -m psikt.llm.bench [--backends rule,local,openai] [--turns 20] [--model-path P --device cuda]
                        [--base-url URL --model NAME] [--json]

Prompts are the smoke run's wrong-answer turns on MathDial test problems (psikt.llm.smoke), so every
backend answers the same requests. One untimed warm-up turn per backend first (the local model
loads then; its load time is reported apart). A backend that cannot run here is reported as
skipped with the reason, never given a figure: `local` needs a model (requirements-llm.txt),
`openai` needs a server (--base-url, --model).

Tokens are counted per backend: `local` with the model's own tokenizer, `openai` as the server's
content events (one per token in vLLM, SGLang and llama.cpp server), `rule` as words. Tokens per
second are measured after the first token (decoding rate); TTFT from the request to the first piece.
"""

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path

import numpy as np

from .backends import BackendError
from .backends.local import LocalBackend
from .cli import Unavailable, add_backend_arguments, fail, make_backend
from .smoke import MATHDIAL, prepare, read_problems


async def timed_turn(backend, request) -> dict:
    started = time.perf_counter()
    first, pieces, text = None, 0, []
    async for piece in backend.stream(request):
        if first is None:
            first = time.perf_counter()
        pieces += 1
        text.append(piece)
    ended = time.perf_counter()
    whole = "".join(text)
    if isinstance(backend, LocalBackend):
        tokens = backend.count_tokens(whole)
    elif backend.name == "rule":
        tokens = len(whole.split())
    else:
        tokens = pieces
    return {"ttft_ms": ((first or ended) - started) * 1000, "tokens": tokens,
            "decode_seconds": ended - (first or ended), "total_ms": (ended - started) * 1000}


async def bench_backend(backend, requests) -> dict:
    load_started = time.perf_counter()
    if not await backend.health():
        raise Unavailable(f"the {backend.name} backend is not healthy (model missing or server down)")
    load_seconds = time.perf_counter() - load_started
    await timed_turn(backend, requests[0])  # warm-up, not counted
    turns = [await timed_turn(backend, request) for request in requests]
    ttft = np.array([turn["ttft_ms"] for turn in turns])
    after_first = sum(max(turn["tokens"] - 1, 0) for turn in turns)
    decode = sum(turn["decode_seconds"] for turn in turns)
    return {
        "backend": backend.name, "model": backend.model, "device": getattr(backend, "device", None), "turns": len(turns),
        "ttft_ms_p50": round(float(np.percentile(ttft, 50)), 3), "ttft_ms_p95": round(float(np.percentile(ttft, 95)), 3),
        "tokens_per_s": round(after_first / decode, 1) if decode > 0 else None,
        "tokens_mean": round(sum(turn["tokens"] for turn in turns) / len(turns), 1),
        "total_ms_p50": round(float(np.percentile([turn["total_ms"] for turn in turns], 50)), 2),
        "health_and_load_s": round(load_seconds, 2),
    }


def table(results: list[dict], skipped: dict[str, str]) -> str:
    lines = [f"{'backend':<8} {'model':<34} {'turns':>5} {'TTFT p50':>10} {'TTFT p95':>10} {'tok/s':>8} {'tokens':>7}"]
    for r in results:
        rate = f"{r['tokens_per_s']:.1f}" if r["tokens_per_s"] is not None else "-"
        lines.append(f"{r['backend']:<8} {r['model'][:34]:<34} {r['turns']:>5} {r['ttft_ms_p50']:>8.3f}ms "
                     f"{r['ttft_ms_p95']:>8.3f}ms {rate:>8} {r['tokens_mean']:>7}")
    lines += [f"{name:<8} skipped: {reason}" for name, reason in skipped.items()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m psikt.llm.bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--backends", default="rule,local,openai")
    parser.add_argument("--turns", type=int, default=20)
    parser.add_argument("--max-new-tokens", type=int, default=60)
    parser.add_argument("--data", type=Path, default=MATHDIAL, help="MathDial test.jsonl.gz (the prompts)")
    parser.add_argument("--json", action="store_true")
    add_backend_arguments(parser)
    args = parser.parse_args(argv)
    names = [name.strip() for name in args.backends.split(",") if name.strip()]
    if args.turns < 1 or not names:
        return fail("--turns must be at least 1 and --backends must name at least one backend")
    if not args.data.is_file():
        return fail(f"MathDial test split not found at {args.data} (see ../shared/data/README.md)")
    problems, _ = read_problems(args.data, args.turns)
    requests = [prepare(problem, index, args.max_new_tokens)[0] for index, problem in enumerate(problems)]
    results, skipped = [], {}
    for name in names:
        try:
            backend = make_backend(name, args)
            results.append(asyncio.run(bench_backend(backend, requests)))
        except Unavailable as error:
            skipped[name] = str(error)
        except BackendError as error:
            skipped[name] = f"failed while measuring: {error}"
    if args.json:
        print(json.dumps({"results": results, "skipped": skipped}, indent=1))
    else:
        print(table(results, skipped))
    return 0 if results else 2


if __name__ == "__main__":
    sys.exit(main())
