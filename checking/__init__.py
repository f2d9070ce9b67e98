"""Deterministic answer checking: a whitelist tokenizer, a parser that builds sympy objects without
`eval`, and a sandboxed worker pool for the algebraic comparisons. Independent of Django."""

from .check import (
    ALGEBRAIC_MODES,
    CORRECT,
    INCORRECT,
    MISCONCEPTION,
    MODES,
    UNREADABLE,
    AnswerSpec,
    CheckResult,
    Misconception,
    check_answer,
    validate_answer_text,
)
from .errors import CouldNotRead
from .sandbox import CheckerPool, default_pool
from .templates import condition_holds, render_answer
from .tokens import normalize

__all__ = [
    "ALGEBRAIC_MODES", "CORRECT", "INCORRECT", "MISCONCEPTION", "MODES", "UNREADABLE",
    "AnswerSpec", "CheckResult", "CheckerPool", "CouldNotRead", "Misconception",
    "check_answer", "condition_holds", "default_pool", "normalize", "render_answer", "validate_answer_text",
]
